"""Write a CtVolume as a real CT Image Storage series (one Part-10 file per slice).

Used for phantoms (demo input, tests, benchmarks) so that they travel through exactly
the same loader as a scanner's export: geometry tags, rescale and UIDs must be right
or the round trip fails.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from plugins.medical.ct.volume import CtVolume

IMPLEMENTATION_UID = "1.2.826.0.1.3680043.10.1396.1"  # Enclave's implementation class UID


def write_series(volume: CtVolume, folder: Path, *, patient_name: str = "PHANTOM^CHEST",
                 patient_id: str = "PHANTOM-0001", patient_sex: str = "O",
                 patient_birth_date: str = "", patient_age: str = "",
                 study_date: str | None = None, accession_number: str = "",
                 institution_name: str = "", referring_physician: str = "",
                 series_description: str | None = None, shuffle_seed: int | None = None,
                 uid_seed: str | None = None) -> Path:
    """Write one file per slice into ``folder``; returns the folder.

    ``uid_seed`` makes the UIDs deterministic (same seed, same UIDs) so a regenerated
    sample is byte-identical; ``shuffle_seed`` writes InstanceNumbers in a scrambled
    order, to prove the reader sorts by position and not by number.
    """
    folder.mkdir(parents=True, exist_ok=True)
    hu = volume.hu
    intercept = -1024.0
    stored = np.clip(np.round(hu.astype(np.float32) - intercept), 0, 65535).astype(np.uint16)

    def uid(suffix: str) -> str:
        return generate_uid(entropy_srcs=[uid_seed, suffix]) if uid_seed else generate_uid()

    study_uid = volume.study_uid or uid("study")
    series_uid = volume.series_uid or uid("series")
    frame_uid = volume.frame_of_reference_uid or uid("frame")
    date = study_date or dt.date.today().strftime("%Y%m%d")
    numbers = np.arange(1, volume.shape[0] + 1)
    if shuffle_seed is not None:
        numbers = np.random.default_rng(shuffle_seed).permutation(numbers)
    sx, sy, sz = volume.spacing_mm
    for k in range(volume.shape[0]):
        sop_uid = uid(f"sop{k}")
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = IMPLEMENTATION_UID
        ds = Dataset()
        ds.file_meta = meta
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = sop_uid
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = date
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = "090000"
        ds.AccessionNumber = accession_number
        ds.Modality = "CT"
        ds.Manufacturer = "Enclave phantom"
        ds.InstitutionName = institution_name
        ds.ReferringPhysicianName = referring_physician
        ds.StudyDescription = "CT CHEST"
        ds.SeriesDescription = series_description or volume.series_description or "phantom"
        ds.PatientName = patient_name
        ds.PatientID = patient_id
        ds.PatientBirthDate = patient_birth_date
        ds.PatientSex = patient_sex
        if patient_age:
            ds.PatientAge = patient_age
        ds.BodyPartExamined = volume.body_part_examined or "CHEST"
        ds.SliceThickness = f"{sz:.4g}"
        ds.KVP = "120"
        ds.GantryDetectorTilt = "0"
        ds.PatientPosition = "HFS"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.StudyID = "1"
        ds.SeriesNumber = 2
        ds.InstanceNumber = int(numbers[k])
        position = volume.voxel_to_patient((k, 0, 0))
        ds.ImagePositionPatient = [f"{v:.4f}" for v in position]
        ds.ImageOrientationPatient = [f"{v:.6f}" for v in volume.orientation]
        ds.FrameOfReferenceUID = frame_uid
        ds.PositionReferenceIndicator = ""
        ds.SliceLocation = f"{float(position @ volume.normal):.4f}"
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = int(volume.shape[1]), int(volume.shape[2])
        ds.PixelSpacing = [f"{sy:.6g}", f"{sx:.6g}"]
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 0
        ds.WindowCenter = "-600"
        ds.WindowWidth = "1500"
        ds.RescaleIntercept = f"{intercept:g}"
        ds.RescaleSlope = "1"
        ds.RescaleType = "HU"
        ds.PixelData = stored[k].tobytes()
        ds.save_as(folder / f"CT{k + 1:04d}.dcm", enforce_file_format=True)
    return folder
