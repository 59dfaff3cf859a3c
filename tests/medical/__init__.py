"""Tests of the medical domain."""
