"""De-identification: DICOM PS3.15 Basic Application Confidentiality Profile and record text."""
