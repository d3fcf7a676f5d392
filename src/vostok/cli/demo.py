"""``vostok demo``: the whole pipeline on a synthetic video, with no download.

Generates a small synthetic DAVIS-2017 set, segments its validation videos from their first-frame masks,
writes palette PNGs and an overlay video, evaluates with the DAVIS protocol and prints J&F.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import typer

from vostok.errors import OverwriteError

DEMO_MARKER = ".vostok-demo"


def _prepare(out: Path) -> None:
    """Own ``out``: create it, or replace it only if an earlier demo made it (never a user's folder)."""
    if out.exists():
        if not (out / DEMO_MARKER).is_file():
            if out.is_dir() and not any(out.iterdir()):
                out.rmdir()
            else:
                raise OverwriteError(
                    f"{out} exists and was not made by `vostok demo`; choose another folder with --out."
                )
        else:
            shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / DEMO_MARKER).write_text("made by vostok demo; the next demo run replaces this folder\n")


def default_demo_model() -> str:
    """The small STCN trained on synthetic videos when this build ships its weights, else the baseline."""
    from vostok.models.stcn.small import PACKAGED_WEIGHTS

    return "stcn-small" if PACKAGED_WEIGHTS.is_file() else "copy-first"


def demo(
    out: Path = typer.Option(
        Path("vostok-demo"), "--out", "-o", help="Folder for data, masks, overlay, scores."
    ),
    model: str | None = typer.Option(
        None, help="Model to run (registry name; default: the built-in stcn-small, else copy-first)."
    ),
    checkpoint: str | None = typer.Option(None, help="Checkpoint for --model (default: the model's own)."),
    videos: int = typer.Option(6, min=2, help="Synthetic videos to generate (a third are the val split)."),
    frames: int = typer.Option(30, min=3, help="Frames per video."),
    size: str = typer.Option("240x432", help="Frame size HxW."),
    seed: int = typer.Option(2026, help="Seed of the synthetic data."),
    device: str | None = typer.Option(None, help="cpu, cuda, cuda:1 ... (default: cuda if available)."),
) -> None:
    """Run the built-in example end to end and print J&F.

    Example: vostok demo --out vostok-demo
    """
    from vostok.api import load_model
    from vostok.cli._common import parse_size
    from vostok.data import open_dataset
    from vostok.data.synthetic import generate_dataset
    from vostok.evaluation import evaluate_davis
    from vostok.io.overlay import OverlayWriter
    from vostok.io.results import ResultFolder
    from vostok.progress import progress

    height, width = parse_size(size)
    if model is None:
        model = default_demo_model()
    _prepare(out)
    root = out / "data"
    typer.echo(f"[1/4] synthesising {videos} videos x {frames} frames at {height}x{width} in {root}")
    generate_dataset("davis2017", root, videos=videos, frames=frames, size=(height, width), seed=seed)
    dataset = open_dataset("davis2017", root, subset="val")

    typer.echo(f"[2/4] segmenting {len(dataset.sequences)} validation videos with {model}")
    predictor = load_model(model, checkpoint=checkpoint, device=device)
    results = ResultFolder(out / "results")
    overlay_path = out / "overlay.mp4"
    n_frames, start = 0, time.perf_counter()
    for k, sequence in enumerate(dataset):
        video = sequence.video()
        first = sequence.frame_names[0]
        masks = {0: sequence.read_annotation(first)}
        writer = OverlayWriter(overlay_path, fps=video.fps or 10) if k == 0 else None
        frame_iter = iter(video) if writer else None
        for result in progress(predictor.segment(video, masks=masks), total=len(video), desc=sequence.name):
            results.write_labels(
                sequence.name, result.name or sequence.frame_names[result.index], result.labels
            )
            if writer is not None:
                writer.add(next(frame_iter), labels=result.labels)
            n_frames += 1
        if writer is not None:
            writer.close()
    fps = n_frames / max(time.perf_counter() - start, 1e-9)

    typer.echo(
        f"[3/4] wrote {n_frames} masks to {results.root} ({fps:.1f} frames/s); overlay: {overlay_path}"
    )
    scores = evaluate_davis(root, results.root, split="val", year="2017", show_progress=False)
    g = scores["global"]
    typer.echo("[4/4] DAVIS-2017 semi-supervised evaluation of the validation videos:")
    typer.echo(
        f"      J&F {g['J&F-Mean']:.3f}   J {g['J-Mean']:.3f}   F {g['F-Mean']:.3f}   "
        f"(J-Recall {g['J-Recall']:.3f}, J-Decay {g['J-Decay']:.3f})"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
