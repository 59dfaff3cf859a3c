"""Operator voice notes: speech -> transcript (core ``asr`` role) -> defect tags."""
