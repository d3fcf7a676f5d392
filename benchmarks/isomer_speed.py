"""Isomer frames/s at 512x512: both backbones, with precomputed flow images and with RAFT flow.

Baseline in the same run: the authors' cost, i.e. the network with the SGST's discarded path still
computed (``sgst_mode="paper"`` stands in for it; same operations). Weights are random (speed only).

    python benchmarks/isomer_speed.py --frames 4 --device cpu
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from vostok.inference.flow import RaftFlow, raft_flow_images
from vostok.models.isomer import IsomerConfig, IsomerNet, IsomerPredictor
from vostok.video import Video


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def frames_per_second(predictor: IsomerPredictor, video: Video, flows=None, raft=None) -> tuple[float, float]:
    """(wall-clock frames/s, process CPU seconds per frame) over the whole procedure (resize, network,
    post-processing, and flow when RAFT). CPU time is less distorted than wall time on a shared machine."""
    list(predictor.segment(Video.from_frames([video[0]]), flow_images=[video[0]]))  # warm-up
    _sync(predictor.device)
    start, cpu = time.perf_counter(), time.process_time()
    stream = predictor.segment(video, flow=raft) if raft else predictor.segment(video, flow_images=flows)
    n = sum(1 for _ in stream)
    _sync(predictor.device)
    return n / (time.perf_counter() - start), (time.process_time() - cpu) / n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--raft-iters", type=int, default=20)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--backbones", default="mit_b0,swin_t")
    parser.add_argument("--no-raft", action="store_true", help="Skip the RAFT measurements.")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    frames = list(rng.integers(0, 256, (args.frames, args.size, args.size, 3), dtype=np.uint8))
    flows = list(rng.integers(0, 256, (args.frames, args.size, args.size, 3), dtype=np.uint8))
    video = Video.from_frames(frames)
    raft = None
    if not args.no_raft:
        from torchvision.models.optical_flow import raft_large

        raft = RaftFlow.from_model(raft_large(weights=None).to(device), iters=args.raft_iters)
        list(raft_flow_images(iter(frames[:2]), raft))  # warm-up
        _sync(device)
        start = time.perf_counter()
        list(raft_flow_images(iter(frames), raft))
        _sync(device)
        raft_fps = args.frames / (time.perf_counter() - start)
        print(f"RAFT-large alone ({args.raft_iters} iterations): {raft_fps:.3f} frames/s", flush=True)
    print(
        f"device {device}, {args.frames} frames of {args.size}x{args.size}, batch {args.batch}, "
        f"{torch.get_num_threads()} threads"
    )
    with torch.inference_mode():
        for backbone in args.backbones.split(","):
            nets = {m: IsomerNet(IsomerConfig(backbone=backbone, sgst_mode=m)) for m in ("paper", "authors")}
            preds = {m: IsomerPredictor(n, device, args.batch, args.size) for m, n in nets.items()}
            base_fps, base_cpu = frames_per_second(preds["paper"], video, flows)
            fps, cpu = frames_per_second(preds["authors"], video, flows)
            line = (
                f"{backbone}: {fps:.2f} frames/s, {cpu:.1f} CPU-s/frame with flow images; authors' cost "
                f"(discarded SGST path computed): {base_fps:.2f} frames/s, {base_cpu:.1f} CPU-s/frame; "
                f"speed-up {fps / base_fps:.2f}x wall, {base_cpu / cpu:.2f}x CPU"
            )
            if raft is not None:
                raft_fps, raft_cpu = frames_per_second(preds["authors"], video, raft=raft)
                line += f"; with RAFT flow: {raft_fps:.2f} frames/s, {raft_cpu:.1f} CPU-s/frame"
            print(line, flush=True)


if __name__ == "__main__":
    main()
