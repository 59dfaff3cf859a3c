"""Vibration diagnosis: velocity RMS + ISO 10816 zone, envelope spectrum, bearing faults."""
