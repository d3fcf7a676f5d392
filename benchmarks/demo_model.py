"""Held-out accuracy of the built-in demo model (``stcn-small``) against the copy-first baseline.

Synthesises one DAVIS-2017-style set per seed with the demo's settings (a third of the videos are the val
split), segments the val videos from their first-frame masks with each model, and prints DAVIS J&F per
seed, per object and pooled over every object of every seed. The seeds default to ones no training set
used (the shipped model was trained on seeds 7, 8, 9 and 12; a tried fifth stage on 13).

    python benchmarks/demo_model.py                                 # 10 seeds x 2 val videos, 240x432
    python benchmarks/demo_model.py --seeds 100-119 --videos 9      # a larger held-out set
    python benchmarks/demo_model.py --checkpoint runs/X/model_final.pt --models stcn-small
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path


def parse_seeds(text: str) -> list[int]:
    """``"1,2,5-7"`` -> [1, 2, 5, 6, 7]."""
    seeds: list[int] = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds += range(int(lo), int(hi) + 1)
        else:
            seeds.append(int(part))
    return seeds


def score_model(
    model: str,
    checkpoint: str | None,
    roots: dict[int, Path],
    out: Path,
    mode: str,
    max_size: int | None = None,
    options: dict | None = None,
) -> dict:
    """J&F per seed and per object of ``model`` on every held-out set, and frames/s."""
    from vostok.api import load_model
    from vostok.data import open_dataset
    from vostok.evaluation import evaluate_davis
    from vostok.io.results import ResultFolder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predictor = load_model(model, checkpoint=checkpoint, device="cpu", **(options or {}))
    per_seed, per_object, frames, seconds = {}, {}, 0, 0.0
    for seed, root in roots.items():
        results = ResultFolder(out / model / str(seed))
        for sequence in open_dataset("davis2017", root, subset="val"):
            video = sequence.video()
            masks = {0: sequence.read_annotation(sequence.frame_names[0])}
            start = time.perf_counter()
            for r in predictor.segment(video, masks=masks, mode=mode, max_size=max_size):
                results.write_labels(sequence.name, sequence.frame_names[r.index], r.labels)
                frames += 1
            seconds += time.perf_counter() - start
        scores = evaluate_davis(root, results.root, split="val", year="2017", show_progress=False)
        per_seed[seed] = scores["global"]["J&F-Mean"]
        per_object.update({f"{seed}/{k}": v["J&F-Mean"] for k, v in scores["objects"].items()})
    return {"per_seed": per_seed, "per_object": per_object, "fps": frames / max(seconds, 1e-9)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="100-109", help="Held-out seeds, e.g. 100-109 or 1,5,9.")
    parser.add_argument("--videos", type=int, default=6, help="Videos per set (a third are evaluated).")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--size", default="240x432")
    parser.add_argument("--models", default="stcn-small,copy-first")
    parser.add_argument("--checkpoint", default=None, help="Weights for stcn-small (default: the packaged).")
    parser.add_argument("--mode", default="paper", choices=["paper", "bounded"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-size", type=int, default=None, help="Run the network at this short side.")
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        help="Predictor option for stcn-small, e.g. mem_every=2 (as vostok segment -o).",
    )
    parser.add_argument("--data", default=None, help="Keep the held-out sets here (reused when present).")
    args = parser.parse_args()

    import torch

    from vostok.cli._common import parse_size
    from vostok.data.synthetic import generate_dataset
    from vostok.data.synthetic.generate import MARKER
    from vostok.inference.runner import parse_options

    torch.set_num_threads(args.threads)
    h, w = parse_size(args.size)
    seeds = parse_seeds(args.seeds)
    options = parse_options(args.option)
    with tempfile.TemporaryDirectory(prefix="vostok-demo-bench-") as tmp:
        data = Path(args.data) if args.data else Path(tmp)
        roots = {}
        for seed in seeds:
            roots[seed] = data / f"seed{seed}-{args.videos}x{args.frames}-{h}x{w}"
            if not (roots[seed] / MARKER).is_file():  # reuse only a set that was finished
                generate_dataset(
                    "davis2017", roots[seed], videos=args.videos, frames=args.frames, size=(h, w), seed=seed
                )
        summary = {}
        for model in args.models.split(","):
            checkpoint = args.checkpoint if model == "stcn-small" else None
            result = score_model(
                model,
                checkpoint,
                roots,
                Path(tmp) / "results",
                args.mode,
                args.max_size,
                options if model == "stcn-small" else None,
            )
            objects = list(result["per_object"].values())
            seed_scores = list(result["per_seed"].values())
            summary[model] = (sum(objects) / len(objects), sum(seed_scores) / len(seed_scores))
            print(f"{model}: {result['fps']:.1f} frames/s")
            print("  per seed: " + "  ".join(f"{s}:{v:.3f}" for s, v in result["per_seed"].items()))
            print(
                f"  J&F pooled over {len(objects)} objects {summary[model][0]:.3f}; "
                f"mean of seeds {summary[model][1]:.3f}, worst seed {min(seed_scores):.3f}, "
                f"seeds >= 0.85: {sum(v >= 0.85 for v in seed_scores)}/{len(seed_scores)}"
            )
        if "stcn-small" in summary and "copy-first" in summary:
            print(
                f"stcn-small / copy-first pooled J&F: "
                f"{summary['stcn-small'][0] / max(summary['copy-first'][0], 1e-9):.2f}x"
            )


if __name__ == "__main__":
    from vostok.errors import VostokError

    try:
        main()
    except VostokError as exc:
        raise SystemExit(f"error: {exc}") from None
