"""Training speed: iterations/s of the Trainer against a bare loop over the same recipe (same run).

The bare loop is forward, loss, backward and optimiser step on samples built in the main process; the
Trainer adds the DataLoader, logging, progress and (excluded from the rate) checkpoints. The ratio shows
the trainer's overhead; the absolute rates give the CPU (or GPU) iterations/s of each recipe.

    python benchmarks/train_speed.py                    # toy + STCN stage 3 at 64 px on synthetic DAVIS
    python benchmarks/train_speed.py --size 384 --iterations 5 --recipes stcn
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("VOSTOK_NO_PROGRESS", "1")


def config_for(recipe: str, run_dir: Path, data_root: Path, args) -> object:
    from vostok.training.config import build_config

    common = [f"trainer.run_dir={run_dir}", f"trainer.iterations={args.iterations}", "trainer.log_every=1000000",
              f"trainer.batch_size={args.batch}", f"trainer.num_workers={args.workers}", "trainer.image_every=0"]  # fmt: skip
    if recipe == "toy":
        return build_config({"recipe": "toy"}, common)
    return build_config(
        {"recipe": recipe, "stage": 3}, common + [f"data.davis_root={data_root}", f"data.size={args.size}"]
    )


def bare_loop_rate(cfg) -> float:
    import torch

    from vostok.training.optim import build_optimizer
    from vostok.training.registry import get_recipe_class
    from vostok.training.sampling import ResumableSampler

    recipe = get_recipe_class(cfg.recipe)(cfg)
    model = recipe.build_model()
    dataset = recipe.build_dataset()
    optimizer = build_optimizer(recipe.param_groups(model), cfg.optim)
    sampler = ResumableSampler(len(dataset), cfg.trainer.batch_size, seed=0)
    n = cfg.trainer.iterations
    tic = time.perf_counter()
    for step in range(n):
        batch = torch.utils.data.default_collate([dataset[k] for k in sampler.keys_for(step)])
        recipe.set_train_mode(model)
        loss = recipe.compute_losses(model(batch), batch, step)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return n / (time.perf_counter() - tic)


def trainer_rate(cfg) -> float:
    from vostok.training.trainer import train

    train(cfg)
    records = [
        json.loads(line) for line in (Path(cfg.trainer.run_dir) / "metrics.jsonl").read_text().splitlines()
    ]
    return records[-1]["it_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["toy", "stcn"])
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    import torch

    from vostok.data.synthetic import generate_dataset

    with tempfile.TemporaryDirectory() as tmp:
        data = generate_dataset("davis2017", Path(tmp) / "davis", videos=3, frames=8, size=(96, 128), seed=0,
                                workers=1, show_progress=False)  # fmt: skip
        device = "cuda" if torch.cuda.is_available() else "cpu"
        print(
            f"device {device}, torch threads {torch.get_num_threads()}, batch {args.batch}, size {args.size}"
        )
        for recipe in args.recipes:
            bare = bare_loop_rate(config_for(recipe, Path(tmp) / f"{recipe}_bare", data, args))
            full = trainer_rate(config_for(recipe, Path(tmp) / f"{recipe}_trainer", data, args))
            print(
                f"{recipe:6s} bare loop {bare:8.3f} it/s   trainer {full:8.3f} it/s   trainer/bare {full / bare:5.2f}"
            )


if __name__ == "__main__":
    main()
