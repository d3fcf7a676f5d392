"""Speed and memory of STCN / IMSFR inference (random weights, a synthetic video made in memory).

Prints frames/s with 1, 2 and 5 objects, and peak memory against video length in the paper mode
(memory grows with the video) and the bounded mode (memory must stay flat: the 1k -> 5k ratio is printed
for both). The network is the full-size one; ``--size`` only sets the frames' size, so a CPU can run the
memory sweep at a small size. Memory is the peak GPU allocation on CUDA, else the growth of this
process's peak resident size (VmHWM, reset once the model is built) over its size then; every mode runs
in a fresh subprocess. One run per mode streams the longest video and reads the peak when frame 100, 1000,
... is done: a streamed video of length n peaks at exactly that point, since no frame depends on later
ones (the last frame's memory write, which never happens at the end of a video, is the only difference).

    python benchmarks/semisup_speed.py                              # 480p, 100 / 1000 / 5000 frames (GPU)
    python benchmarks/semisup_speed.py --size 48x80 --threads 1     # the CPU sweep (shared 2-core machine)
    python benchmarks/semisup_speed.py --quick                      # smoke run: tiny size, short videos
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings


def synthetic_frames(n: int, h: int, w: int):
    """A moving bright square on fixed noise, generated on the fly (streamed, nothing kept)."""
    import numpy as np

    rng = np.random.default_rng(0)
    base = rng.integers(0, 200, (h, w, 3), dtype=np.uint8)
    for t in range(n):
        frame = base.copy()
        y, x = (t * 3) % (h - h // 4), (t * 5) % (w - w // 4)
        frame[y : y + h // 4, x : x + w // 4] = 255
        yield frame


def first_mask(h: int, w: int, objects: int):
    """``objects`` side-by-side boxes with ids 1..objects."""
    import numpy as np

    labels = np.zeros((h, w), np.uint8)
    for i in range(objects):
        x0 = i * w // objects
        labels[h // 4 : h // 2, x0 : x0 + max(1, w // (2 * objects))] = i + 1
    return labels


def _reset_peak_rss() -> None:
    """Restart the peak-RSS count at the current size (Linux: ``clear_refs`` 5), so a higher peak while
    the model was built does not hide the first MiB of inference."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # elsewhere the peak counts from the process start; growth is still measured


def _peak_rss_mib() -> float:
    """Peak resident size (VmHWM where /proc has it, else ru_maxrss)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024


def run_once(
    model: str, lengths: list[int], h: int, w: int, objects: int, mode: str, device: str, threads: int
) -> dict:
    """Stream ``max(lengths)`` frames; frames/s after the first frame and the peak memory at each length."""
    import torch

    import vostok

    if threads:
        torch.set_num_threads(threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predictor = vostok.load_model(model, device=device)
    cuda = device.startswith("cuda")
    _reset_peak_rss()
    rss0 = _peak_rss_mib()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    results = predictor.segment(
        synthetic_frames(max(lengths), h, w), masks={0: first_mask(h, w, objects)}, mode=mode
    )
    next(results)  # first frame: memory initialisation, not timed
    start, peaks, count = time.perf_counter(), {}, 1
    for _ in results:
        count += 1
        if count in lengths:
            if cuda:
                torch.cuda.synchronize()
                peaks[count] = (torch.cuda.max_memory_allocated() - base) / 2**20
            else:
                peaks[count] = _peak_rss_mib() - rss0
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"fps": (count - 1) / seconds if seconds else float("nan"), "peak_mib": peaks}


def in_subprocess(**kw) -> dict:
    cmd = [sys.executable, __file__, "--one", json.dumps(kw)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"benchmark run {kw} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_mib"] = {int(k): v for k, v in result["peak_mib"].items()}
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="stcn")
    p.add_argument("--device", default=None)
    p.add_argument("--quick", action="store_true", help="tiny frames and short videos (smoke run)")
    p.add_argument("--lengths", default=None, help="comma-separated video lengths (default 100,1000,5000)")
    p.add_argument("--size", default=None, help="frame size HxW (default 480x854; 32x64 with --quick)")
    p.add_argument("--speed-frames", type=int, default=None, help="frames per frames/s run (default 50)")
    p.add_argument("--objects", type=int, default=2, help="objects in the memory sweep")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--skip-speed", action="store_true", help="only the memory sweep")
    p.add_argument("--modes", default="paper,bounded", help="memory-sweep modes (one subprocess each)")
    p.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(run_once(**json.loads(args.one))))
        return
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    h, w = map(int, (args.size or ("32x64" if args.quick else "480x854")).lower().split("x"))
    lengths = sorted(
        int(x) for x in (args.lengths or ("10,30,60" if args.quick else "100,1000,5000")).split(",")
    )
    speed_frames = args.speed_frames or (6 if args.quick else 50)
    common = {"model": args.model, "h": h, "w": w, "device": device, "threads": args.threads}
    print(
        f"{args.model} on {device}, frames {h}x{w}, torch threads {args.threads or torch.get_num_threads()}"
    )
    if not args.skip_speed:
        base = None
        for k in (1, 2, 5):
            r = in_subprocess(lengths=[speed_frames], objects=k, mode="paper", **common)
            base = base or r["fps"]
            print(f"  {k} object(s): {r['fps']:.2f} frames/s ({r['fps'] / base:.2f}x of 1 object)")
    print(f"  peak memory growth (MiB) with {args.objects} objects:")
    print("  mode     " + "".join(f"{n:>10d}" for n in lengths) + f"   ratio {lengths[-1]}/{lengths[-2]}")
    for mode in args.modes.split(","):
        r = in_subprocess(lengths=lengths, objects=args.objects, mode=mode, **common)
        peaks = [r["peak_mib"][n] for n in lengths]
        ratio = peaks[-1] / peaks[-2] if len(peaks) > 1 and peaks[-2] > 0 else float("nan")
        row = "".join(f"{x:10.1f}" for x in peaks)
        print(f"  {mode:8s} {row}   {ratio:.3f}x   ({r['fps']:.2f} frames/s)", flush=True)


if __name__ == "__main__":
    main()
