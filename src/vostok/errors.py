"""User-facing errors.

Every mistake a user can make (a missing frame, a mask of the wrong size, a checkpoint from another model)
raises a subclass of :class:`VostokError` whose message says what was wrong and what to do. The CLI prints
that message as one paragraph and exits non-zero; it never shows a traceback for these.
"""

from __future__ import annotations


class VostokError(Exception):
    """Base class of every error vostok raises on purpose for bad input."""


class InputError(VostokError, ValueError):
    """An input (file, folder, array, option) is missing, malformed or inconsistent."""


class LayoutError(InputError):
    """A dataset folder does not have the on-disk layout its reader expects."""


class CheckpointError(VostokError):
    """A checkpoint cannot be loaded into the requested model (wrong model, truncated, unsafe pickle)."""


class OverwriteError(VostokError, FileExistsError):
    """A write would replace something the user already has; pass overwrite=True / --overwrite to allow it."""
