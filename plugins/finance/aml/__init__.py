"""AML transaction monitoring: readers, detectors, scoring, cases, streaming, generator."""
