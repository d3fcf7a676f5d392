"""Run-folder checkpoints: written atomically, with every RNG state needed for an exact resume.

Layout of a run folder::

    config.yaml                          the full config of the run
    checkpoints/step_00001000.pt         model, optimiser, scheduler, grad scaler, step, config (rank 0)
    checkpoints/step_00001000.rng3.pt    python / numpy / torch (/ CUDA) RNG states of rank 3
    model_final.pt                       the trained weights alone, written at the end
    metrics.jsonl, tensorboard/          logs

A checkpoint counts only when its main file and one RNG file per rank exist, so a run killed while saving
resumes from the previous complete one.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vostok.checkpoint import load_checkpoint_file
from vostok.errors import CheckpointError
from vostok.io.atomic import atomic_path

_MAIN = re.compile(r"^step_(\d{8})\.pt$")


def checkpoint_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "checkpoints"


def main_path(run_dir: Path, step: int) -> Path:
    return checkpoint_dir(run_dir) / f"step_{step:08d}.pt"


def rng_path(run_dir: Path, step: int, rank: int) -> Path:
    return checkpoint_dir(run_dir) / f"step_{step:08d}.rng{rank}.pt"


def capture_rng_state() -> dict[str, Any]:
    """RNG states of this process, in a form ``torch.load(weights_only=True)`` accepts."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng_state`."""
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state(
        (n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached_gaussian"])
    )
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_main(run_dir: Path, step: int, state: dict[str, Any]) -> Path:
    path = main_path(run_dir, step)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return path


def save_rng(run_dir: Path, step: int, rank: int) -> Path:
    path = rng_path(run_dir, step, rank)
    with atomic_path(path) as tmp:
        torch.save(capture_rng_state(), tmp)
    return path


def complete_steps(run_dir: Path, world_size: int) -> list[int]:
    """Steps with a main file and one RNG file per rank, oldest first."""
    folder = checkpoint_dir(run_dir)
    if not folder.is_dir():
        return []
    steps = sorted(int(m.group(1)) for p in folder.iterdir() if (m := _MAIN.match(p.name)))
    return [s for s in steps if all(rng_path(run_dir, s, r).is_file() for r in range(world_size))]


def latest_step(run_dir: Path, world_size: int) -> int | None:
    steps = complete_steps(run_dir, world_size)
    return steps[-1] if steps else None


def load_main(run_dir: Path, step: int) -> dict[str, Any]:
    return load_checkpoint_file(main_path(run_dir, step))


def load_rng(run_dir: Path, step: int, rank: int) -> dict[str, Any]:
    path = rng_path(run_dir, step, rank)
    if not path.is_file():
        raise CheckpointError(
            f"{path} is missing: the run was saved with a different number of processes. Resume it with the "
            "same torchrun --nproc_per_node (and nodes) it was started with."
        )
    return load_checkpoint_file(path)


def prune(run_dir: Path, keep: int, world_size: int) -> None:
    """Delete all but the newest ``keep`` complete checkpoints (``keep <= 0`` keeps all)."""
    if keep <= 0:
        return
    for step in complete_steps(run_dir, world_size)[:-keep]:
        main_path(run_dir, step).unlink(missing_ok=True)
        for p in checkpoint_dir(run_dir).glob(f"step_{step:08d}.rng*.pt"):
            p.unlink(missing_ok=True)
