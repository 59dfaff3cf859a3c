"""Per-line anomaly model: nearest good patch among those near the same position.

PatchCore's idea (a patch is anomalous when no good patch looks like it) with one change
for fixtured parts: a patch is compared only with good patches that lay within a few
cells of its own position. That keeps a patch of background from "explaining" a hole
bitten out of the part (a missing piece), while textures still find plenty of
neighbours. Each position's candidates (images x window shifts) are thinned to a fixed
number by greedy k-centre selection (PatchCore's coreset), so scoring one image is a
single batched matrix product whatever the number of training images.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage

from plugins.industrial.inspection.features import GRID

GLOBAL_MEMORY = 2048  # patches kept when positions are not fixtured


@dataclass
class AnomalyModel:
    """Per-position memory (GRID*GRID, K, D) of standardised good patches.

    ``window_cells`` < 0 means free alignment: a single (1, K, D) memory for all positions.
    """

    memory: np.ndarray
    feature_mean: np.ndarray
    feature_std: np.ndarray
    window_cells: int = 2
    smoothing_cells: float = 1.0

    def __post_init__(self) -> None:
        # Scoring works on float32 tensors prepared once; the float16 array is what is stored.
        self._mem = torch.from_numpy(np.asarray(self.memory, dtype=np.float32))
        self._mem_sq = (self._mem * self._mem).sum(-1)
        self._mean = np.asarray(self.feature_mean, dtype=np.float32)
        self._std = np.asarray(self.feature_std, dtype=np.float32)

    @classmethod
    def fit(cls, features: list[np.ndarray], window_cells: int = 1,
            memory_per_position: int = 160, chunk_positions: int = 256) -> AnomalyModel:
        """Build the per-position memory from good-image features (each (GRID, GRID, D))."""
        stack = np.stack(features).astype(np.float32)
        flat = stack.reshape(-1, stack.shape[-1])
        mean = flat.mean(axis=0)
        std = flat.std(axis=0) + 1e-6
        bank = torch.from_numpy((stack - mean) / std)  # (N, G, G, D)
        if window_cells < 0:
            # Free alignment (strip, web, loose parts): one memory shared by every position.
            candidates = bank.reshape(1, -1, bank.shape[-1])
            memory_per_position = GLOBAL_MEMORY
        else:
            candidates = _window_candidates(bank, window_cells)  # (G*G, C, D)
        keep = min(memory_per_position, candidates.shape[1])
        # Select in an 8-D principal subspace (cheap), keep the full descriptors.
        _, _, vt = torch.linalg.svd(bank.reshape(-1, bank.shape[-1])[::7], full_matrices=False)
        projection = vt[:8].T.contiguous()
        memory = torch.empty(candidates.shape[0], keep, candidates.shape[2])
        for start in range(0, candidates.shape[0], chunk_positions):
            block = candidates[start:start + chunk_positions]
            chosen = _k_centre(block @ projection, keep)
            rows = torch.arange(block.shape[0])[:, None]
            memory[start:start + chunk_positions] = block[rows, chosen]
        return cls(memory.numpy().astype(np.float16), mean, std, window_cells)

    @torch.no_grad()
    def patch_scores_batch(self, features: np.ndarray) -> np.ndarray:
        """(B, GRID, GRID) distance of each patch to its nearest remembered good patch."""
        q = torch.from_numpy(((features - self._mean) / self._std)
                             .astype(np.float32)).reshape(features.shape[0], GRID * GRID, -1)
        mem, mem_sq = self._mem, self._mem_sq  # (P, K, D), (P, K)
        out = []
        for row in q:  # (P, D)
            if mem.shape[0] == 1:  # one shared memory: a plain matrix product
                dots = row @ mem[0].T  # (P, K)
            else:
                dots = torch.bmm(mem, row[:, :, None])[..., 0]  # (P, K)
            d2 = mem_sq - 2 * dots + (row * row).sum(-1, keepdim=True)
            out.append(d2.min(dim=1).values.clamp_min(0).sqrt().reshape(GRID, GRID))
        return torch.stack(out).numpy()

    def patch_scores(self, features: np.ndarray) -> np.ndarray:
        """(GRID, GRID) patch scores of one image's features."""
        return self.patch_scores_batch(features[None])[0]

    def anomaly_map(self, patch_scores: np.ndarray) -> np.ndarray:
        """Smoothed patch scores; the image score is its maximum."""
        return ndimage.gaussian_filter(patch_scores, self.smoothing_cells, mode="nearest")

    def to_bytes(self) -> bytes:
        """Serialise as an .npz blob (no pickle: safe to load from the models folder)."""
        buf = io.BytesIO()
        np.savez_compressed(buf, memory=self.memory, feature_mean=self.feature_mean,
                            feature_std=self.feature_std,
                            settings=np.array([self.window_cells, self.smoothing_cells]))
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> AnomalyModel:
        """Inverse of :meth:`to_bytes`."""
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            settings = data["settings"]
            return cls(data["memory"], data["feature_mean"], data["feature_std"],
                       int(settings[0]), float(settings[1]))

    @property
    def size_mb(self) -> float:
        """Memory the model holds (for the inference core's budget)."""
        return self.memory.nbytes / 2 ** 20 * 3  # float16 store + float32 scoring copy


def _window_candidates(bank: torch.Tensor, w: int) -> torch.Tensor:
    """For each position, every image's patches within +/- w cells: (G*G, N*(2w+1)^2, D)."""
    n, g, _, d = bank.shape
    padded = torch.nn.functional.pad(bank.permute(0, 3, 1, 2), (w, w, w, w),
                                     mode="replicate").permute(0, 2, 3, 1)
    shifts = [padded[:, dy:dy + g, dx:dx + g, :] for dy in range(2 * w + 1)
              for dx in range(2 * w + 1)]
    cand = torch.stack(shifts, dim=1)  # (N, S, G, G, D)
    return cand.permute(2, 3, 0, 1, 4).reshape(g * g, -1, d).contiguous()


@torch.no_grad()
def _k_centre(block: torch.Tensor, keep: int) -> torch.Tensor:
    """Greedy k-centre per position: indices (P, keep) of candidates that cover them all."""
    p, c, d = block.shape
    if keep >= c:
        return torch.arange(c).expand(p, c)
    sq = (block * block).sum(-1)  # (P, C)
    centre = block.mean(dim=1, keepdim=True)
    first = ((block - centre) ** 2).sum(-1).argmax(dim=1)  # start from the most unusual patch
    chosen = torch.empty(p, keep, dtype=torch.long)
    min_d2 = torch.full((p, c), float("inf"))
    idx = first
    rows = torch.arange(p)
    for k in range(keep):
        chosen[:, k] = idx
        pick = block[rows, idx]  # (P, D)
        d2 = sq - 2 * torch.bmm(block, pick[:, :, None])[..., 0] + (pick * pick).sum(-1, keepdim=True)
        min_d2 = torch.minimum(min_d2, d2)
        idx = min_d2.argmax(dim=1)
    return chosen
