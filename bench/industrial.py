"""Industrial benchmark: NEU defect-type accuracy, anomaly AUROC, CWRU diagnosis, speed.

Run: .venv/bin/python bench/industrial.py [--quick] [--out bench/results/industrial.md]
Needs ../shared/data (NEU, CWRU) for those sections; the synthetic sections need nothing.
Timings are wall-clock on whatever this machine is doing: on the shared 2-core dev box
other jobs run at the same time, so treat them as upper bounds. Torch runs on 1 thread.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module for this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ENCLAVE_SHARED_DATA", REPO.parent / "shared" / "data"))

from plugins.industrial.inspection.anomaly import AnomalyModel  # noqa: E402
from plugins.industrial.inspection.features import patch_features, torch_threads  # noqa: E402
from plugins.industrial.inspection.synth import DEFECTS, TEXTURES, make_line  # noqa: E402

LINES: list[str] = []


def say(line: str = "") -> None:
    """Print and keep for the results file."""
    print(line, flush=True)
    LINES.append(line)


def neu_accuracy() -> None:
    from plugins.industrial.inspection.classifier import labelled_images, train_classifier
    folder = SHARED / "neu" / "images"
    if not folder.is_dir():
        say("NEU: skipped (../shared/data/neu absent)")
        return
    pairs = labelled_images(folder)
    started = time.perf_counter()
    _, report = train_classifier(pairs, folds=5)
    took = time.perf_counter() - started
    say(f"## NEU defect-type classification ({len(pairs)} images, 6 classes)")
    say("")
    say(f"- 5-fold stratified CV accuracy: **{report['cv_accuracy']:.2%}** (target >= 98 %)")
    per = ", ".join(f"{k} {v:.1%}" for k, v in report["cv_accuracy_per_class"].items())
    say(f"- per class: {per}")
    say(f"- features (LBP x3 scales, GLCM, Gabor 18, orientation, blob stats) + logistic regression; "
        f"describe + 5 CV fits + final fit: {took:.0f} s")
    say("")


def _auroc_line(good_fit, good_test, bad, kinds, window_cells: int = 1
                ) -> tuple[float, dict[str, float]]:
    with torch_threads(1):
        model = AnomalyModel.fit([patch_features(p) for p in good_fit], window_cells=window_cells)
        score = lambda img: float(model.anomaly_map(model.patch_scores(patch_features(img))).max())  # noqa: E731
        g = [score(p) for p in good_test]
        b = [score(p) for p in bad]
    overall = roc_auc_score([0] * len(g) + [1] * len(b), g + b)
    per = {}
    for kind in sorted(set(kinds)):
        kb = [s for s, k in zip(b, kinds, strict=True) if k == kind]
        per[kind] = roc_auc_score([0] * len(g) + [1] * len(kb), g + kb)
    return overall, per


def synthetic_auroc(n_fit: int, n_test: int, n_each: int) -> list[float]:
    say(f"## Anomaly detection, synthetic parts ({n_fit} good to fit; {n_test} good + "
        f"{n_each} x {len(DEFECTS)} defect kinds to test, per line)")
    say("")
    say("| line (texture, shape) | image AUROC | " + " | ".join(DEFECTS) + " |")
    say("|---|---|" + "---|" * len(DEFECTS))
    scores = []
    for i, texture in enumerate(TEXTURES):
        for shape in ("plate", "disc"):
            good, bad = make_line(500 + 10 * i + (shape == "disc"), texture, n_fit + n_test,
                                  n_each, shape=shape)
            imgs = [p.image / 255.0 for p in good]
            overall, per = _auroc_line(imgs[:n_fit], imgs[n_fit:], [p.image / 255.0 for p in bad],
                                       [p.defect for p in bad])
            scores.append(overall)
            say(f"| {texture}, {shape} | {overall:.3f} | "
                + " | ".join(f"{per[k]:.3f}" for k in DEFECTS) + " |")
    say(f"| **mean** | **{np.mean(scores):.3f}** | (target >= 0.95) |")
    say("")
    return scores


TUNED_PAIRS = (("rolled-in_scale", "scratches"), ("crazing", "inclusion"),
               ("pitted_surface", "patches"), ("patches", "scratches"))


def _pasted(rng, by_class, load, surface: str, donor: str, n_fit: int, n_test: int):
    """Fit / held-out good / pasted sets for one (surface, donor) pair, drawn from ``rng``."""
    names = list(rng.permutation(by_class[surface]))
    fit = [load(n) for n in names[:n_fit]]
    test_good = [load(n) for n in names[n_fit:n_fit + n_test]]
    bases = [load(n) for n in names[n_fit + n_test:n_fit + 2 * n_test]]
    donors = [load(n) for n in rng.permutation(by_class[donor])[:n_test]]
    bad = []
    for base, don in zip(bases, donors, strict=True):
        y, x = rng.integers(32, 256 - 96, 2)
        img = base.copy()
        # paste with soft edges (8 px ramps): a foreign defect texture on this surface
        patch = don[y:y + 64, x:x + 64]
        yy, xx = np.mgrid[0:64, 0:64]
        w = np.clip(np.minimum.reduce([yy, xx, 63 - yy, 63 - xx]) / 8.0, 0, 1)[..., None]
        img[y:y + 64, x:x + 64] = w * patch + (1 - w) * img[y:y + 64, x:x + 64]
        bad.append(np.clip(img, 0, 1))
    return fit, test_good, bad


def neu_auroc(n_fit: int = 30, n_test: int = 20) -> list[float]:
    """Good = NEU images of one surface class; anomalies = the same with a patch of another class."""
    folder = SHARED / "neu" / "images"
    if not folder.is_dir():
        say("NEU-derived anomalies: skipped (../shared/data/neu absent)")
        return []
    rng = np.random.default_rng(0)

    def load(name: str) -> np.ndarray:
        g = np.asarray(Image.open(folder / name).convert("RGB").resize((256, 256)),
                       dtype=np.float32) / 255.0
        return g

    files = sorted(p.name for p in folder.glob("*.jpg"))
    by_class: dict[str, list[str]] = {}
    for f in files:
        by_class.setdefault(f.rsplit("_", 1)[0], []).append(f)
    say(f"## Anomaly detection, NEU-derived ({n_fit} images of one surface class to fit; "
        f"{n_test} held-out of it vs {n_test} with a 64x64 patch pasted from another class)")
    say("")
    say("| surface class | pasted from | image AUROC |")
    say("|---|---|---|")
    scores = []
    for surface, donor in TUNED_PAIRS:
        fit, test_good, bad = _pasted(rng, by_class, load, surface, donor, n_fit, n_test)
        # steel strip has no fixtured position: free alignment (one shared patch memory)
        overall, _ = _auroc_line(fit, test_good, bad, ["pasted"] * len(bad), window_cells=-1)
        scores.append(overall)
        say(f"| {surface} | {donor} | {overall:.3f} |")
    say(f"| **mean** | | **{np.mean(scores):.3f}** |")
    say("")
    say("Class novelty (fit on 30 images of one class; 20 held-out of it vs 20 of each other class):")
    say("")
    say("| normal class | image AUROC vs the other five classes |")
    say("|---|---|")
    novelty = []
    for surface in sorted(by_class):
        names = list(rng.permutation(by_class[surface]))
        fit = [load(n) for n in names[:n_fit]]
        test_good = [load(n) for n in names[n_fit:n_fit + n_test]]
        others = [load(n) for c in sorted(by_class) if c != surface
                  for n in rng.permutation(by_class[c])[:n_test]]
        overall, _ = _auroc_line(fit, test_good, others, ["other"] * len(others), window_cells=-1)
        novelty.append(overall)
        say(f"| {surface} | {overall:.3f} |")
    say(f"| **mean** | **{np.mean(novelty):.3f}** |")
    say("")
    held = _neu_heldout_pairs(by_class, load, n_fit, n_test)
    fresh = _neu_fresh_pairs(by_class, load, n_fit, n_test)
    return scores + novelty + held + fresh


# Fixed before any tuning of the next feature version (issue 8 follow-up): the 26 other
# pairs are split by this seed into 13 that may be looked at while tuning and 13 held out.
SPLIT_SEED = 8
FRESH_SEED = 2611  # a draw of images and paste positions made after tuning was over


def _other_pairs(classes: list[str]) -> list[tuple[str, str]]:
    return [(s, d) for s in classes for d in classes if s != d and (s, d) not in TUNED_PAIRS]


def held_out_pairs(classes: list[str]) -> list[tuple[str, str]]:
    """The 13 of the 26 other pairs that no setting may be chosen on (split by SPLIT_SEED)."""
    others = _other_pairs(classes)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(others))
    return [others[i] for i in sorted(order[len(others) // 2:])]


def _pair_table(scores: dict[tuple[str, str], float], classes: list[str]) -> None:
    say("| surface class | " + " | ".join(f"from {c}" for c in classes) + " | mean |")
    say("|---|" + "---|" * (len(classes) + 1))
    for surface in classes:
        row = [scores.get((surface, d)) for d in classes]
        cells = ["" if v is None else f"{v:.3f}" for v in row]
        mine = [v for v in row if v is not None]
        say(f"| {surface} | " + " | ".join(cells) + f" | {np.mean(mine):.3f} |")
    values = list(scores.values())
    say(f"| **mean of {len(values)}** | " + "| " * len(classes) + f"**{np.mean(values):.3f}** |")


def _split_summary(scores: dict[tuple[str, str], float], classes: list[str]) -> list[float]:
    held = held_out_pairs(classes)
    held_values = [scores[p] for p in held if p in scores]
    tune_values = [v for p, v in scores.items() if p not in held]
    say(f"- tuning-split pairs (4 issue pairs + 13 others where drawn): mean "
        f"{np.mean(tune_values):.3f} over {len(tune_values)}; **held-out 13 pairs: mean "
        f"{np.mean(held_values):.3f}**, {sum(v >= 0.95 for v in held_values)} of "
        f"{len(held_values)} at or above 0.95")
    say("- held-out pairs: " + ", ".join(f"{s} <- {d} {scores[s, d]:.3f}" for s, d in held))
    values = list(scores.values())
    worst = min(scores, key=scores.get)
    say(f"- all pairs at or above 0.95: {sum(v >= 0.95 for v in values)} of {len(values)}; "
        f"lowest {scores[worst]:.3f} ({worst[0]} <- {worst[1]})")
    say("")
    return held_values


def _neu_pairs(by_class, load, pairs, seed: int, n_fit: int, n_test: int
               ) -> dict[tuple[str, str], float]:
    rng = np.random.default_rng(seed)
    scores: dict[tuple[str, str], float] = {}
    for surface, donor in pairs:
        fit, test_good, bad = _pasted(rng, by_class, load, surface, donor, n_fit, n_test)
        scores[surface, donor], _ = _auroc_line(fit, test_good, bad, ["pasted"] * len(bad),
                                                window_cells=-1)
    return scores


def _neu_heldout_pairs(by_class, load, n_fit: int, n_test: int) -> list[float]:
    """The same protocol on the 26 other (surface, donor) pairs, drawn with seed 2.

    filterbank-v2 was chosen on the four issue pairs and class novelty, with the mean over
    these pairs (seed 1) also watched. For the follow-up the 26 are split (SPLIT_SEED)
    into 13 tuning and 13 held-out pairs; figures are given for both halves.
    """
    classes = sorted(by_class)
    pairs = _other_pairs(classes)
    say(f"Other pairs (the {len(pairs)} other surface/donor pairs, same protocol, draw with "
        "seed 2; no setting was tuned per pair):")
    say("")
    scores = _neu_pairs(by_class, load, pairs, 2, n_fit, n_test)
    _pair_table(scores, classes)
    return _split_summary(scores, classes)


def _neu_fresh_pairs(by_class, load, n_fit: int, n_test: int) -> list[float]:
    """All 30 pairs on a draw (FRESH_SEED) made after the last setting was chosen."""
    classes = sorted(by_class)
    pairs = list(TUNED_PAIRS) + _other_pairs(classes)
    say(f"Fresh draw (all {len(pairs)} surface/donor pairs, seed {FRESH_SEED}: images and paste "
        "positions drawn after tuning was over):")
    say("")
    scores = _neu_pairs(by_class, load, pairs, FRESH_SEED, n_fit, n_test)
    _pair_table(scores, classes)
    return _split_summary(scores, classes)


def cwru() -> None:
    from plugins.industrial.vibration.bearings import find_bearing
    from plugins.industrial.vibration.engine import analyse
    from plugins.industrial.vibration.signals import read_recording
    folder = SHARED / "cwru"
    if not folder.is_dir():
        say("CWRU: skipped (../shared/data/cwru absent)")
        return
    say("## Vibration diagnosis, every CWRU file (drive end, SKF 6205, rpm read from the file)")
    say("")
    say("| file | truth | diagnosis | confidence | velocity RMS mm/s | zone | kurtosis | ms |")
    say("|---|---|---|---|---|---|---|---|")
    correct = total = 0
    for path in sorted(folder.glob("*.mat")):
        truth = ("inner_race" if "_IR" in path.name else "outer_race" if "_OR" in path.name
                 else "ball" if "_B0" in path.name else "normal")
        rate = 48000 if path.name.startswith(("48k", "normal")) else 12000
        rec = read_recording(path)
        started = time.perf_counter()
        r = analyse(rec.acceleration_g, rate, rec.rpm, find_bearing("6205"))
        ms = (time.perf_counter() - started) * 1000
        ok = r.diagnosis == truth
        correct += ok
        total += 1
        say(f"| {path.name} | {truth} | {r.diagnosis}{'' if ok else ' ✗'} | {r.confidence:.2f} | "
            f"{r.velocity_rms_mm_s:.3f} | {r.iso_zone} | {r.statistics['kurtosis']:.1f} | {ms:.0f} |")
    say("")
    say(f"- {correct}/{total} correct. Inner/outer race and normal: all correct. Ball faults "
        "(B007, B021) are not recognised: B007 shows no ball signature above the envelope "
        "floor (reported normal), B021's envelope is dominated by a BPFI-like ladder (reported "
        "inner_race). Both are known to be hard on CWRU; we report them as they come out.")
    say("")


def speed(n_images: int) -> None:
    from plugins.industrial.inspection.imageio import load_image
    from plugins.industrial.inspection.linemodel import fit_line
    from plugins.industrial.vibration.bearings import find_bearing
    from plugins.industrial.vibration.engine import analyse
    from plugins.industrial.vibration.signals import read_recording

    say("## Speed (wall clock; torch on 1 thread; shared machine, so upper bounds)")
    say("")
    tmp = Path(tempfile.mkdtemp())
    os.environ["ENCLAVE_HOME"] = str(tmp / "home")
    from core.config import reset_settings
    reset_settings()
    good, bad = make_line(901, "brushed", 50 + n_images, 3)
    gdir = tmp / "good"
    gdir.mkdir()
    for i, p in enumerate(good[:50]):
        Image.fromarray(p.image).save(gdir / f"{i:02d}.png")
    started = time.perf_counter()
    model = fit_line("bench", sorted(gdir.glob("*.png")), [], None, None, actor="bench")
    fit_s = time.perf_counter() - started
    say(f"- fit from 50 good 256x256 PNGs (decode + features + 3-fold calibration + final "
        f"memory): **{fit_s:.1f} s** (target <= 60 s)")
    paths = []
    for i, p in enumerate(good[50:] + bad):
        path = tmp / f"t{i}.png"
        Image.fromarray(p.image).save(path)
        paths.append(path)
    model_ms, e2e_ms = [], []
    for path in paths[:3]:
        model.inspect(*load_image(path))  # warm-up
    for path in paths:
        t0 = time.perf_counter()
        rgb, size = load_image(path)
        t1 = time.perf_counter()
        model.inspect(rgb, size)
        t2 = time.perf_counter()
        model_ms.append((t2 - t1) * 1000)
        e2e_ms.append((t2 - t0) * 1000)
    say(f"- inspect one 256x256 image, model only (features + memory search + map + regions): "
        f"p50 {np.percentile(model_ms, 50):.1f} ms, **p95 {np.percentile(model_ms, 95):.1f} ms** "
        f"(n={len(model_ms)}; target <= 100 ms)")
    say(f"- same plus PNG decode/normalise: p50 {np.percentile(e2e_ms, 50):.1f} ms, "
        f"p95 {np.percentile(e2e_ms, 95):.1f} ms")
    # Free alignment (strip/web, as for NEU): one shared memory with density-read distances.
    started = time.perf_counter()
    free = fit_line("bench-free", sorted(gdir.glob("*.png")), [], None, None, actor="bench",
                    window_cells=-1)
    free_fit_s = time.perf_counter() - started
    free_ms, free_cpu_ms = [], []
    for path in paths:
        rgb, size = load_image(path)
        t0, c0 = time.perf_counter(), time.process_time()
        free.inspect(rgb, size)
        free_ms.append((time.perf_counter() - t0) * 1000)
        free_cpu_ms.append((time.process_time() - c0) * 1000)
    say(f"- free alignment (window_cells=-1): fit from the same 50 images {free_fit_s:.1f} s; "
        f"inspect p50 {np.percentile(free_ms, 50):.1f} ms, **p95 {np.percentile(free_ms, 95):.1f} "
        f"ms** wall, p95 {np.percentile(free_cpu_ms, 95):.1f} ms CPU (target <= 100 ms)")
    cw = SHARED / "cwru" / "48k_Drive_End_OR007@3_0_148.mat"
    if cw.is_file():
        rec = read_recording(cw)
        signal = np.tile(rec.acceleration_g, 4)[:480_000]
        source = "48 kHz CWRU OR007@3 tiled to 10 s"
    else:
        signal = np.random.default_rng(0).normal(0, 0.1, 480_000)
        source = "10 s of 48 kHz noise"
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        analyse(signal, 48000, 1797, find_bearing("6205"))
        runs.append(time.perf_counter() - t0)
    say(f"- vibration analysis of {source}: median **{np.median(runs) * 1000:.0f} ms**, "
        f"max {max(runs) * 1000:.0f} ms (target <= 200 ms)")
    say("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller synthetic sets")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "industrial.md")
    parser.add_argument("--skip", nargs="*", default=[], help="sections: neu synth neu_anomaly cwru speed")
    args = parser.parse_args()
    say("# Industrial benchmark")
    say("")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    say(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load "
        f"average {load:.1f} at start (other engineers' jobs share these CPUs). "
        f"`python bench/industrial.py{' --quick' if args.quick else ''}`")
    say("")
    if "neu" not in args.skip:
        neu_accuracy()
    if "synth" not in args.skip:
        synthetic_auroc(*(20, 10, 4) if args.quick else (30, 20, 6))
    if "neu_anomaly" not in args.skip:
        neu_auroc()
    if "cwru" not in args.skip:
        cwru()
    if "speed" not in args.skip:
        speed(40 if args.quick else 100)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
