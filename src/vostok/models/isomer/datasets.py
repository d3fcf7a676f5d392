"""Running Isomer over a whole dataset in its layout (DAVIS-16, FBMS, YouTube-Objects, Long-Videos, the
VSOD sets), writing one grey map per frame to ``<out>/<seq>/<frame>.png``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from vostok.errors import InputError
from vostok.models.isomer.predictor import IsomerPredictor
from vostok.progress import progress

OUTPUTS = ("saliency", "probabilities", "masks")
ZVOS_THRESHOLD = 128  # the authors binarise their saved grey maps at > 128


@dataclass
class RunSummary:
    """What a dataset run did: sequences, frames written, wall seconds (flow, network and writing)."""

    sequences: int
    frames: int
    seconds: float

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")


def run_isomer_on_dataset(
    model: IsomerPredictor,
    layout: str,
    root: str | os.PathLike,
    out: str | os.PathLike,
    flow: str = "dataset",
    raft_checkpoint: str | os.PathLike | None = None,
    output: str = "saliency",
    annotated_only: bool = False,
    sequences: list[str] | None = None,
    overwrite: bool = False,
    **dataset_options,
) -> RunSummary:
    """Segment every sequence of the dataset at ``root`` (read in ``layout``) and write grey maps.

    ``flow="dataset"`` uses the flow images shipped with the dataset (frames without one are skipped, as the
    authors' loader only predicts frames that have flow and GT); ``flow="raft"`` computes flow with RAFT
    (``raft_checkpoint``) on all frames. Maps are the authors' min-max stretched saliency, or the sigmoid
    probabilities x 255 (``output="probabilities"``), or binary masks (``output="masks"``: saliency > 128, the
    authors' ZVOS binarisation; palette PNGs with id 1). ``annotated_only`` restricts output to frames with GT.
    """
    from vostok.data import open_dataset
    from vostok.inference.flow import RaftFlow, read_flow_images
    from vostok.io.results import ResultFolder
    from vostok.video import Video

    if output not in OUTPUTS:
        raise InputError(f"unknown output {output!r}; use one of {', '.join(OUTPUTS)}.")
    if flow not in ("dataset", "raft"):
        raise InputError(
            f"unknown flow source {flow!r}; use 'dataset' (the dataset's flow images) or 'raft'."
        )
    dataset = open_dataset(layout, root, **dataset_options)
    names = sequences or dataset.sequences
    unknown = sorted(set(names) - set(dataset.sequences))
    if unknown:
        raise InputError(f"sequences not in the dataset: {', '.join(unknown[:5])}.")
    raft = RaftFlow(raft_checkpoint, device=model.device) if flow == "raft" else None
    results = ResultFolder(out, overwrite=overwrite)
    frames_done, start = 0, time.perf_counter()
    for name in progress(names, desc="isomer", unit="seq"):
        seq = dataset.sequence(name)
        if raft is not None:
            stream = model.segment(seq.video(), flow=raft)
        else:
            if not seq.flow_paths or all(p is None for p in seq.flow_paths):
                raise InputError(
                    f"sequence {name!r} has no flow images in {root}; compute flow with RAFT instead "
                    "(flow='raft', CLI: --flow raft --raft-checkpoint FILE)."
                )
            kept = [i for i, p in enumerate(seq.flow_paths) if p is not None]
            if annotated_only:
                kept = [i for i in kept if seq.frame_names[i] in seq.annotation_paths]
            video = Video.from_paths(
                [seq.frame_paths[i] for i in kept], names=[seq.frame_names[i] for i in kept]
            )
            flows = read_flow_images([seq.flow_paths[i] for i in kept], video.size if kept else None)
            stream = model.segment(video, flow_images=flows)
        for result in stream:
            if annotated_only and result.name not in seq.annotation_paths:
                continue
            if output == "masks":
                results.write_labels(name, result.name, (result.saliency > ZVOS_THRESHOLD).astype("uint8"))
            else:
                grey = result.probabilities if output == "probabilities" else result.saliency
                results.write_grey(name, result.name, grey)
            frames_done += 1
    return RunSummary(len(names), frames_done, time.perf_counter() - start)


def output_kind(raw_probabilities: bool, masks: bool) -> str:
    """The ``output`` of :func:`run_isomer_on_dataset` for the CLI flags."""
    if raw_probabilities and masks:
        raise InputError("--raw-probabilities and --masks exclude each other; choose one output.")
    return "probabilities" if raw_probabilities else "masks" if masks else "saliency"


def dataset_options(layout: str, split: str | None) -> dict:
    """Reader options for ``layout``: DAVIS takes its ImageSets split, the zero-shot sets take none."""
    return {"subset": split} if split and layout.startswith("davis") else {}
