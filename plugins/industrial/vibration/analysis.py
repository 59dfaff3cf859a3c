"""Signal analysis: velocity RMS and ISO 10816 zone, spectral-kurtosis envelope spectrum.

Everything runs on FFTs of the whole record (one forward transform, band-limited analytic
signal by zeroing bins) so ten seconds at 48 kHz takes tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft
from scipy import ndimage, signal, stats

G_M_S2 = 9.80665
VELOCITY_BAND_HZ = (10.0, 1000.0)

# ISO 10816-1/-3 zone boundaries (A/B, B/C, C/D) in mm/s RMS per machine class.
ISO_10816_LIMITS_MM_S: dict[str, tuple[float, float, float]] = {
    "I": (0.71, 1.8, 4.5),      # small machines, up to 15 kW
    "II": (1.12, 2.8, 7.1),     # medium machines, 15-75 kW, or up to 300 kW on special foundations
    "III": (1.8, 4.5, 11.2),    # large machines on rigid foundations
    "IV": (2.8, 7.1, 18.0),     # large machines on soft foundations
}
ISO_ZONE_MEANING = {
    "A": "newly commissioned condition",
    "B": "acceptable for unrestricted long-term operation",
    "C": "unsatisfactory for long-term continuous operation; plan maintenance",
    "D": "severe enough to cause damage; act now",
}


def velocity_rms_mm_s(acceleration_g: np.ndarray, sampling_rate_hz: float,
                      band_hz: tuple[float, float] = VELOCITY_BAND_HZ) -> tuple[float, np.ndarray, np.ndarray]:
    """RMS velocity (mm/s) in ``band_hz`` by integrating acceleration in the frequency domain.

    Returns the RMS and the one-sided velocity amplitude spectrum (mm/s, per bin) with its
    frequencies, used for the 1x/2x running-speed checks.
    """
    n = acceleration_g.size
    m = sfft.next_fast_len(n, real=True)  # CWRU-style odd lengths would make the FFT crawl
    accel = (acceleration_g - acceleration_g.mean()) * G_M_S2
    spectrum = sfft.rfft(accel, n=m)
    freqs = sfft.rfftfreq(m, 1.0 / sampling_rate_hz)
    keep = (freqs >= band_hz[0]) & (freqs <= min(band_hz[1], sampling_rate_hz / 2))
    velocity = np.zeros_like(spectrum)
    velocity[keep] = spectrum[keep] / (2j * np.pi * freqs[keep])
    velocity_m_s = sfft.irfft(velocity, n=m)[:n]
    rms_m_s = float(np.sqrt(np.mean(velocity_m_s ** 2)))
    amplitude_mm_s = np.abs(velocity) * np.sqrt(2) / n * 1000.0  # per-bin RMS
    return rms_m_s * 1000.0, freqs, amplitude_mm_s


def iso_zone(velocity_rms: float, machine_class: str) -> str:
    """ISO 10816 evaluation zone A-D for a velocity RMS (mm/s) and machine class I-IV."""
    ab, bc, cd = ISO_10816_LIMITS_MM_S[machine_class]
    if velocity_rms < ab:
        return "A"
    if velocity_rms < bc:
        return "B"
    if velocity_rms < cd:
        return "C"
    return "D"


@dataclass
class EnvelopeSpectrum:
    """Envelope (demodulated) spectrum with its noise floor and the demodulation band."""

    freqs_hz: np.ndarray
    amplitude_g: np.ndarray
    floor_g: np.ndarray
    band_hz: tuple[float, float]
    resolution_hz: float

    def peak_near(self, target_hz: float, tolerance: float) -> tuple[float, float, float]:
        """Largest bin within ``target_hz`` +/- tolerance: (frequency, amplitude, SNR over floor)."""
        half = max(tolerance * target_hz, 1.5 * self.resolution_hz)
        lo = np.searchsorted(self.freqs_hz, target_hz - half)
        hi = np.searchsorted(self.freqs_hz, target_hz + half, side="right")
        if hi <= lo or hi > self.freqs_hz.size:
            return target_hz, 0.0, 0.0
        i = lo + int(np.argmax(self.amplitude_g[lo:hi]))
        return float(self.freqs_hz[i]), float(self.amplitude_g[i]), float(
            self.amplitude_g[i] / (self.floor_g[i] + 1e-12))


def select_band(acceleration_g: np.ndarray, sampling_rate_hz: float,
                min_hz: float = 500.0) -> tuple[tuple[float, float], float]:
    """Demodulation band from the spectral kurtosis (where impacts ring), and its kurtosis.

    Bearing impacts excite structural resonances; the band whose STFT magnitude is most
    impulsive (highest kurtosis over time) is where the defect's repetition shows best.
    """
    nperseg = 256 if sampling_rate_hz <= 25_000 else 512
    freqs, _, z = signal.stft(acceleration_g, fs=sampling_rate_hz, nperseg=nperseg,
                              noverlap=nperseg // 2, boundary=None, padded=False)
    power = np.abs(z) ** 2
    sk = np.mean(power ** 2, axis=1) / (np.mean(power, axis=1) ** 2 + 1e-30) - 2.0
    valid = (freqs >= min_hz) & (freqs <= 0.45 * sampling_rate_hz)
    if not np.any(valid):
        valid = freqs > 0
    smooth = np.where(valid, ndimage.uniform_filter1d(np.where(valid, sk, 0.0), 5), -np.inf)
    centre = float(freqs[int(np.argmax(smooth))])
    # Bandwidth: wide enough to hold several sidebands of the fastest defect rate.
    half_width = max(0.08 * sampling_rate_hz / 2 * 0.5, 600.0)
    lo = max(min_hz * 0.5, centre - half_width)
    hi = min(0.48 * sampling_rate_hz, centre + half_width)
    return (lo, hi), float(np.max(smooth))


def envelope_spectrum(acceleration_g: np.ndarray, sampling_rate_hz: float,
                      band_hz: tuple[float, float], max_hz: float,
                      resolution_hz: float = 0.5, floor_window_hz: float = 20.0) -> EnvelopeSpectrum:
    """Envelope spectrum after band-pass (analytic signal built by zeroing FFT bins).

    The spectrum of the envelope is Welch-averaged over segments of ``1/resolution_hz``
    seconds: averaging shrinks the noise bins' spread so a fixed SNR threshold means the
    same thing on every record.
    """
    n = acceleration_g.size
    m = sfft.next_fast_len(n)
    x = acceleration_g - acceleration_g.mean()
    spectrum = sfft.fft(x, n=m)
    freqs = sfft.fftfreq(m, 1.0 / sampling_rate_hz)
    taper = _band_taper(freqs, band_hz)
    # Hilbert by construction: keep positive frequencies in the band, doubled.
    envelope = np.abs(sfft.ifft(spectrum * taper * 2.0)[:n])
    envelope -= envelope.mean()
    nperseg = min(n, int(round(sampling_rate_hz / resolution_hz)))
    env_freqs, psd = signal.welch(envelope, fs=sampling_rate_hz, window="hann",
                                  nperseg=nperseg, noverlap=nperseg // 2,
                                  scaling="spectrum", detrend="constant")
    env_spec = np.sqrt(psd)
    keep = env_freqs <= max_hz
    env_freqs, env_spec = env_freqs[keep], env_spec[keep]
    resolution = float(env_freqs[1] - env_freqs[0])
    size = max(5, int(floor_window_hz / resolution) | 1)
    floor = ndimage.median_filter(env_spec, size=size, mode="nearest")
    return EnvelopeSpectrum(env_freqs, env_spec, floor, band_hz, resolution)


def _band_taper(freqs: np.ndarray, band_hz: tuple[float, float]) -> np.ndarray:
    """Positive-frequency pass band with raised-cosine edges (limits ringing)."""
    lo, hi = band_hz
    edge = 0.1 * (hi - lo)
    f = freqs
    taper = np.zeros(f.shape)
    inside = (f >= lo) & (f <= hi)
    taper[inside] = 1.0
    rise = (f >= lo - edge) & (f < lo)
    taper[rise] = 0.5 * (1 - np.cos(np.pi * (f[rise] - (lo - edge)) / edge))
    fall = (f > hi) & (f <= hi + edge)
    taper[fall] = 0.5 * (1 + np.cos(np.pi * (f[fall] - hi) / edge))
    return taper


def time_statistics(acceleration_g: np.ndarray) -> dict[str, float]:
    """RMS, peak, crest factor and kurtosis (3 = Gaussian; impacts push it up)."""
    x = acceleration_g - acceleration_g.mean()
    rms = float(np.sqrt(np.mean(x ** 2)))
    peak = float(np.max(np.abs(x)))
    return {"rms_g": rms, "peak_g": peak, "crest_factor": peak / (rms + 1e-12),
            "kurtosis": float(stats.kurtosis(x, fisher=False))}
