"""Speed and peak memory of vostok's evaluation against vos-benchmark and PySODMetrics, side by side.

Builds (once) the DAVIS-val-sized reference corpus with ../shared/tools/make_eval_corpus.py
(30 sequences x 70 frames, 480x854), then times in this one run, on this machine:

* vostok semi-supervised J&F vs vos-benchmark (2 processes) and davis2017-evaluation's recorded time,
* vostok unsupervised J&F (20 RVOS proposals) vs davis2017-evaluation's recorded time,
* vostok VSOD metrics vs PySODMetrics 1.6.2 (same five metrics, same frames).

vos-benchmark and PySODMetrics never enter the project environment: they live in a throwaway venv
(default /tmp/evalbench-venv; created with ``pip install vos-benchmark pysodmetrics==1.6.2`` when
``--install`` is given). davis2017-evaluation is not reinstalled: its figures come from
../shared/ref/eval/evalbench_timings.md (same corpus, 2 cores, quiet machine).

Usage: python benchmarks/eval_speed.py [--corpus /tmp/evalbench/val] [--install] [--workers 2]
       python benchmarks/eval_speed.py --compare-frames [VIDEO ...]   (per-frame VSOD gaps, no timing)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VOSTOK_SHARED", REPO.parent / "shared"))
# davis2017-evaluation on this corpus, 2 cores, quiet machine (evalbench_timings.md / evaluation spec §5).
DAVIS2017_SEMI_S = 84.2
DAVIS2017_UNSUP_S = 1390.0


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, children included) and peak tree memory (MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss_kib(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, peak / 1024


def build_corpus(out: Path) -> None:
    if (out / "manifest.json").is_file():
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            str(SHARED / "tools/make_eval_corpus.py"),
            "--toolkit",
            str(SHARED / "data/davis2017-val-examples"),
            "--out",
            str(out),
            "--num-seqs",
            "30",
            "--frames",
            "70",
            "--height",
            "480",
            "--width",
            "854",
            "--seed",
            "2017",
        ],
        check=True,
    )


def ensure_venv(venv: Path, install: bool) -> Path | None:
    python = venv / "bin/python"
    if python.exists():
        return python
    if not install:
        return None
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "vos-benchmark", "pysodmetrics==1.6.2"], check=True
    )
    return python


PYSOD_SCRIPT = textwrap.dedent(
    """
    import sys, os, cv2, py_sod_metrics as M
    gt_root, pred_root = sys.argv[1], sys.argv[2]
    ms = [M.MAE(), M.Smeasure(), M.WeightedFmeasure(), M.Emeasure(), M.Fmeasure()]
    for v in sorted(os.listdir(gt_root)):
        for f in sorted(os.listdir(os.path.join(gt_root, v))):
            gt = cv2.imread(os.path.join(gt_root, v, f), cv2.IMREAD_GRAYSCALE)
            pred = cv2.imread(os.path.join(pred_root, v, f), cv2.IMREAD_GRAYSCALE)
            for m in ms:
                m.step(pred, gt)
    print([m.get_results() for m in ms][0])
    """
)


PYSOD_FRAMES_SCRIPT = textwrap.dedent(
    """
    import sys, os, cv2, numpy as np, py_sod_metrics as M
    gt_root, pred_root, out = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = []
    for v in sys.argv[4:]:
        for f in sorted(os.listdir(os.path.join(gt_root, v))):
            gt = cv2.imread(os.path.join(gt_root, v, f), cv2.IMREAD_GRAYSCALE)
            pred = cv2.imread(os.path.join(pred_root, v, f), cv2.IMREAD_GRAYSCALE)
            mae, sm, wfm, em, fm = M.MAE(), M.Smeasure(), M.WeightedFmeasure(), M.Emeasure(), M.Fmeasure()
            for m in (mae, sm, wfm, em, fm):
                m.step(pred, gt)
            scalars = [mae.maes[0], sm.sms[0], wfm.weighted_fms[0], fm.adaptive_fms[0], em.adaptive_ems[0]]
            rows.append(np.concatenate([scalars, np.ravel(fm.changeable_fms[0]), np.ravel(em.changeable_ems[0])]))
    np.save(out, np.array(rows))
    """
)


def compare_frames(other: Path, corpus: Path, videos: list[str]) -> None:
    """Per-frame values of PySODMetrics itself against vostok's on some videos: prints the largest gaps."""
    import tempfile

    import numpy as np

    from vostok.evaluation.vsod import _evaluate_video

    gt, pred = corpus / "vsod/GT", corpus / "vsod/pred/perturbed"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pysod.npy"
        subprocess.run(
            [str(other), "-c", PYSOD_FRAMES_SCRIPT, str(gt), str(pred), str(out), *videos], check=True
        )
        theirs = np.load(out)
    ours = []
    for v in videos:
        frames = tuple(sorted(p.stem for p in (gt / v).glob("*.png")))
        r = _evaluate_video((gt, pred, v, frames))
        ours.append(np.concatenate([r["scalars"], r["f"], r["e"]], axis=1))
    gap = np.abs(np.concatenate(ours) - theirs).max(axis=0)
    names = ("MAE", "S-measure", "weighted F", "adaptive F", "adaptive E")
    print(f"per-frame gaps to PySODMetrics on {len(theirs)} frames of {len(videos)} videos:")
    print("  " + ", ".join(f"{n} {g:.1e}" for n, g in zip(names, gap[:5], strict=True)))
    print(f"  F curve {gap[5:261].max():.1e}, E curve {gap[261:].max():.1e}")


def _ratio(ours: tuple[float, float, float], theirs: tuple[float, float, float]) -> str:
    return f"wall 1/{theirs[0] / ours[0]:.1f}, CPU 1/{theirs[1] / ours[1]:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/evalbench/val"))
    ap.add_argument("--venv", type=Path, default=Path("/tmp/evalbench-venv"))
    ap.add_argument(
        "--install", action="store_true", help="create the venv with vos-benchmark + pysodmetrics"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip", nargs="*", default=[], choices=["semi", "unsup", "vsod", "vosb", "pysod"])
    ap.add_argument(
        "--compare-frames",
        nargs="*",
        metavar="VIDEO",
        help="instead of timing: per-frame VSOD values against PySODMetrics itself on these videos",
    )
    args = ap.parse_args()

    build_corpus(args.corpus)
    c, w = args.corpus, args.workers
    env = {**os.environ, "VOSTOK_NO_PROGRESS": "1"}
    other = ensure_venv(args.venv, args.install)
    if args.compare_frames is not None:
        if other is None:
            raise SystemExit(f"--compare-frames needs PySODMetrics in {args.venv} (run once with --install)")
        compare_frames(other, c, args.compare_frames or ["bike-packing", "dogs-jump", "india"])
        return
    rows: list[tuple[str, tuple[float, float, float], str]] = []

    def vostok(call: str) -> tuple[float, float, float]:
        return measure([sys.executable, "-c", f"import vostok.evaluation as E; {call}"], env)

    if "semi" not in args.skip:
        ours = vostok(
            f"E.evaluate_davis('{c}/davis', '{c}/results/semi/perturbed', workers={w}, show_progress=False)"
        )
        note = f"davis2017-evaluation ({DAVIS2017_SEMI_S} s, recorded): 1/{DAVIS2017_SEMI_S / ours[0]:.1f}"
        if other is not None and "vosb" not in args.skip:
            vosb = (
                "from vos_benchmark.benchmark import benchmark; "
                f"benchmark(['{c}/davis/Annotations/480p'], ['{c}/results/semi/perturbed'], num_processes={w}, "
                "verbose=False)"
            )
            theirs = measure([str(other), "-c", vosb], env)
            rows.append((f"vos-benchmark ({w} processes)", theirs, ""))
            note += f"; vs vos-benchmark: {_ratio(ours, theirs)}"
        rows.append((f"vostok semi-supervised ({w} workers)", ours, note))
    if "unsup" not in args.skip:
        ours = vostok(
            f"E.evaluate_davis('{c}/davis', '{c}/results/unsup/rvos', task='unsupervised', workers={w}, "
            "show_progress=False)"
        )
        note = f"davis2017-evaluation ({DAVIS2017_UNSUP_S} s, recorded): 1/{DAVIS2017_UNSUP_S / ours[0]:.0f}"
        rows.append((f"vostok unsupervised, 20 proposals ({w} workers)", ours, note))
    if "vsod" not in args.skip:
        ours = vostok(f"E.evaluate_vsod('{c}/vsod/GT', '{c}/vsod/pred/perturbed', workers={w})")
        note = ""
        if other is not None and "pysod" not in args.skip:
            theirs = measure(
                [str(other), "-c", PYSOD_SCRIPT, f"{c}/vsod/GT", f"{c}/vsod/pred/perturbed"], env
            )
            rows.append(("PySODMetrics 1.6.2 (1 process)", theirs, ""))
            note = f"vs PySODMetrics: {_ratio(ours, theirs)}"
        rows.append((f"vostok VSOD ({w} workers)", ours, note))
    print(f"\ncorpus {c} (30 x 70 frames, 480x854); {os.cpu_count()} CPU cores")
    print(f"{'':44s} {'wall s':>7s} {'CPU s':>7s} {'peak MiB':>8s}  ratio")
    for name, (wall, cpu, mem), note in rows:
        print(f"{name:44s} {wall:7.1f} {cpu:7.1f} {mem:8.0f}  {note}")
    print(f"load average after the run: {os.getloadavg()[0]:.1f} (other work on the machine slows every row)")


if __name__ == "__main__":
    main()
