"""One ENCLAVE_HOME and one inference core for the clinical jobs that need speech recognition.

Building the adapted pocketsphinx decoder is the expensive step; running every job that
transcribes audio in one module-independent session fixture builds it once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf

from plugins.medical.clinical.samples.make_samples import as_written, synthesise
from plugins.medical.ct.api import make_chest_phantom, write_dicom_series
from tests.conftest import SHARED_DATA

SAMPLES = Path(__file__).resolve().parents[3] / "plugins" / "medical" / "clinical" / "samples"
LIBRIVOX_CLIP = "sense_and_sensibility_01_austen_64kb-0880"
# Generous: the adapted decoder builds in about 1 s idle, but these jobs share the fixture
# with a CT study and a loaded host can be many times slower.
SPEECH_TIMEOUT = pytest.mark.timeout(1800)
# Right 12 mm and left 10 mm solid nodules at known places (CT API phantom), and a dictation
# that describes them (synthesised with espeak-ng when the fixture runs, written as sentences
# so espeak-ng pauses at each full stop as a dictating radiologist does).
PLANTED = [{"diameter_mm": 12.0, "kind": "spherical", "position_mm": [-75, 5, -8]},
           {"diameter_mm": 10.0, "kind": "spherical", "position_mm": [72, 10, 12]}]
# The coarse resolution of the CT benchmark (3 mm slices). At 2.2 x 2.2 x 4 mm the left
# nodule merges with a vessel and the CT API found a false positive in its place.
PHANTOM_GEOMETRY = {"shape": (64, 192, 192), "spacing": (1.8, 1.8, 3.0)}
# Abdomen and head CT phrasing (written for this test, in neither the dev nor the held-out
# set): the first LM only knew chest sentences and got about half of these words wrong.
BODY_DICTATION = ("the gallbladder contains several small stones. there is no hydronephrosis. "
                  "a small subdural hematoma is seen along the left convexity.")
STUDY_DICTATION = ("there is a twelve millimeter solid nodule in the right lower lobe. "
                   "there is a ten millimeter solid nodule in the left upper lobe. "
                   "no pleural effusion or pneumothorax.")


def _speak(text: str, path: Path) -> None:
    """Write ``text`` (sentences joined by ". ") as an espeak-ng dictation WAV."""
    sf.write(path, synthesise(as_written(text.split(". "))), 16000, subtype="PCM_16")


@pytest.fixture(scope="session")
def clinical_runs(tmp_path_factory):
    """name -> (job, payload) for the speech jobs, all run through core.runner.run_task."""
    from core.runner import run_task
    from core.testing import reset_process_state

    home = tmp_path_factory.mktemp("clinical_home")
    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ENCLAVE_HOME", str(home))
        for var in ("ENCLAVE_DATABASE_URL", "ENCLAVE_BROKER_URL", "ENCLAVE_PLUGINS",
                    "ENCLAVE_CONFIG"):
            mp.delenv(var, raising=False)
        reset_process_state()
        ct_folder = home / "phantom_ct"
        volume, _ = make_chest_phantom(seed=11, nodules=PLANTED, **PHANTOM_GEOMETRY)
        write_dicom_series(volume, ct_folder, patient_id="PHANTOM-0011", shuffle_seed=3)
        study_wav = home / "study_dictation.wav"
        _speak(STUDY_DICTATION, study_wav)
        runs["ct_folder"] = ct_folder
        runs["dictation"] = run_task("medical.dictation", [SAMPLES / "dictation.wav"])
        runs["negation"] = run_task("medical.dictation", [SAMPLES / "dictation_negation.wav"])
        body_wav = home / "body_dictation.wav"
        _speak(BODY_DICTATION, body_wav)
        runs["body"] = run_task("medical.dictation", [body_wav])
        runs["plain"] = run_task("medical.dictation", [SAMPLES / "dictation_negation.wav"],
                                 {"adapt": False})
        clip = SHARED_DATA / "asr" / "librivox" / f"{LIBRIVOX_CLIP}.wav"
        if clip.is_file():
            runs["librivox"] = run_task("medical.dictation", [clip], {"adapt": False})
        runs["study"] = run_task("medical.study", [ct_folder, SAMPLES / "record.txt", study_wav])
        reset_process_state()
    # Results are plain data and files under ``home``: the environment is restored before
    # other tests run, so nothing outside this fixture sees this ENCLAVE_HOME.
    return runs
