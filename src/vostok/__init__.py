"""vostok: video object segmentation in its three settings (zero-shot, semi-supervised, referring).

The public entry points are :func:`load_model`, :func:`segment` and :func:`evaluate` (see ``vostok.api``),
the :class:`~vostok.video.Video` type, and the ``vostok`` command.
"""

from __future__ import annotations

import os as _os

# huggingface_hub reads this once at import; set it before anything can import it so that no call ever
# waits on network retries (tokenizers and weights always come from local paths here).
_os.environ.setdefault("HF_HUB_OFFLINE", "1")

__version__ = "0.1.0"

__all__ = ["__version__", "Video", "load_model", "segment", "evaluate", "VostokError"]


def __getattr__(name: str):
    # Lazy: `import vostok` must stay cheap (no torch) so the CLI starts fast.
    if name in ("load_model", "segment", "evaluate"):
        from vostok import api

        return getattr(api, name)
    if name == "Video":
        from vostok.video import Video

        return Video
    if name == "VostokError":
        from vostok.errors import VostokError

        return VostokError
    raise AttributeError(f"module 'vostok' has no attribute {name!r}")
