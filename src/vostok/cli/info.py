"""``vostok info``: versions, devices and the models this build carries."""

from __future__ import annotations

import typer


def info() -> None:
    """Print vostok's version, the models it knows, and the torch / device set-up.

    Example: vostok info
    """
    import platform

    import torch

    import vostok
    from vostok.models.registry import available_models

    typer.echo(f"vostok {vostok.__version__} (Python {platform.python_version()})")
    typer.echo(f"torch {torch.__version__}; CUDA available: {torch.cuda.is_available()}")
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            typer.echo(f"  cuda:{i} {torch.cuda.get_device_name(i)}")
    typer.echo(f"models: {', '.join(available_models())}")


def register(app: typer.Typer) -> None:
    app.command("info")(info)
