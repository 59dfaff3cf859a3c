"""Speech recognition engines: pocketsphinx (packaged, default) and Whisper (local directory).

Audio arrives as float32 mono at any rate and is resampled to 16 kHz here with a
polyphase filter, because both engines are trained on 16 kHz speech. Pocketsphinx
takes per-request vocabulary hints - extra pronunciations ``{"word": "W ER D"}`` in CMU
phones - and an optional domain ARPA language model; each distinct combination gets
its own decoder (a few are cached) so one caller's vocabulary never leaks into another's.

Pocketsphinx's spectral noise removal learns the noise from a clip's first frames. A clip
that starts with speech at once (trimmed or synthesised dictation) has no noise there to
learn, and the subtraction then eats speech; such clips are decoded without it (see
``starts_with_speech``), clips with a noise lead-in keep it.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core.errors import UserError
from core.inference.precision import PrecisionOutcome, cast, choose_device
from core.inference.registry import files_size_mb, tensor_bytes
from core.inference.roleconfig import ResolvedRole

log = logging.getLogger("enclave.inference")

TARGET_RATE_HZ = 16000
# The 39 ARPAbet phones of CMUdict, which the packaged en-us acoustic model is trained on:
# checking them up front avoids building (and throwing away) a whole decoder for a typo.
CMU_PHONES = frozenset(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
    "UH UW V W Y Z ZH".split())
_NON_WORDS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[BREATH]", "[COUGH]", "[SMACK]",
              "[UH]", "[UM]", "++NOISE++", "++BREATH++"}


# Frames of 25 ms every 10 ms, as the recogniser's own front end; the first 100 ms is the lead-in
# pocketsphinx's noise estimate starts from.
_FRAME_S, _HOP_S, _LEAD_IN_S = 0.025, 0.010, 0.100
# A lead-in this far above the clip's quietest decile is speech, not noise. Measured: real
# recordings (LibriVox, the industrial voice notes) -9..+1 dB, espeak-ng dictations +32..+40 dB.
SPEECH_LEAD_IN_DB = 15.0


def starts_with_speech(audio: np.ndarray, rate_hz: int = 16000) -> bool:
    """Whether the clip's first 100 ms are speech rather than background noise.

    Why: noise removal estimates the noise spectrum from those frames; when they are speech
    the estimate is speech and the subtraction removes words (m3 dev sentences 13.4 % WER
    with it, 9.7 % without).
    """
    frame, hop = int(_FRAME_S * rate_hz), int(_HOP_S * rate_hz)
    if audio.size < frame + 10 * hop:
        return False
    # frame energies from one running sum: O(samples), no per-frame Python loop
    energy = np.concatenate(([0.0], np.cumsum(np.square(audio, dtype=np.float64))))
    starts = np.arange(0, audio.size - frame + 1, hop)
    power = (energy[starts + frame] - energy[starts]) / frame
    level_db = 10.0 * np.log10(power + 1e-12)
    lead = level_db[:int(round(_LEAD_IN_S / _HOP_S))].mean()
    return bool(lead - np.percentile(level_db, 10) > SPEECH_LEAD_IN_DB)


class Word(NamedTuple):
    """One recognised word: text, start and end in seconds, confidence in [0, 1] (or None)."""

    word: str
    start_s: float | None
    end_s: float | None
    confidence: float | None


@dataclass(frozen=True)
class Transcript:
    """What ``transcribe`` returns: the text and its words with timings where the engine has them."""

    text: str
    words: list[Word] = field(default_factory=list)
    duration_s: float = 0.0
    engine: str = ""


def to_16k_mono(audio: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """Validate caller audio and resample it to 16 kHz float32 mono in [-1, 1]."""
    from scipy.signal import resample_poly

    samples = np.asarray(audio)
    if samples.ndim == 2:  # (n, channels) or (channels, n): average the channels
        samples = samples.mean(axis=1 if samples.shape[0] >= samples.shape[1] else 0)
    if samples.ndim != 1:
        raise UserError(f"audio must be a 1-D mono array, got shape {np.shape(audio)}")
    if samples.size == 0:
        raise UserError("audio is empty: record or upload a clip with speech in it")
    if int(sample_rate_hz) <= 0:
        raise UserError(f"sample rate must be positive, got {sample_rate_hz} Hz")
    if np.issubdtype(samples.dtype, np.integer):
        samples = samples.astype(np.float32) / float(np.iinfo(samples.dtype).max)
    samples = samples.astype(np.float32, copy=False)
    if not np.all(np.isfinite(samples)):
        raise UserError("audio contains NaN or infinite samples: the file is damaged")
    rate = int(sample_rate_hz)
    if rate != TARGET_RATE_HZ:
        g = math.gcd(rate, TARGET_RATE_HZ)
        samples = resample_poly(samples, TARGET_RATE_HZ // g, rate // g).astype(np.float32)
    return samples


def hints_key(words: dict[str, str] | None, language_model: Path | str | None) -> Hashable:
    """A hashable identity for one set of recognition hints (the batcher's group key)."""
    frozen = tuple(sorted((w.lower(), " ".join(p.upper().split()))
                          for w, p in (words or {}).items()))
    for word, phones in frozen:
        unknown = [p for p in phones.split() if p.rstrip("012") not in CMU_PHONES]
        if not phones or unknown:
            raise UserError(f"pronunciation for {word!r} ({phones!r}) uses phone(s) "
                            f"{', '.join(unknown) or '(none given)'} that the en-us model does "
                            "not know; use CMU phones such as 'W ER D'")
    if language_model is None:
        return frozen, None
    lm = Path(language_model).expanduser().resolve()
    if not lm.is_file():
        raise UserError(f"{lm}: language model file not found (pass an ARPA .lm or .lm.bin file)")
    return frozen, (str(lm), lm.stat().st_mtime_ns)


class SphinxRecognizer:
    """Pocketsphinx with its bundled en-us model; one decoder per distinct hints combination."""

    engine = "pocketsphinx"
    # Hints combinations x noise removal on/off.
    max_variants = 8
    _PLAIN = (((), None), True)

    def __init__(self, model_dir: Path) -> None:
        import tempfile

        self.model_dir = model_dir
        self.outcome = PrecisionOutcome("fp32", "cpu")
        self._scratch = tempfile.TemporaryDirectory(prefix="enclave-sphinx-")
        self._cmudict: dict[str, list[str]] | None = None
        self._decoders: OrderedDict[Hashable, object] = OrderedDict()
        self._decoders[self._PLAIN] = self._new_decoder((), None)

    def _acoustic_model(self, remove_noise: bool) -> Path:
        """The en-us model folder, or a linked copy whose feat.params turns noise removal off.

        The model's feat.params says ``-remove_noise yes`` and overrides a Decoder keyword,
        so the switch has to live in a model folder of its own.
        """
        source = self.model_dir / "en-us"
        if remove_noise:
            return source
        target = Path(self._scratch.name) / "en-us-no-noise-removal"
        if not target.is_dir():
            target.mkdir()
            for item in source.iterdir():
                if item.name != "feat.params":
                    (target / item.name).symlink_to(item.resolve())
            params = (source / "feat.params").read_text(encoding="utf-8").splitlines()
            kept = [line for line in params if not line.startswith("-remove_noise")]
            (target / "feat.params").write_text("\n".join(kept + ["-remove_noise no"]) + "\n",
                                                encoding="utf-8")
        return target

    def _new_decoder(self, words: tuple[tuple[str, str], ...], lm: tuple[str, int] | None,
                     remove_noise: bool = True):
        from pocketsphinx import Decoder

        dictionary = self.model_dir / "cmudict-en-us.dict"
        if lm and not lm[0].endswith(".bin"):
            dictionary = self._domain_dictionary(Path(lm[0]), lm[1])
        decoder = Decoder(hmm=str(self._acoustic_model(remove_noise)), dict=str(dictionary),
                          lm=lm[0] if lm else str(self.model_dir / "en-us.lm.bin"),
                          samprate=TARGET_RATE_HZ, loglevel="ERROR")
        for word, phones in words:
            try:  # strip CMUdict stress digits: the acoustic model has no stressed phones
                decoder.add_word(word, " ".join(p.rstrip("012") for p in phones.split()), True)
            except RuntimeError:
                raise UserError(f"pronunciation for {word!r} ({phones!r}) uses a phone the en-us "
                                "model does not know; use CMU phones such as 'W ER D'") from None
        return decoder

    def _domain_dictionary(self, arpa: Path, mtime_ns: int) -> Path:
        """A pronunciation dictionary cut down to the ARPA model's words.

        Pocketsphinx 5 spends tens of seconds initialising a small domain LM against the
        full 134k-word CMUdict (measured 36-50 s on the dev box, 0.04 s with the cut
        dictionary); words missing from CMUdict need ``words=`` pronunciations.
        """
        import hashlib

        target = Path(self._scratch.name) / (
            hashlib.sha256(f"{arpa}:{mtime_ns}".encode()).hexdigest()[:16] + ".dict")
        if target.is_file():
            return target
        if self._cmudict is None:
            entries: dict[str, list[str]] = {}
            with (self.model_dir / "cmudict-en-us.dict").open(encoding="utf-8") as fh:
                for line in fh:
                    head, _, phones = line.strip().partition(" ")
                    if phones:
                        entries.setdefault(head.split("(")[0], []).append(phones.strip())
            self._cmudict = entries
        lines = []
        for word in _arpa_unigrams(arpa):
            for i, phones in enumerate(self._cmudict.get(word.lower(), [])):
                lines.append(f"{word}{f'({i + 1})' if i else ''} {phones}")
        if not lines:
            raise UserError(f"{arpa}: none of the language model's words are in the en-us "
                            "dictionary; is it an ARPA file for English?")
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target

    def _decoder(self, key: Hashable, remove_noise: bool = True):
        variant = (key, remove_noise)
        if variant in self._decoders:
            self._decoders.move_to_end(variant)
            return self._decoders[variant]
        words, lm = key
        try:
            decoder = self._new_decoder(words, lm, remove_noise)
        except (RuntimeError, ValueError) as exc:
            raise UserError(f"{lm[0] if lm else 'language model'}: pocketsphinx could not load "
                            f"it ({exc}); check it is a valid ARPA or .lm.bin file") from None
        self._decoders[variant] = decoder
        while len(self._decoders) > self.max_variants:
            first = next(iter(self._decoders))
            if first == self._PLAIN:  # the plain decoder stays
                self._decoders.move_to_end(first)
                first = next(iter(self._decoders))
            self._decoders.pop(first)
        return decoder

    def transcribe_batch(self, audios: list[np.ndarray], key: Hashable) -> list[Transcript]:
        """Decode each clip in turn (pocketsphinx decodes one utterance at a time)."""
        out = []
        for audio in audios:
            decoder = self._decoder(key, remove_noise=not starts_with_speech(audio))
            frame_s = 1.0 / float(decoder.config["frate"])
            pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
            decoder.start_utt()
            decoder.process_raw(pcm.tobytes(), no_search=False, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
            words = []
            if hyp is not None:
                for seg in decoder.seg():
                    if seg.word in _NON_WORDS or seg.word.startswith(("[", "++")):
                        continue
                    text = seg.word.split("(")[0]  # "was(2)" = second pronunciation of "was"
                    words.append(Word(text, round(seg.start_frame * frame_s, 3),
                                      round((seg.end_frame + 1) * frame_s, 3),
                                      float(min(1.0, max(0.0, seg.prob)))))
            out.append(Transcript(" ".join(w.word for w in words), words,
                                  round(audio.size / TARGET_RATE_HZ, 3), self.engine))
        return out

    def size_mb(self) -> float:
        """Acoustic model + dictionary + language model on disk, per cached decoder."""
        base = files_size_mb(self.model_dir, ("*",))
        return base * max(1, len(self._decoders))


def _arpa_unigrams(path: Path) -> list[str]:
    """The words of an ARPA model's ``\\1-grams:`` section (sentence markers excluded)."""
    words: list[str] = []
    inside = False
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if line.startswith("\\"):
                if inside:
                    break
                inside = line == "\\1-grams:"
                continue
            parts = line.split()
            if inside and len(parts) >= 2 and parts[1] not in ("<s>", "</s>", "<unk>"):
                words.append(parts[1])
    return words


class WhisperRecognizer:
    """A Whisper checkpoint from a local directory; batches clips (padded to 30 s anyway)."""

    engine = "whisper"

    def __init__(self, path: Path, role: ResolvedRole) -> None:
        from transformers import AutoProcessor, WhisperForConditionalGeneration

        device = choose_device(role.device, role.precision, role.name)
        self.processor = AutoProcessor.from_pretrained(str(path), local_files_only=True)
        model = WhisperForConditionalGeneration.from_pretrained(str(path), local_files_only=True)
        model = model.eval()
        if role.precision == "int8":
            from core.inference.precision import quantize_int8
            self.model = quantize_int8(model)  # no drift check: no calibration speech ships
            self.outcome = PrecisionOutcome("int8", "cpu", None, "int8 (no drift check for ASR)")
        else:
            self.model = cast(model, role.precision, device)
            self.outcome = PrecisionOutcome(role.precision, device)
        self.max_tokens = role.max_tokens

    def transcribe_batch(self, audios: list[np.ndarray], key: Hashable) -> list[Transcript]:
        """One generate call for the whole batch; words carry no timings (None)."""
        import torch

        words_hint, lm = key
        if lm is not None:
            log.warning("Whisper ignores a language model file; pass vocabulary via words=")
        feats = self.processor.feature_extractor(audios, sampling_rate=TARGET_RATE_HZ,
                                                 return_tensors="pt").input_features
        param = next(self.model.parameters())
        feats = feats.to(device=param.device,
                         dtype=param.dtype if param.is_floating_point() else torch.float32)
        prompt_len = 0
        kwargs: dict = {}
        if words_hint:
            kwargs["prompt_ids"] = torch.as_tensor(self.processor.get_prompt_ids(
                " ".join(w for w, _ in words_hint)), device=param.device)
            prompt_len = int(kwargs["prompt_ids"].numel())
        room = int(self.model.config.max_target_positions) - prompt_len - 8  # start tokens
        kwargs["max_new_tokens"] = max(1, min(self.max_tokens, room))
        with torch.inference_mode():
            ids = self.model.generate(feats, **kwargs)
        texts = self.processor.batch_decode(ids, skip_special_tokens=True)
        if words_hint:  # the prompt is echoed by some versions: strip it
            prompt = " ".join(w for w, _ in words_hint)
            texts = [t.split(prompt, 1)[-1] if prompt in t else t for t in texts]
        out = []
        for text, audio in zip(texts, audios, strict=True):
            text = " ".join(text.split())
            out.append(Transcript(text, [Word(w, None, None, None) for w in text.split()],
                                  round(audio.size / TARGET_RATE_HZ, 3), self.engine))
        return out

    def size_mb(self) -> float:
        """Resident weight MB."""
        return tensor_bytes(self.model) / 2**20
