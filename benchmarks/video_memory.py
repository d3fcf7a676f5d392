"""Does iterating a long video keep memory flat?

Writes (once; reused from the cache folder) a 10,000-frame 1080p H.264 mp4 of fast-to-encode content
(a flat background with a moving square), iterates it with ``vostok.video.Video`` and prints the peak
resident memory after 1k and 10k frames and their ratio (flat memory: a ratio near 1.0).

    python benchmarks/video_memory.py [--frames 10000] [--cache-dir ~/.cache/vostok-bench]

The file is written in a child process, so the reader's peak RSS counts only reading.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HEIGHT, WIDTH, FPS = 1080, 1920, 30


def synthetic_frames(count: int):
    """A grey background with a 200-pixel white square circling around."""
    base = np.full((HEIGHT, WIDTH, 3), 96, np.uint8)
    for t in range(count):
        frame = base.copy()
        y = int(HEIGHT / 2 - 100 + 300 * np.sin(t / 50))
        x = int(WIDTH / 2 - 100 + 700 * np.cos(t / 50))
        frame[y : y + 200, x : x + 200] = 255
        yield frame


def write_clip(path: Path, count: int) -> None:
    from vostok.io.video_file import write_video

    start = time.perf_counter()
    write_video(path, synthetic_frames(count), fps=FPS, preset="ultrafast", crf=28)
    print(
        f"wrote {path} ({count} frames, {path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s"
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10_000)
    default_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vostok-bench"
    parser.add_argument("--cache-dir", type=Path, default=default_cache)
    parser.add_argument("--write-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    path = args.cache_dir / f"moving_square_{args.frames}f_1080p.mp4"
    if args.write_only:
        write_clip(path, args.frames)
        return
    if not path.exists():
        args.cache_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, __file__, "--frames", str(args.frames), "--cache-dir", str(args.cache_dir)]
        subprocess.run([*cmd, "--write-only"], check=True)

    from vostok.video import Video

    video = Video.open(path)
    print(f"{video}; peak RSS after open: {peak_rss_mb():.0f} MB")
    checkpoints = {1_000, len(video)}
    peaks = {}
    start = time.perf_counter()
    for i, frame in enumerate(video, start=1):
        assert frame.shape == (HEIGHT, WIDTH, 3)
        if i in checkpoints:
            peaks[i] = peak_rss_mb()
            print(
                f"after {i:>6} frames: peak RSS {peaks[i]:.0f} MB ({i / (time.perf_counter() - start):.0f} fps)"
            )
    first, last = min(peaks), max(peaks)
    print(f"peak RSS ratio {last} / {first} frames: {peaks[last] / peaks[first]:.3f}")


if __name__ == "__main__":
    main()
