"""The model registry: a name -> loader table, filled by each system's subpackage when it is imported.

A loader is ``load(checkpoint: str | None, device: str | torch.device | None, **options) -> predictor``.
Subpackages register themselves with :func:`register_model`; the table below says which module to import
for each name, so nothing heavy is imported until a model is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from vostok.errors import InputError

# name -> module that registers it
_MODEL_MODULES: dict[str, str] = {
    "stcn": "vostok.models.stcn",
    "stcn-small": "vostok.models.stcn.small",
    "imsfr": "vostok.models.imsfr",
    "simvos": "vostok.models.simvos",
    "isomer": "vostok.models.isomer",
    "referformer": "vostok.models.referformer",
    "bifit": "vostok.models.bifit",
    "copy-first": "vostok.models.baseline",
}

_LOADERS: dict[str, Callable[..., Any]] = {}


def register_model(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``load(checkpoint, device, **options)`` under ``name``."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        _LOADERS[name] = fn
        return fn

    return wrap


def available_models() -> list[str]:
    """Names that :func:`get_loader` accepts (whether or not their module is implemented yet)."""
    return sorted(_MODEL_MODULES)


def get_loader(name: str) -> Callable[..., Any]:
    """Return the loader registered under ``name``, importing its module on first use."""
    key = name.lower()
    if key not in _MODEL_MODULES:
        raise InputError(f"unknown model {name!r}; available: {', '.join(available_models())}.")
    if key not in _LOADERS:
        try:
            importlib.import_module(_MODEL_MODULES[key])
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(_MODEL_MODULES[key]):
                raise InputError(f"model {name!r} is not implemented in this version of vostok yet.") from exc
            raise
    if key not in _LOADERS:
        raise InputError(f"model {name!r} is not implemented in this version of vostok yet.")
    return _LOADERS[key]
