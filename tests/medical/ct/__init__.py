"""Tests of the CT capability (medical.ct, medical.deidentify)."""
