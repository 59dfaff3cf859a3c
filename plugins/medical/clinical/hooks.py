"""Hooks of the clinical capability: ``medical.record``, ``medical.dictation``, ``medical.study``,
the study review page, ``enclave medical build-asr`` and the demo samples."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import PageSpec, SampleInput
from core.tasks import InputSpec, TaskSpec
from plugins.medical.clinical.models import DictationResult, HealthRecord, StudyResult

SAMPLES = Path(__file__).resolve().parent / "samples"


def _study_row(result: StudyResult) -> dict:
    recs = "; ".join(r.text for r in result.report.recommendations)
    return {"study_uid": result.study_uid, "series_uid": result.series_uid,
            "findings": len(result.report.findings), "checks": len(result.checks),
            "recommendation": recs, "pdf_path": result.pdf_path, "sr_path": result.sr_path}


def register_tasks(register) -> None:
    """Record extraction, dictation transcription/structuring and the fused study report."""
    from plugins.medical.clinical.dictation import AUDIO_EXTENSIONS, DictationParams, run_dictation
    from plugins.medical.clinical.study import RecordParams, StudyParams, run_record, run_study

    register(TaskSpec(
        name="medical.record", title="Health record summary (draft)", run=run_record,
        result_model=HealthRecord, params_model=RecordParams,
        inputs=InputSpec(extensions=(".txt", ".json"), description="free text or FHIR R4 Bundle"),
        queue="medical", version="1",
        description="Age, sex, problems, smoking (pack-years), prior cancer, medications, "
                    "allergies, vitals and labs, each with its source span or FHIR path."))
    register(TaskSpec(
        name="medical.dictation", title="Radiology dictation -> statements (draft)",
        run=run_dictation, result_model=DictationResult, params_model=DictationParams,
        inputs=InputSpec(extensions=AUDIO_EXTENSIONS, description="WAV/FLAC, any sample rate"),
        roles=("asr",), queue="medical", version="1",
        description="Transcribes through the core's asr role with a radiology language model "
                    "and pronunciations, then extracts findings, laterality, lobe, size and "
                    "negation."))
    register(TaskSpec(
        name="medical.study", title="CT study draft report (for physician review)",
        run=run_study, result_model=StudyResult, params_model=StudyParams,
        inputs=InputSpec(extensions=(), directories=True, min_count=1, max_count=3,
                         description="CT folder/.zip/.dcm (required) + record .txt/.json and "
                                     "dictation .wav/.flac (optional)"),
        roles=("asr",), queue="medical", version="1",
        description="Fuses CT measurements, record and dictation into a draft report with "
                    "Fleischner 2017 recommendations and consistency checks; writes JSON, "
                    "PDF and a DICOM Comprehensive SR.",
        export_row=_study_row))


def register_pages(register) -> None:
    """The study review page (clinicians)."""
    register(PageSpec(domain="medical", title="Study review", roles=("clinician",),
                      script=Path(__file__).resolve().parent / "page.py", icon="🩻", order=20))


def register_cli(group) -> None:
    """``enclave medical build-asr``: rebuild the radiology LM and pronunciation dictionary."""
    import click

    @click.command("build-asr")
    @click.option("--sentences", type=int, default=None,
                  help="sentences in the LM corpus (default: what the shipped LM was built with)")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="output folder (default: the package's asr/ folder)")
    def build_asr(sentences: int | None, out: Path | None) -> None:
        """Rebuild radiology.lm (ARPA trigram) and radiology.dic (espeak-ng pronunciations)."""
        from plugins.medical.clinical.asr import ASR_DIR
        from plugins.medical.clinical.asr.build import CORPUS_SENTENCES, build

        target = out or ASR_DIR
        target.mkdir(parents=True, exist_ok=True)
        summary = build(target, sentences or CORPUS_SENTENCES)
        for key, value in summary.items():
            click.echo(f"{key}: {value}")

    group.add_command(build_asr)


def sample_inputs(register) -> None:
    """A text record, a FHIR bundle, a dictation WAV and the full study on the CT demo phantom."""
    record, bundle, wav = SAMPLES / "record.txt", SAMPLES / "bundle.json", SAMPLES / "dictation.wav"
    register(SampleInput(task="medical.record", inputs=(record,),
                         description="synthetic clinic note (67-year-old former smoker)"))
    register(SampleInput(task="medical.record", inputs=(bundle,),
                         description="synthetic FHIR R4 bundle (smoker, prior breast cancer)"))
    register(SampleInput(task="medical.dictation", inputs=(wav,),
                         description="espeak-ng radiology dictation, 16 kHz WAV"))
    from plugins.medical.ct.hooks import sample_folder

    register(SampleInput(task="medical.study", inputs=(sample_folder(), record, wav),
                         description="demo CT phantom + text record + dictation"))
