"""Test-wide set-up: offline hub, quiet progress bars, and the location of the shared reference data."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before anything can import huggingface_hub
os.environ.setdefault("VOSTOK_NO_PROGRESS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """One torch thread per test process: the suite runs one process per core (pytest -n 2), and two
    threads per process on a 2-core machine spin-wait each other into a several-fold slow-down."""
    import torch

    torch.set_num_threads(1)


def shared_dir() -> Path:
    """``../shared`` beside the checkout (CI puts it there), or ``$VOSTOK_SHARED``."""
    return Path(os.environ.get("VOSTOK_SHARED", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_ref() -> Path:
    """``shared/ref``; tests that need it skip, saying why, when it is absent."""
    ref = shared_dir() / "ref"
    if not ref.is_dir():
        pytest.skip(f"reference data not found at {ref} (set VOSTOK_SHARED to the shared/ folder)")
    return ref


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``shared/data`` (real example masks); skip when absent."""
    data = shared_dir() / "data"
    if not data.is_dir():
        pytest.skip(f"shared example data not found at {data} (set VOSTOK_SHARED to the shared/ folder)")
    return data
