"""Training: one :class:`Trainer` for every system; each system supplies a :class:`Recipe`.

``vostok train CONFIG.yaml key=value ...`` (or ``torchrun --nproc_per_node=N -m vostok train ...``) loads a
typed config (:mod:`.config`), builds the recipe it names (:mod:`.registry`) and runs :class:`Trainer`.
"""

from vostok.training.config import OptimConfig, Precision, TrainConfig, TrainerConfig, load_config
from vostok.training.recipe import BaseRecipe, Recipe
from vostok.training.registry import available_recipes, register_recipe
from vostok.training.sampling import ResumableSampler, SampleKey
from vostok.training.trainer import Trainer, train

__all__ = [
    "BaseRecipe",
    "OptimConfig",
    "Precision",
    "Recipe",
    "ResumableSampler",
    "SampleKey",
    "TrainConfig",
    "Trainer",
    "TrainerConfig",
    "available_recipes",
    "load_config",
    "register_recipe",
    "train",
]
