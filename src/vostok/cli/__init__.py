"""The ``vostok`` command.

Each subcommand lives in its own module in this package and exposes ``register(app)``; modules are found
by discovery, so adding a command never edits this file. Heavy imports (torch, models) stay inside the
command functions so that ``vostok --help`` is instant.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from vostok.errors import VostokError

app = typer.Typer(
    name="vostok",
    help="Video object segmentation: segment videos, run benchmarks, evaluate results, train models.\n\n"
    "Example: vostok demo",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_registered = False


@app.callback()
def _root() -> None:
    """Video object segmentation: segment videos, run benchmarks, evaluate results, train models."""


def _register_commands() -> None:
    global _registered
    if _registered:
        return
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    _registered = True


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code instead of raising."""
    _register_commands()
    command = typer.main.get_command(app)
    try:
        # standalone mode: usage errors print typer's message and raise SystemExit with its code.
        command.main(args=argv, prog_name="vostok", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except VostokError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
