"""``vostok train``: train a system from a YAML recipe config, alone or under torchrun."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from vostok.errors import InputError


def train(
    config: str = typer.Argument(
        None, help="YAML config (e.g. configs/stcn/stage3.yaml); optional with --resume.", show_default=False
    ),
    overrides: list[str] = typer.Argument(None, help="key=value overrides, e.g. trainer.iterations=1000"),
    resume: Path = typer.Option(
        None, "--resume", help="continue the run in this folder from its last checkpoint"
    ),
) -> None:
    """Train a model; the config's `recipe:` picks the system (stcn, imsfr, toy, ...).

    Example: vostok train configs/stcn/stage3.yaml trainer.run_dir=runs/s03 data.davis_root=../DAVIS/2017/trainval

    Multi-GPU: torchrun --nproc_per_node=2 -m vostok train configs/stcn/stage3.yaml
    """
    from vostok.training.config import load_config
    from vostok.training.trainer import train as run_training
    from vostok.training.trainer import with_run_dir

    overrides = list(overrides or [])
    if config is not None and "=" in config and not config.endswith((".yaml", ".yml")):
        overrides.insert(0, config)  # `vostok train --resume RUN key=value`: no config file given
        config = None
    if resume is not None:
        saved = resume / "config.yaml"
        if config is None and not saved.is_file():
            raise InputError(f"{resume} has no config.yaml; is it a vostok run folder?")
        cfg = load_config(config if config is not None else saved, overrides)
        cfg = with_run_dir(cfg, resume)
    else:
        if config is None:
            raise InputError("give a config file, e.g. `vostok train configs/stcn/stage3.yaml`.")
        cfg = load_config(config, overrides)
    final = run_training(cfg, resume=resume is not None)
    if os.environ.get("RANK", "0") == "0":
        typer.echo(f"weights: {final}")


def register(app: typer.Typer) -> None:
    app.command("train")(train)
