"""Speed and memory of STCN / IMSFR inference (random weights, synthetic 480p video).

Prints frames/s with 1, 2 and 5 objects, and peak memory against video length in the paper mode
(memory grows) and the bounded mode (memory must stay flat). Memory is the peak GPU allocation on CUDA,
else the peak growth of this process's resident size (measured in a fresh subprocess per run).

    python benchmarks/semisup_speed.py                    # full: 100 / 1000 / 5000 frames (GPU advised)
    python benchmarks/semisup_speed.py --quick            # CPU-sized: small size, short videos
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings


def synthetic_frames(n: int, h: int, w: int):
    """A moving bright square on noise, generated on the fly (streamed, nothing kept)."""
    import numpy as np

    rng = np.random.default_rng(0)
    base = rng.integers(0, 200, (h, w, 3), dtype=np.uint8)
    for t in range(n):
        frame = base.copy()
        y, x = (t * 3) % (h - h // 4), (t * 5) % (w - w // 4)
        frame[y : y + h // 4, x : x + w // 4] = 255
        yield frame


def first_mask(h: int, w: int, objects: int):
    import numpy as np

    labels = np.zeros((h, w), np.uint8)
    for i in range(objects):
        x0 = i * w // objects
        labels[h // 4 : h // 2, x0 : x0 + w // (2 * objects)] = i + 1
    return labels


def run_once(model: str, frames: int, h: int, w: int, objects: int, mode: str, device: str) -> dict:
    import resource

    import torch

    import vostok

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predictor = vostok.load_model(model, device=device)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    results = predictor.segment(
        synthetic_frames(frames, h, w), masks={0: first_mask(h, w, objects)}, mode=mode
    )
    next(results)  # first frame: memory init, not timed
    start = time.perf_counter()
    count = sum(1 for _ in results)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    out = {"fps": count / seconds if seconds else float("nan")}
    if device.startswith("cuda"):
        out["peak_mib"] = (torch.cuda.max_memory_allocated() - base) / 2**20
    else:
        out["peak_mib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    return out


def in_subprocess(**kw) -> dict:
    cmd = [sys.executable, __file__, "--one", json.dumps(kw)]
    return json.loads(
        subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="stcn")
    p.add_argument("--device", default=None)
    p.add_argument("--quick", action="store_true", help="small frames and short videos (CPU)")
    p.add_argument("--lengths", default=None, help="comma-separated video lengths for the memory table")
    p.add_argument("--size", default=None, help="HxW (default 480x854; 128x224 with --quick)")
    p.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(run_once(**json.loads(args.one))))
        return
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    h, w = map(int, (args.size or ("128x224" if args.quick else "480x854")).split("x"))
    lengths = [int(x) for x in (args.lengths or ("20,60,120" if args.quick else "100,1000,5000")).split(",")]
    speed_frames = 6 if args.quick else 50
    print(f"{args.model} on {device}, frames {h}x{w}")
    base = None
    for k in (1, 2, 5):
        r = in_subprocess(
            model=args.model, frames=speed_frames, h=h, w=w, objects=k, mode="paper", device=device
        )
        base = base or r["fps"]
        print(f"  {k} object(s): {r['fps']:.2f} frames/s ({r['fps'] / base:.2f}x of 1 object)")
    for mode in ("paper", "bounded"):
        peaks = []
        for n in lengths:
            r = in_subprocess(model=args.model, frames=n, h=h, w=w, objects=2, mode=mode, device=device)
            peaks.append(r["peak_mib"])
            print(f"  {mode:8s} {n:5d} frames: peak +{r['peak_mib']:.0f} MiB, {r['fps']:.2f} frames/s")
        if len(peaks) > 1 and peaks[-2] > 0:
            print(
                f"  {mode:8s} peak ratio {lengths[-1]} vs {lengths[-2]} frames: {peaks[-1] / peaks[-2]:.2f}x"
            )


if __name__ == "__main__":
    main()
