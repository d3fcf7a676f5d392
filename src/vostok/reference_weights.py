"""Deterministic synthetic weights and inputs (the rule of ``shared/ref/README.md``).

The reference tensors in ``shared/ref`` were produced by the authors' code filled with these weights; a
port is checked by filling our model with the same rule (under the authors' key names, then converting
with the model's checkpoint converter) and comparing outputs. Exposed in the package, not only in the
tests, so anyone can check a port against vectors made with another seed or salt.
"""

from __future__ import annotations

import json
import math
import os
import zlib
from pathlib import Path

import numpy as np
import torch


def rule_tensor(name: str, shape: tuple[int, ...], salt: str = "") -> np.ndarray:
    """The float32 array the rule assigns to state-dict entry ``name`` of ``shape``."""
    rng = np.random.default_rng(zlib.crc32((salt + name).encode("utf-8")))
    if name.endswith("running_var"):
        a = rng.uniform(0.5, 1.5, shape)
    elif name.endswith("running_mean"):
        a = rng.uniform(-0.1, 0.1, shape)
    elif len(shape) >= 2:
        a = rng.uniform(-1.0, 1.0, shape) / math.sqrt(float(np.prod(shape[1:])))
    elif name.endswith("weight"):
        a = rng.uniform(0.5, 1.5, shape)
    else:
        a = rng.uniform(-0.1, 0.1, shape)
    return np.asarray(a, dtype=np.float32)


def rule_state_dict(
    manifest: str | os.PathLike | dict, salt: str = "", constructed: dict[str, torch.Tensor] | None = None
) -> dict[str, torch.Tensor]:
    """A state dict in the *authors'* key layout, filled by the rule.

    ``manifest`` is a ``manifest.json`` path (or its parsed content) listing every upstream key with shape
    and dtype, and the ``kept`` keys. Kept / non-floating entries are taken from ``constructed`` (our
    model's constructed values under the upstream names) when given, else zeros of the listed dtype
    (``num_batches_tracked`` and the like, which do not affect eval outputs).
    """
    if not isinstance(manifest, dict):
        manifest = json.loads(Path(manifest).read_text())
    entries, kept = _manifest_entries(manifest)
    out: dict[str, torch.Tensor] = {}
    for name, (shape, dtype) in entries.items():
        floating = dtype.startswith("torch.float") or dtype in ("float32", "float16", "float64", "bfloat16")
        if name in kept or not floating:
            if constructed is not None and name in constructed:
                out[name] = constructed[name].clone()
            else:
                out[name] = torch.zeros(shape, dtype=_torch_dtype(dtype))
        else:
            out[name] = torch.from_numpy(rule_tensor(name, tuple(shape), salt))
    return out


def rule_input(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """An image-like input array in [0, 1): a fresh generator per array, drawn in float64, cast to float32."""
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def _manifest_entries(manifest: dict) -> tuple[dict[str, tuple[list[int], str]], set[str]]:
    """Normalise the manifest to ``{name: (shape, dtype)}`` and the set of kept names."""
    raw = manifest.get("state_dict", manifest.get("keys", manifest.get("entries")))
    if raw is None:
        raise ValueError("manifest has no 'state_dict' / 'keys' / 'entries' section")
    entries: dict[str, tuple[list[int], str]] = {}
    if isinstance(raw, dict):
        for name, spec in raw.items():
            entries[name] = (list(spec["shape"]), str(spec.get("dtype", "float32")))
    else:
        for spec in raw:
            if isinstance(spec, (list, tuple)):  # [name, shape, dtype]
                entries[spec[0]] = (list(spec[1]), str(spec[2]) if len(spec) > 2 else "float32")
            else:
                entries[spec["name"]] = (list(spec["shape"]), str(spec.get("dtype", "float32")))
    return entries, set(manifest.get("kept", []))


def _torch_dtype(name: str) -> torch.dtype:
    return getattr(torch, name.replace("torch.", ""))
