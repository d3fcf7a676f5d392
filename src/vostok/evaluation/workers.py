"""Setup of the evaluation worker processes (one per core, each single-threaded)."""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def init_worker() -> None:
    """Run in each pool process: one OpenCV thread, and full-frame arrays recycled by the allocator.

    The processes already use every core, so OpenCV's own threads only add contention. A frame's
    temporaries (a few MB each) exceed glibc's default mmap threshold: each one would be mapped, page-faulted
    in and unmapped again, which costs about a fifth of the VSOD metrics' CPU time. Raising the thresholds
    keeps them in the heap of this short-lived process. Both are optimisations only; failures are ignored.
    """
    try:
        import cv2

        cv2.setNumThreads(1)
    except Exception:  # pragma: no cover - cv2 is a dependency
        pass
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # the largest glibc accepts everywhere
        libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass
