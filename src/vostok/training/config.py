"""Typed training configs: YAML files loaded into OmegaConf structured dataclasses.

Every config names its ``recipe``; the recipe's config dataclass (a subclass of :class:`TrainConfig`) is the
schema, so an unknown key or a value of the wrong type is an :class:`~vostok.errors.InputError` that names
the key, never a silent default.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from vostok.errors import InputError


class Precision(enum.Enum):
    """Arithmetic of the forward pass; bf16/fp16 autocast applies on CUDA only (CPU always runs fp32)."""

    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"


@dataclass
class TrainerConfig:
    """What the trainer itself needs, whatever the system."""

    run_dir: str = "runs/unnamed"
    iterations: int = 1000
    batch_size: int = 4  # per process
    num_workers: int = 4
    seed: int = 14159265
    checkpoint_every: int = 10000
    keep_checkpoints: int = 2  # newest N kept; 0 keeps all
    log_every: int = 100
    image_every: int = 1000  # TensorBoard images; 0 disables
    validate_every: int = 0  # iterations between recipe.validate() runs (and one at the end); 0 disables
    precision: Precision = Precision.fp32
    grad_clip: float | None = None  # max global L2 norm; None disables
    device: str = "auto"  # auto | cpu | cuda
    cpu_threads: int | None = None  # torch intra-op threads per process; 1 is fastest on a shared CPU
    sync_batchnorm: bool = True  # only ever applied on CUDA with more than one process
    find_unused_parameters: bool = False
    init_weights: str | None = None  # weights of an earlier stage, loaded before training (not a resume)


@dataclass
class OptimConfig:
    """Optimiser and per-iteration LR schedule."""

    name: str = "adam"  # adam | adamw | sgd
    lr: float = 1e-5
    weight_decay: float = 1e-7
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    momentum: float = 0.9  # sgd only
    schedule: str = "multistep"  # multistep | poly | cosine | constant
    milestones: list[int] = field(default_factory=list)  # iterations (multistep)
    gamma: float = 0.1
    poly_power: float = 0.9
    warmup_iterations: int = 0


@dataclass
class TrainConfig:
    """Base of every recipe's config: ``recipe`` picks the schema, the rest is common."""

    recipe: str = "???"
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)


def _schema_for(recipe_name: str) -> type:
    from vostok.training.registry import get_recipe_class

    return get_recipe_class(recipe_name).config_class


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"config file {path} does not exist.")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InputError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"config file {path} must hold a mapping of keys, not {type(data).__name__}.")
    return data


def _explain(exc: OmegaConfBaseException, source: str) -> InputError:
    key = getattr(exc, "full_key", None) or getattr(exc, "key", None)
    msg = str(exc).splitlines()[0]
    if "not in struct" in msg or "Key '" in msg and "not in" in msg:
        return InputError(
            f"{source}: unknown config key {key!r}. Check its spelling against the recipe's config."
        )
    where = f" at key {key!r}" if key else ""
    return InputError(f"{source}: invalid value{where}: {msg}")


def build_config(data: dict[str, Any], overrides: list[str] | None = None, source: str = "config") -> Any:
    """Validate ``data`` (plus ``key=value`` overrides) against its recipe's schema; return the typed object."""
    overrides = list(overrides or [])
    for item in overrides:
        if "=" not in item:
            raise InputError(f"override {item!r} must look like key=value (e.g. trainer.iterations=100).")
    recipe = data.get("recipe")
    for item in overrides:
        if item.split("=", 1)[0].strip() == "recipe":
            recipe = item.split("=", 1)[1].strip()
    if not recipe:
        raise InputError(f"{source} does not name a recipe; add e.g. `recipe: stcn` at the top.")
    schema = OmegaConf.structured(_schema_for(str(recipe)))
    try:
        merged = OmegaConf.merge(schema, OmegaConf.create(data))
        if overrides:
            merged = OmegaConf.merge(merged, OmegaConf.from_dotlist(overrides))
        missing = sorted(OmegaConf.missing_keys(merged))
        if missing:
            raise InputError(f"{source}: these required config keys have no value: {', '.join(missing)}.")
        return OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        raise _explain(exc, source) from exc


def load_config(path: str | Path, overrides: list[str] | None = None) -> Any:
    """Read a YAML config file, apply ``key=value`` overrides, and return the recipe's typed config."""
    path = Path(path)
    return build_config(_read_yaml(path), overrides, source=str(path))


def config_to_yaml(config: Any) -> str:
    """The full config (defaults included) as YAML, as stored in a run folder."""
    return OmegaConf.to_yaml(OmegaConf.structured(config))


def config_to_dict(config: Any) -> dict[str, Any]:
    """Plain-Python dict of a config (enums as their names), for checkpoints."""
    return OmegaConf.to_container(OmegaConf.structured(config), enum_to_str=True)
