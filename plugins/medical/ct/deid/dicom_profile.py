"""DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile (with options).

Options applied (and declared in DeidentificationMethodCodeSequence, CID 7050):
113100 Basic Profile; 113107 Retain Longitudinal Temporal Information with Modified
Dates (every DA/DT shifted by the project's fixed offset, so intervals survive);
113108 Retain Patient Characteristics (sex, age, size, weight: the report's risk model
needs them; ages over 89 are capped at 090Y); 113105 Clean Descriptors only when
descriptions are kept on request. All private attributes, overlays and curves are
removed; every instance UID is remapped with the project key (study linkage survives).
Pixel data is not altered: burned-in text is flagged for manual review instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from plugins.medical.ct.deid.keys import ProjectKey

MARKER = "ENCLAVE-DEID"
# Attributes to remove (X) - identifying or free text that may identify.
REMOVE = {
    "OtherPatientIDs", "OtherPatientIDsSequence", "OtherPatientNames", "PatientAddress",
    "PatientTelephoneNumbers", "PatientTelecomInformation", "PatientMotherBirthName",
    "PatientBirthName", "PatientBirthTime", "MilitaryRank", "BranchOfService",
    "MedicalRecordLocator", "Occupation", "AdditionalPatientHistory", "PatientComments",
    "PatientReligiousPreference", "CountryOfResidence", "RegionOfResidence",
    "PatientInsurancePlanCodeSequence", "IssuerOfPatientID", "InstitutionAddress",
    "InstitutionName", "InstitutionalDepartmentName", "InstitutionCodeSequence",
    "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
    "ReferringPhysicianIdentificationSequence", "PhysiciansOfRecord",
    "PhysiciansOfRecordIdentificationSequence", "PerformingPhysicianName",
    "PerformingPhysicianIdentificationSequence", "NameOfPhysiciansReadingStudy",
    "PhysiciansReadingStudyIdentificationSequence", "OperatorsName",
    "OperatorIdentificationSequence", "RequestingPhysician", "RequestingService",
    "RequestAttributesSequence", "AdmittingDiagnosesDescription",
    "AdmittingDiagnosesCodeSequence", "StationName", "DeviceSerialNumber",
    "ImageComments", "StudyComments", "InterpretationAuthor", "ReferencedPatientSequence",
    "ReferencedStudySequence", "ReferencedPerformedProcedureStepSequence",
    "PerformedProcedureStepID", "PerformedProcedureStepDescription",
    "ScheduledProcedureStepID", "RequestedProcedureID", "RequestedProcedureDescription",
    "PerformedLocation", "ScheduledPerformingPhysicianName", "CurrentPatientLocation",
    "PatientInstitutionResidence", "AdmissionID", "IssuerOfAdmissionIDSequence",
    "ServiceEpisodeID", "ServiceEpisodeDescription", "VisitComments", "PersonName",
    "ContentCreatorName", "PatientState", "PregnancyStatus", "DerivationDescription",
    "FillerOrderNumberImagingServiceRequest", "PlacerOrderNumberImagingServiceRequest",
    "ResponsibleOrganization", "ResponsiblePerson", "PatientSpeciesDescription",
    "EthnicGroup", "SmokingStatus", "LastMenstrualDate", "MedicalAlerts", "Allergies",
    "DeviceUID", "ProtocolName", "AcquisitionComments", "TextComments",
    "IdentifyingComments", "TopicAuthor", "TopicKeywords", "TopicSubject", "TopicTitle",
    "FrameComments", "ImagePresentationComments", "OriginalAttributesSequence",
    "ModifiedAttributesSequence", "DigitalSignaturesSequence", "DataSetTrailingPadding",
}
DESCRIPTIONS = {"StudyDescription", "SeriesDescription", "PerformedProcedureStepDescription",
                "ImageComments", "ProtocolName", "AcquisitionDeviceProcessingDescription"}
EMPTY = {"ReferringPhysicianName", "StudyID", "AccessionNumber", "PatientBirthDate",
         "ConsultingPhysicianName", "ReviewerName", "VerifyingObserverName",
         "VerifyingOrganization", "ContentCreatorName"}
KEEP_UID = {"SOPClassUID", "ReferencedSOPClassUID", "TransferSyntaxUID",
            "MediaStorageSOPClassUID", "ImplementationClassUID", "CodingSchemeUID",
            "MappingResource", "ContextGroupExtensionCreatorUID", "RelatedGeneralSOPClassUID",
            "OriginalSpecializedSOPClassUID", "SOPClassesInStudy"}
BURNED_IN_IMAGE_TYPES = {"SECONDARY", "SCREEN SAVE", "DOSE_INFO", "PATIENT_INFO", "RESULTS",
                         "REF_SURVIEW"}
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


@dataclass
class DicomReport:
    """What happened to one dataset."""

    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, name, action)
    burned_in: str = "unknown"
    already_deidentified: bool = False


def is_deidentified_by(ds: Dataset, key: ProjectKey) -> bool:
    """True when this project's key already de-identified ``ds`` (re-runs are no-ops)."""
    method = str(getattr(ds, "DeidentificationMethod", "") or "")
    return str(getattr(ds, "PatientIdentityRemoved", "")) == "YES" and \
        f"{MARKER} {key.fingerprint}" in method


def burned_in_status(ds: Dataset) -> str:
    """"yes" when text is (or is likely) burned into the pixels, "no", or "unknown"."""
    flag = str(getattr(ds, "BurnedInAnnotation", "") or "").upper()
    image_type = {str(v).upper() for v in (getattr(ds, "ImageType", None) or [])}
    sop = str(getattr(ds, "SOPClassUID", ""))
    if flag == "YES" or image_type & BURNED_IN_IMAGE_TYPES or sop.startswith(SECONDARY_CAPTURE):
        return "yes"
    if str(getattr(ds, "Modality", "")) in ("US", "OT", "XC", "ES", "SC"):
        return "unknown" if flag != "NO" else "no"
    return "no" if flag == "NO" or str(getattr(ds, "Modality", "")) == "CT" else "unknown"


def _shift_da(value: str, key: ProjectKey) -> str:
    try:
        day = dt.datetime.strptime(value.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return ""
    return key.shift_date(day).strftime("%Y%m%d")


def _shift_dt(value: str, key: ProjectKey) -> str:
    value = value.strip()
    head = _shift_da(value[:8], key)
    return head + value[8:] if head else ""


def _cap_age(value: str) -> str:
    if len(value) == 4 and value[:3].isdigit() and value[3] == "Y" and int(value[:3]) > 89:
        return "090Y"
    return value


def deidentify_dataset(ds: Dataset, key: ProjectKey, *, keep_descriptions: bool = False
                       ) -> DicomReport:
    """Apply the profile to ``ds`` in place and return what was changed."""
    report = DicomReport(burned_in=burned_in_status(ds))
    if is_deidentified_by(ds, key):
        report.already_deidentified = True
        return report
    original_pid = str(getattr(ds, "PatientID", "") or "")

    def note(elem, action: str) -> None:
        report.changes.append((f"{elem.tag}", elem.keyword or "private", action))

    def walk(node: Dataset) -> None:
        private = [elem for elem in node if elem.tag.is_private]
        for elem in private:
            note(elem, "removed")
            del node[elem.tag]
        for elem in list(node):
            group = elem.tag.group
            keyword = elem.keyword
            if 0x5000 <= group <= 0x50FF or (0x6000 <= group <= 0x60FF and elem.tag.element
                                             in (0x3000, 0x4000, 0x1500)):
                note(elem, "removed")
                del node[elem.tag]
            elif keyword in REMOVE and not (keep_descriptions and keyword in DESCRIPTIONS):
                note(elem, "removed")
                del node[elem.tag]
            elif keyword in DESCRIPTIONS and not keep_descriptions:
                note(elem, "removed")
                del node[elem.tag]
            elif keyword in EMPTY:
                if elem.value not in (None, "", b""):
                    note(elem, "emptied")
                elem.value = None if elem.VR == "SQ" else ""
            elif elem.VR == "SQ":
                for item in elem.value:
                    walk(item)
            elif elem.VR == "UI" and keyword not in KEEP_UID and elem.value:
                values = elem.value if isinstance(elem.value, list | pydicom.multival.MultiValue) \
                    else [elem.value]
                mapped = [v if str(v).startswith("1.2.840.10008.") else key.uid(str(v))
                          for v in values]
                if mapped != [str(v) for v in values]:
                    elem.value = mapped if len(mapped) > 1 else mapped[0]
                    note(elem, "remapped")
            elif elem.VR == "DA" and elem.value:
                elem.value = _shift_da(str(elem.value), key)
                note(elem, "shifted")
            elif elem.VR == "DT" and elem.value:
                elem.value = _shift_dt(str(elem.value), key)
                note(elem, "shifted")
            elif keyword == "PatientAge" and elem.value:
                capped = _cap_age(str(elem.value))
                if capped != elem.value:
                    elem.value = capped
                    note(elem, "replaced")

    walk(ds)
    if "PatientName" in ds:
        note(ds["PatientName"], "replaced")
    ds.PatientName = key.pseudonym("name", original_pid or str(getattr(ds, "StudyInstanceUID",
                                                                       "")))
    if "PatientID" in ds:
        note(ds["PatientID"], "replaced")
    ds.PatientID = key.pseudonym("patient-id", original_pid) if original_pid else ""
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "MediaStorageSOPInstanceUID" in meta and "SOPInstanceUID" in ds:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    for keyword in ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                    "ReceivingApplicationEntityTitle"):  # station names identify sites
        if meta is not None and keyword in meta:
            report.changes.append((str(meta[keyword].tag), keyword, "removed"))
            del meta[keyword]
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = f"{MARKER} {key.fingerprint} PS3.15 E basic+dates+pt"
    codes = [("113100", "Basic Application Confidentiality Profile"),
             ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
             ("113108", "Retain Patient Characteristics Option")]
    if keep_descriptions:
        codes.append(("113105", "Clean Descriptors Option"))
    items = []
    for value, meaning in codes:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
        items.append(item)
    ds.DeidentificationMethodCodeSequence = Sequence(items)
    ds.LongitudinalTemporalInformationModified = "MODIFIED"
    if report.burned_in == "yes":
        ds.BurnedInAnnotation = "YES"
    return report
