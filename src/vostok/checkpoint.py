"""Loading checkpoint files safely, and loading state dicts into modules with useful errors.

Shared by every model's ``checkpoint.py`` converter, which turns the authors' key layout into ours.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from vostok.errors import CheckpointError


def load_checkpoint_file(path: str | os.PathLike, allow_pickle: bool = False) -> dict:
    """Load a checkpoint with ``torch.load(weights_only=True)``.

    A file that needs arbitrary pickled objects is refused unless ``allow_pickle=True`` (only for files
    you trust: unpickling runs code). Missing, truncated and non-torch files raise :class:`CheckpointError`.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist.")
    with path.open("rb") as f:
        head = f.read(4)
    # torch.save writes a zip archive (or, before torch 1.6, a pickle of protocol >= 2, whose first byte is
    # 0x80); anything else would reach the unpickler and fail with a misleading opcode error
    if head[:4] != b"PK\x03\x04" and head[:1] != b"\x80":
        raise CheckpointError(
            f"{path} is not a PyTorch checkpoint (neither torch.save's zip format nor a pickle). The file may be "
            "truncated or of another kind; re-download it."
        )
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not allow_pickle)
    except pickle.UnpicklingError as exc:
        if not allow_pickle and "weights_only" in str(exc):
            raise CheckpointError(
                f"{path} contains pickled Python objects beyond tensors, which torch refuses to load safely. "
                "If you trust the file, load it with allow_pickle=True (CLI: --allow-pickle)."
            ) from exc
        raise CheckpointError(f"{path} is not a readable checkpoint ({exc}).") from exc
    except (
        Exception
    ) as exc:  # torch raises many types for a corrupt file (KeyError, RuntimeError, EOFError...)
        raise CheckpointError(
            f"cannot read checkpoint {path} ({type(exc).__name__}: {exc}). The file may be truncated (re-download it) or not a "
            "PyTorch checkpoint."
        ) from exc
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{path} holds a {type(obj).__name__}, not a state dict.")
    return dict(obj)


def strip_prefix(state: Mapping[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """Remove ``prefix`` from every key that has it (e.g. DDP's ``module.``); other keys are kept."""
    n = len(prefix)
    return {(k[n:] if k.startswith(prefix) else k): v for k, v in state.items()}


def load_state_dict_strict(
    module: nn.Module, state: Mapping[str, torch.Tensor], model_name: str, source: str = "checkpoint"
) -> None:
    """Load ``state`` into ``module`` requiring every key to match in name and shape.

    The error names missing, unexpected and mis-shaped keys (a few of each) and says which model the
    checkpoint looks like it is not for, instead of torch's wall of text.
    """
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mis_shaped = sorted(
        f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
        for k in set(own) & set(state)
        if tuple(own[k].shape) != tuple(state[k].shape)
    )
    if missing or unexpected or mis_shaped:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing keys (e.g. {', '.join(missing[:4])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected keys (e.g. {', '.join(unexpected[:4])})")
        if mis_shaped:
            parts.append(f"{len(mis_shaped)} keys of the wrong shape (e.g. {'; '.join(mis_shaped[:3])})")
        raise CheckpointError(
            f"{source} does not fit the {model_name} model: " + "; ".join(parts) + ". Is it a checkpoint of "
            "another model or configuration?"
        )
    module.load_state_dict(state, strict=True)
