"""The one trainer: single process or torchrun/DDP, AMP, clipping, atomic checkpoints, exact resume, logs.

Determinism (CPU, same seed): the model is built after ``torch.manual_seed(seed)`` on every rank; data
order and augmentation come from :class:`~vostok.training.sampling.ResumableSampler` keys, not from worker
RNGs; the DataLoader has its own generator, so creating it never consumes the global RNG; and each
checkpoint stores every RNG state of every rank. A resumed run therefore replays the uninterrupted one.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from vostok.checkpoint import load_checkpoint_file, strip_prefix
from vostok.errors import InputError, OverwriteError, VostokError
from vostok.io.atomic import atomic_path
from vostok.progress import progress
from vostok.training import checkpointing as ckpt
from vostok.training.config import Precision, config_to_dict, config_to_yaml
from vostok.training.distributed import DistInfo, barrier, init_distributed, mean_over_ranks, shutdown
from vostok.training.optim import build_optimizer, build_scheduler
from vostok.training.registry import get_recipe_class
from vostok.training.sampling import ResumableSampler


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _worker_init(worker_id: int) -> None:
    # Datasets draw from their SampleKey; this only keeps third-party code that uses global RNGs from
    # producing the same numbers in every worker.
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)


def _to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


def unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, DistributedDataParallel) else model


class Trainer:
    """Trains ``config``'s recipe into ``config.trainer.run_dir``; ``resume=True`` continues that run."""

    def __init__(self, config: Any, resume: bool = False) -> None:
        self.config = config
        self.resume = resume
        self.run_dir = Path(config.trainer.run_dir)

    # ------------------------------------------------------------------ set-up
    def _check_run_dir(self, info: DistInfo) -> None:
        existing = ckpt.complete_steps(self.run_dir, info.world_size) or ckpt.complete_steps(self.run_dir, 1)
        if not self.resume and existing:
            raise OverwriteError(
                f"{self.run_dir} already holds checkpoints of a run. Continue it with --resume {self.run_dir}, "
                "or pick a new folder with trainer.run_dir=..."
            )
        if self.resume and not existing:
            raise InputError(f"nothing to resume: {self.run_dir} holds no complete checkpoint.")

    def _build_model(self, recipe: Any, info: DistInfo) -> nn.Module:
        tcfg = self.config.trainer
        seed_everything(tcfg.seed)  # same initial weights on every rank
        model = recipe.build_model()
        if tcfg.init_weights:
            self._load_init_weights(model, tcfg.init_weights, info)
        model.to(info.device)
        if info.distributed and info.device.type == "cuda" and tcfg.sync_batchnorm:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        if info.distributed:
            model = DistributedDataParallel(
                model,
                device_ids=[info.device.index] if info.device.type == "cuda" else None,
                find_unused_parameters=tcfg.find_unused_parameters,
            )
        return model

    @staticmethod
    def _load_init_weights(model: nn.Module, path: str, info: DistInfo) -> None:
        """Start from an earlier stage's weights: every tensor whose name and shape match is loaded.

        ``path`` is a run's ``model_final.pt`` or checkpoint, or a bare network state dict (such as a
        shipped weights file), whose names are then matched under the training module's child that fits
        best (e.g. ``network.``)."""
        state = load_checkpoint_file(path)
        state = strip_prefix(state.get("model", state), "module.")
        own = model.state_dict()

        def matching(prefix: str) -> dict[str, torch.Tensor]:
            return {
                prefix + k: v.to(own[prefix + k].dtype) if v.is_floating_point() else v
                for k, v in state.items()
                if prefix + k in own and tuple(v.shape) == tuple(own[prefix + k].shape)
            }

        prefixes = [""] + [f"{name}." for name, _ in model.named_children()]
        picked = max((matching(p) for p in prefixes), key=len)
        if not picked:
            raise InputError(f"trainer.init_weights={path} shares no parameter with this model; wrong file?")
        model.load_state_dict(picked, strict=False)
        skipped = sorted(set(own) - set(picked))
        if skipped and info.is_main:
            print(
                f"init_weights: {len(picked)} tensors loaded; {len(skipped)} keep their initialisation "
                f"(e.g. {', '.join(skipped[:3])})",
                file=sys.stderr,
            )

    def _build_loader(self, recipe: Any, info: DistInfo, start: int) -> DataLoader:
        tcfg = self.config.trainer
        dataset = recipe.build_dataset()
        if len(dataset) == 0:
            raise InputError("the training dataset is empty; check the dataset paths in the config.")
        sampler = ResumableSampler(
            len(dataset), tcfg.batch_size, tcfg.seed, info.rank, info.world_size, start_iteration=start
        )
        return DataLoader(
            dataset,
            batch_size=tcfg.batch_size,
            sampler=sampler,
            num_workers=tcfg.num_workers,
            worker_init_fn=_worker_init,
            generator=torch.Generator().manual_seed(tcfg.seed + info.rank),
            pin_memory=info.device.type == "cuda",
            persistent_workers=False,
            prefetch_factor=2 if tcfg.num_workers > 0 else None,
        )

    def _autocast(self, info: DistInfo) -> contextlib.AbstractContextManager:
        precision = self.config.trainer.precision
        if info.device.type != "cuda" or precision == Precision.fp32:
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if precision == Precision.bf16 else torch.float16
        return torch.autocast(device_type="cuda", dtype=dtype)

    # ------------------------------------------------------------------ checkpoints
    def _save(self, step: int, model, optimizer, scheduler, scaler, info: DistInfo) -> None:
        if info.is_main:
            ckpt.save_main(
                self.run_dir,
                step,
                {
                    "model": unwrap(model).state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "scaler": scaler.state_dict() if scaler is not None else {},
                    "step": step,
                    "world_size": info.world_size,
                    "config": config_to_dict(self.config),
                },
            )
        ckpt.save_rng(self.run_dir, step, info.rank)
        barrier(info)
        if info.is_main:
            ckpt.prune(self.run_dir, self.config.trainer.keep_checkpoints, info.world_size)

    def _restore(self, model, optimizer, scheduler, scaler, info: DistInfo) -> int:
        step = ckpt.latest_step(self.run_dir, info.world_size)
        if step is None:
            raise InputError(
                f"{self.run_dir} has no checkpoint saved with {info.world_size} process(es); resume with the "
                "same number of processes the run was started with."
            )
        state = ckpt.load_main(self.run_dir, step)
        unwrap(model).load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        if scaler is not None and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        ckpt.restore_rng_state(ckpt.load_rng(self.run_dir, step, info.rank))
        return step

    # ------------------------------------------------------------------ main loop
    def fit(self, until: int | None = None) -> Path:
        """Train to ``trainer.iterations`` (or stop after step ``until``, e.g. to test resuming).

        Returns the path of the final weights (or of the last checkpoint when stopped early).
        """
        tcfg = self.config.trainer
        threads = torch.get_num_threads()
        if tcfg.cpu_threads:
            torch.set_num_threads(tcfg.cpu_threads)
        info = init_distributed(tcfg.device)
        try:
            return self._fit(info, until)
        finally:
            shutdown(info)
            torch.set_num_threads(threads)

    def _fit(self, info: DistInfo, until: int | None) -> Path:
        tcfg = self.config.trainer
        self._check_run_dir(info)
        recipe = get_recipe_class(self.config.recipe)(self.config)
        model = self._build_model(recipe, info)
        optimizer = build_optimizer(recipe.param_groups(unwrap(model)), self.config.optim)
        scheduler = build_scheduler(optimizer, self.config.optim, tcfg.iterations)
        use_scaler = info.device.type == "cuda" and tcfg.precision == Precision.fp16
        scaler = torch.amp.GradScaler("cuda") if use_scaler else None

        start = 0
        if self.resume:
            start = self._restore(model, optimizer, scheduler, scaler, info)
        else:
            seed_everything(tcfg.seed + info.rank)  # per-rank stream for dropout and the like
        if info.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.run_dir / "config.yaml") as tmp:
                tmp.write_text(config_to_yaml(self.config))
        stop = min(tcfg.iterations, until) if until is not None else tcfg.iterations
        loader = self._build_loader(recipe, info, start)
        writer = self._tensorboard(info)
        try:
            self._loop(recipe, model, optimizer, scheduler, scaler, loader, writer, info, start, stop)
        finally:
            if writer is not None:
                writer.close()
        if stop < tcfg.iterations:
            return ckpt.main_path(self.run_dir, stop)
        final = self.run_dir / "model_final.pt"
        if info.is_main:
            with atomic_path(final) as tmp:
                torch.save(unwrap(model).state_dict(), tmp)
        barrier(info)
        return final

    def _tensorboard(self, info: DistInfo):
        if not info.is_main:
            return None
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter(log_dir=str(self.run_dir / "tensorboard"))

    def _loop(self, recipe, model, optimizer, scheduler, scaler, loader, writer, info, start, stop) -> None:
        tcfg = self.config.trainer
        params = [p for g in optimizer.param_groups for p in g["params"]]
        validate = self._validator(recipe, info)
        batches = iter(loader)
        sums: dict[str, float] = {}
        count = 0
        tic = time.perf_counter()
        steps = range(start, stop)
        if info.is_main:
            steps = progress(steps, total=stop - start, desc=f"train {self.config.recipe}", unit="it")
        for step in steps:
            recipe.set_train_mode(model)
            batch = _to_device(next(batches), info.device)
            with self._autocast(info):
                outputs = model(batch)
                losses = recipe.compute_losses(outputs, batch, step)
            loss = losses["loss"]
            if not torch.isfinite(loss):
                raise VostokError(
                    f"the loss became {loss.item()} at step {step}; lower optim.lr, set trainer.grad_clip, or "
                    "use trainer.precision=fp32/bf16."
                )
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
            if tcfg.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(params, tcfg.grad_clip)
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            scheduler.step()
            done = step + 1

            for name, value in losses.items():
                sums[name] = sums.get(name, 0.0) + float(value.detach())
            count += 1
            if done % tcfg.log_every == 0 or done == stop:
                means = mean_over_ranks({k: v / count for k, v in sums.items()}, info)
                rate = count / max(1e-9, time.perf_counter() - tic)
                self._log(writer, done, means, optimizer, rate)
                sums, count, tic = {}, 0, time.perf_counter()
            if writer is not None and tcfg.image_every and (done % tcfg.image_every == 0 or step == start):
                for name, images in recipe.visualise(batch, outputs).items():
                    writer.add_images(name, images.detach().float().clamp(0, 1).cpu(), done)
            if done % tcfg.checkpoint_every == 0 or done == stop:
                self._save(done, model, optimizer, scheduler, scaler, info)
            if validate is not None and (done % tcfg.validate_every == 0 or done == tcfg.iterations):
                self._validate(validate, recipe, model, writer, info, done)

    # ------------------------------------------------------------------ validation
    def _validator(self, recipe, info: DistInfo):
        """The recipe's ``validate`` when ``trainer.validate_every`` asks for it, else None."""
        every = self.config.trainer.validate_every
        if every < 0:
            raise InputError(
                f"trainer.validate_every must be 0 (off) or a number of iterations, not {every}."
            )
        if not every:
            return None
        validate = getattr(recipe, "validate", None)
        if validate is None and info.is_main:
            print(
                f"trainer.validate_every={every}, but recipe {self.config.recipe!r} has no validate(); "
                "training without validation.",
                file=sys.stderr,
            )
        return validate

    def _validate(self, validate, recipe, model, writer, info: DistInfo, step: int) -> None:
        """Rank 0 validates the bare module in eval mode; every RNG state is put back afterwards, so the
        run continues exactly as without validation. The other ranks wait at a barrier."""
        if info.is_main:
            rng = ckpt.capture_rng_state()
            bare = unwrap(model)
            bare.eval()
            tic = time.perf_counter()
            try:
                with torch.no_grad():
                    metrics = validate(bare, step, self.run_dir / "val" / f"step_{step:08d}")
            finally:
                ckpt.restore_rng_state(rng)
                recipe.set_train_mode(model)
            self._log_validation(writer, step, metrics, time.perf_counter() - tic)
        barrier(info)

    def _log_validation(self, writer, step: int, metrics: dict[str, float], seconds: float) -> None:
        if not metrics:
            return
        metrics = {name: float(value) for name, value in metrics.items()}
        for name, value in metrics.items():
            writer.add_scalar(
                "val/" + re.sub(r"[^-/\w.]", "_", name), value, step
            )  # TensorBoard's tag charset
        self._append_metrics(
            {"step": step, **{f"val/{k}": v for k, v in metrics.items()}, "val_seconds": seconds}
        )
        shown = ", ".join(f"{name} {value:.4f}" for name, value in metrics.items())
        print(f"validation at step {step}: {shown} ({seconds:.1f} s)", file=sys.stderr)

    # ------------------------------------------------------------------ logs
    def _log(self, writer, step: int, means: dict[str, float], optimizer, rate: float) -> None:
        if writer is None:
            return
        lrs = [g["lr"] for g in optimizer.param_groups]
        for name, value in means.items():
            writer.add_scalar(f"loss/{name}", value, step)
        writer.add_scalar("lr", lrs[0], step)
        writer.add_scalar("iterations_per_second", rate, step)
        self._append_metrics({"step": step, **means, "lr": lrs[0], "it_per_s": rate})

    def _append_metrics(self, record: dict[str, float]) -> None:
        """One JSON line per record in ``metrics.jsonl``; non-finite numbers become null."""
        with open(self.run_dir / "metrics.jsonl", "a") as fh:
            fh.write(json.dumps({k: (v if math.isfinite(v) else None) for k, v in record.items()}) + "\n")


def train(config: Any, resume: bool = False, until: int | None = None) -> Path:
    """Train ``config`` (see :class:`Trainer`); returns the final weights' path."""
    return Trainer(config, resume=resume).fit(until=until)


def with_run_dir(config: Any, run_dir: str | Path) -> Any:
    """A copy of ``config`` writing to ``run_dir``."""
    return replace(config, trainer=replace(config.trainer, run_dir=str(run_dir)))
