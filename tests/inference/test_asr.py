"""Pocketsphinx through the core on real LibriVox speech (../shared/data/asr/librivox)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from core.errors import UserError
from core.inference import InferenceCore, Transcript
from core.inference.speech import starts_with_speech, to_16k_mono

CLIP = "sense_and_sensibility_01_austen_64kb-0880"


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words / reference length."""
    ref, hyp = reference.split(), hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


def write_bigram_arpa(sentences: list[str], path: Path) -> Path:
    """A small ARPA bigram LM (add-one unigrams, constant back-off): a site's domain LM."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for sentence in sentences:
        words = ["<s>", *sentence.split(), "</s>"]
        unigrams.update(words)
        bigrams.update(zip(words, words[1:], strict=False))
    total = sum(unigrams.values())
    lines = ["\\data\\", f"ngram 1={len(unigrams)}", f"ngram 2={len(bigrams)}", "",
             "\\1-grams:"]
    for word, n in sorted(unigrams.items()):
        lines.append(f"{math.log10((n + 1) / (total + len(unigrams))):.4f} {word} -0.3010")
    lines += ["", "\\2-grams:"]
    for (a, b), n in sorted(bigrams.items()):
        lines.append(f"{math.log10(n / unigrams[a]):.4f} {a} {b}")
    lines += ["", "\\end\\", ""]
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="module")
def sphinx_core():
    core = InferenceCore([], memory_mb=1000, models_toml={})
    yield core
    core.shutdown()


def _clip(shared_data: Path, name: str = CLIP) -> tuple[np.ndarray, int, str]:
    import soundfile as sf
    folder = shared_data / "asr" / "librivox"
    audio, rate = sf.read(folder / f"{name}.wav", dtype="float32")
    return audio, rate, (folder / f"{name}.txt").read_text().strip()


def test_packaged_pocketsphinx_on_real_speech(sphinx_core, shared_data) -> None:
    audio, rate, reference = _clip(shared_data)
    transcript = sphinx_core.transcribe(audio, rate)
    assert isinstance(transcript, Transcript) and transcript.engine == "pocketsphinx"
    assert word_error_rate(reference, transcript.text) <= 0.6  # loose: 8 kHz-ish LibriVox
    starts = [w.start_s for w in transcript.words]
    assert starts == sorted(starts) and transcript.words[-1].end_s <= transcript.duration_s + 0.05
    assert all(0.0 <= w.confidence <= 1.0 for w in transcript.words)
    # the same clip at 44.1 kHz is resampled to 16 kHz and gives nearly the same words
    from scipy.signal import resample_poly
    upsampled = resample_poly(audio, 441, 160).astype(np.float32)
    again = sphinx_core.transcribe(upsampled, 44100)
    assert word_error_rate(transcript.text, again.text) <= 0.35


def test_domain_language_model_and_pronunciations(sphinx_core, shared_data, tmp_path) -> None:
    folder = shared_data / "asr" / "librivox"
    sentences = [p.read_text().strip() for p in sorted(folder.glob("*.txt"))]
    arpa = write_bigram_arpa(sentences, tmp_path / "austen.arpa")
    audio, rate, reference = _clip(shared_data, "sense_and_sensibility_01_austen_64kb-0930")
    plain = sphinx_core.transcribe(audio, rate)
    domain = sphinx_core.transcribe(audio, rate, language_model=arpa)
    assert word_error_rate(reference, domain.text) < word_error_rate(reference, plain.text)
    assert word_error_rate(reference, domain.text) <= 0.25
    hinted = sphinx_core.transcribe(audio, rate, words={"amiablex": "EY M IY AH B AH L"})
    assert "amiablex" in hinted.text.split()  # the new word is in dictionary and LM
    recognizer = next(e.obj for e in sphinx_core.registry.entries() if e.key[0] == "sphinx")
    plain_decoder = recognizer._decoders[recognizer._PLAIN]
    assert plain_decoder.lookup_word("amiablex") is None  # other callers never see it
    with pytest.raises(UserError, match="phone"):
        sphinx_core.transcribe(audio, rate, words={"bad": "Q QQ"})
    with pytest.raises(UserError, match="not found"):
        sphinx_core.transcribe(audio, rate, language_model=tmp_path / "nope.arpa")


def test_a_clip_cut_to_its_first_word_is_decoded_without_noise_removal(
        sphinx_core, shared_data) -> None:
    audio, rate, reference = _clip(shared_data)
    audio = to_16k_mono(audio, rate)
    assert not starts_with_speech(audio)  # the reader's room noise comes first
    # The same recording cut where the voice starts (first 10 ms at the clip's median level):
    # pocketsphinx would learn its "noise" from speech, so that clip skips noise removal.
    hop = 160
    level = np.array([np.mean(audio[i:i + 400] ** 2) for i in range(0, audio.size - 400, hop)])
    onset = int(np.argmax(level >= np.median(level))) * hop
    cut = audio[onset:]
    assert starts_with_speech(cut)
    recognizer = next(e.obj for e in sphinx_core.registry.entries() if e.key[0] == "sphinx")
    transcript = sphinx_core.transcribe(cut, 16000)
    assert (recognizer._PLAIN[0], False) in recognizer._decoders
    assert word_error_rate(reference, transcript.text) <= 0.5, transcript.text
    assert not starts_with_speech(np.zeros(800, np.float32))  # too short to tell: default path


def test_bad_audio_is_a_user_error(sphinx_core) -> None:
    with pytest.raises(UserError, match="NaN"):
        sphinx_core.transcribe(np.array([0.0, np.nan], np.float32), 16000)
    with pytest.raises(UserError, match="mono"):
        sphinx_core.transcribe(np.zeros((2, 2, 2), np.float32), 16000)
