"""Recipe registry: name -> recipe class, filled when the module that defines a recipe is imported."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from vostok.errors import InputError

# recipe name -> module that registers it (imported on first use, so nothing heavy loads early)
_RECIPE_MODULES: dict[str, str] = {
    "toy": "vostok.training.toy",
    "stcn": "vostok.models.stcn.recipe",
    "imsfr": "vostok.models.imsfr.recipe",
    "isomer": "vostok.models.isomer.recipe",
}

_RECIPES: dict[str, type] = {}


def register_recipe(name: str) -> Callable[[type], type]:
    """Class decorator: register a recipe class (which must carry ``config_class``) under ``name``."""

    def wrap(cls: type) -> type:
        if not hasattr(cls, "config_class"):
            raise TypeError(f"recipe {cls.__name__} has no config_class")
        _RECIPES[name] = cls
        return cls

    return wrap


def available_recipes() -> list[str]:
    """Recipe names a config may give as ``recipe:``."""
    return sorted(set(_RECIPE_MODULES) | set(_RECIPES))


def get_recipe_class(name: str) -> type:
    """The recipe class registered under ``name``, importing its module on first use."""
    if name not in _RECIPES and name in _RECIPE_MODULES:
        importlib.import_module(_RECIPE_MODULES[name])
    if name not in _RECIPES:
        raise InputError(f"unknown recipe {name!r}; available: {', '.join(available_recipes())}.")
    return _RECIPES[name]
