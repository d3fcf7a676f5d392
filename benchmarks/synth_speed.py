"""Time the synthetic DAVIS-2017 set of the issue (30 videos x 70 frames x 480x854) on this machine.

Prints wall and CPU time for 1 worker and for the default worker count, the frames per second (wall
time depends on what else runs: the load average is printed beside it), and as a baseline
measured in the same run the time to merely JPEG-encode and PNG-write the same number of frames (the
floor any generator writing these files pays), so the ratio says how much rendering adds.

    python benchmarks/synth_speed.py [--videos 30 --frames 70 --size 480x854]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("VOSTOK_NO_PROGRESS", "1")

from vostok.data.synthetic import generate_dataset  # noqa: E402
from vostok.data.synthetic.layouts import write_jpeg  # noqa: E402
from vostok.io.masks import write_label_map  # noqa: E402


def write_only_baseline(out: Path, count: int, h: int, w: int) -> float:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    image = np.ascontiguousarray(np.repeat(np.repeat(image[::8, ::8], 8, 0), 8, 1)[:h, :w])
    labels = np.zeros((h, w), np.uint8)
    labels[h // 4 : h // 2, w // 4 : w // 2] = 1
    start = time.perf_counter()
    for i in range(count):
        write_jpeg(out / f"{i:05d}.jpg", image)
        write_label_map(out / f"{i:05d}.png", labels)
    return time.perf_counter() - start


def _cpu_seconds() -> float:
    """CPU time of this process and its reaped children, in seconds."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=30)
    parser.add_argument("--frames", type=int, default=70)
    parser.add_argument("--size", default="480x854")
    parser.add_argument("--layout", default="davis2017")
    args = parser.parse_args()
    h, w = (int(x) for x in args.size.split("x"))
    total = args.videos * args.frames
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        baseline = write_only_baseline(tmp / "baseline", total, h, w)
        print(f"baseline (encode + write {total} frames, 1 process): {baseline:.1f} s")
        for workers in (1, None):
            out = tmp / f"synth-{workers}"
            cpu_before = _cpu_seconds()
            start = time.perf_counter()
            generate_dataset(args.layout, out, args.videos, args.frames, (h, w), seed=0, workers=workers)
            elapsed = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu_before
            label = (
                "1 worker"
                if workers == 1
                else f"default workers ({min(4, os.cpu_count() or 1)} on large jobs)"
            )
            print(
                f"{args.layout} {args.videos} x {args.frames} x {h}x{w}, {label}: {elapsed:.1f} s "
                f"({total / elapsed:.0f} frames/s, {elapsed / baseline:.2f}x the write-only baseline); "
                # pool workers are children of the forkserver, so their CPU time is not ours to read
                + (f"CPU {cpu:.1f} s; " if workers == 1 else "")
                + f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            shutil.rmtree(out)


if __name__ == "__main__":
    main()
