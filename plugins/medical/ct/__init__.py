"""CT capability: DICOM study loading, quantitative analysis, phantoms, de-identification."""
