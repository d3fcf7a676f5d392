"""``Video``: the frames of a clip, from a folder of images, a video file or arrays, read lazily.

Every model and tool in vostok takes a :class:`Video`. Opening one reads only headers (frame names, size,
fps); frames are decoded when asked for, and iteration streams them one at a time, so a 10,000-frame
1080p file iterates in flat memory (``benchmarks/video_memory.py``).

>>> v = Video.open("clip.mp4")            # or a folder of frames, or a list of (H, W, 3) uint8 arrays
>>> len(v), v.size, v.fps, v.names[:2]
(120, (480, 854), 25.0, ['00000', '00001'])
>>> for frame in v: ...                  # (H, W, 3) uint8 RGB, streamed
>>> v[10], v[-1], v[::5]                  # random access; a slice is again a lazy Video
"""

from __future__ import annotations

import os
import warnings
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from vostok.errors import InputError
from vostok.io.frames import IMAGE_EXTENSIONS, image_size, list_frames, read_frame
from vostok.io.video_file import (
    VIDEO_EXTENSIONS,
    FrameSeeker,
    count_video_frames,
    iter_video_frames,
    probe_video,
)


def _index_names(count: int) -> list[str]:
    width = max(5, len(str(max(count - 1, 0))))
    return [f"{i:0{width}d}" for i in range(count)]


def _as_rgb_array(frame, index: int) -> np.ndarray:
    """Validate one in-memory frame and return it as ``(H, W, 3) uint8`` RGB."""
    arr = np.asarray(frame)
    if arr.dtype != np.uint8:
        raise InputError(
            f"frame {index} has dtype {arr.dtype}; frames must be uint8 0..255 "
            "(convert with (frame * 255).round().astype(np.uint8) if it holds floats in [0, 1])."
        )
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4):
        raise InputError(f"frame {index} has shape {arr.shape}; expected (H, W, 3) RGB (or grey / RGBA).")
    if arr.shape[2] == 1:
        return np.repeat(arr, 3, axis=2)
    if arr.shape[2] == 4:
        if arr[..., 3].min(initial=255) < 255:
            warnings.warn(
                f"frame {index} has transparent pixels; the alpha channel is dropped.", stacklevel=4
            )
        return np.ascontiguousarray(arr[..., :3])
    return arr


class _FolderSource:
    READ_AHEAD = 4

    def __init__(self, folder: Path | None, paths: Sequence[Path] | None = None, names=None):
        self.folder = folder
        self.paths = list_frames(folder) if paths is None else [Path(p) for p in paths]
        if not self.paths:
            raise InputError("no frame files given; a video needs at least one frame.")
        self.names = [p.stem for p in self.paths] if names is None else list(names)
        if len(self.names) != len(self.paths):
            raise InputError(f"{len(self.names)} names given for {len(self.paths)} frame files.")
        if len(set(self.names)) != len(self.names):
            dup = next(n for n, c in Counter(self.names).items() if c > 1)
            raise InputError(
                f"several frames are named '{dup}' ({folder or 'the given files'}; e.g. one image saved "
                "with two extensions); keep one file per frame name."
            )
        self.size = image_size(self.paths[0])
        self.fps = None

    def __len__(self) -> int:
        return len(self.paths)

    def describe(self, i: int) -> str:
        return f"frame {i} ({self.paths[i]})"

    def read(self, i: int) -> np.ndarray:
        return read_frame(self.paths[i])

    def iterate(self, indices: Sequence[int] | None) -> Iterator[np.ndarray]:
        indices = range(len(self)) if indices is None else indices
        # Read ahead on two threads (image decoding releases the GIL), a few frames at most, so disk and
        # decoding overlap with whatever the consumer computes; errors still surface at their frame.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="vostok-frames") as pool:
            pending: deque = deque()
            order = iter(indices)
            for i in order:
                pending.append(pool.submit(self.read, i))
                if len(pending) >= self.READ_AHEAD:
                    break
            try:
                while pending:
                    frame = pending.popleft().result()
                    nxt = next(order, None)
                    if nxt is not None:
                        pending.append(pool.submit(self.read, nxt))
                    yield frame
            finally:
                for future in pending:
                    future.cancel()


class _ArraySource:
    def __init__(self, frames, names: Sequence[str] | None):
        if isinstance(frames, np.ndarray) and frames.ndim in (3, 4) and frames.dtype == np.uint8:
            if frames.ndim == 3:  # (T, H, W) grey
                frames = frames[..., None]
            stack = frames
        else:
            stack = list(frames)
        if len(stack) == 0:
            raise InputError("no frames given; a video needs at least one frame.")
        self.frames = [_as_rgb_array(f, i) for i, f in enumerate(stack)]
        self.size = self.frames[0].shape[:2]
        for i, f in enumerate(self.frames):
            if f.shape[:2] != self.size:
                raise InputError(
                    f"frame {i} is {f.shape[1]}x{f.shape[0]} but frame 0 is {self.size[1]}x{self.size[0]}; "
                    "all frames of a video must have one size."
                )
        self.names = list(names) if names is not None else _index_names(len(self.frames))
        if len(self.names) != len(self.frames):
            raise InputError(f"{len(self.names)} names given for {len(self.frames)} frames.")
        self.fps = None

    def __len__(self) -> int:
        return len(self.frames)

    def describe(self, i: int) -> str:
        return f"frame {i}"

    def read(self, i: int) -> np.ndarray:
        return self.frames[i]

    def iterate(self, indices: Sequence[int] | None) -> Iterator[np.ndarray]:
        for i in range(len(self)) if indices is None else indices:
            yield self.frames[i]


class _FileSource:
    def __init__(self, path: Path):
        self.path = path
        info = probe_video(path)
        self.size = (info.height, info.width)
        self.fps = info.fps
        self._declared = info.frames
        self._count: int | None = info.frames or None
        self._seeker: FrameSeeker | None = None
        self._names: list[str] | None = None

    def __len__(self) -> int:
        if self._count is None:  # the container does not say: count by decoding, once
            self._count = count_video_frames(self.path)
        return self._count

    @property
    def names(self) -> list[str]:
        if self._names is None:
            self._names = _index_names(len(self))
        return self._names

    def describe(self, i: int) -> str:
        return f"frame {i} of {self.path}"

    def read(self, i: int) -> np.ndarray:
        if self._seeker is None:
            self._seeker = FrameSeeker(self.path)
        return self._seeker.read(i)

    def iterate(self, indices: Sequence[int] | None) -> Iterator[np.ndarray]:
        if indices is None:  # every frame: one pass, which also settles an undeclared count
            count = 0
            for frame in iter_video_frames(self.path, expected=self._declared or None):
                count += 1
                yield frame
            if self._count is None:
                self._count = count
            return
        if isinstance(indices, range) and indices.start == 0 and indices.step == 1:
            frames = iter_video_frames(self.path, expected=self._declared or None)
            for _, frame in zip(indices, frames, strict=False):
                yield frame
            return
        seeker = FrameSeeker(self.path)  # its own decoder, so v[i] during iteration does not disturb it
        try:
            for i in indices:
                yield seeker.read(i)
        finally:
            seeker.close()

    def close(self) -> None:
        if self._seeker is not None:
            self._seeker.close()
            self._seeker = None


class Video:
    """A clip of RGB ``uint8`` frames ``(H, W, 3)`` with names, count, size and fps; lazy and streaming.

    Cost of ``v[i]``: a folder or arrays, one image read. A video file: the first random access demuxes
    the file once to index frame timestamps (no decoding); each access then seeks to the preceding
    keyframe and decodes at most one GOP, and ascending accesses reuse the decoder (about one frame each).
    Iterate (``for frame in v``) to read every frame: that is a single threaded decoding pass.

    Opening reads headers only; for a video file also its first frame (its display matrix says whether
    the video is shown rotated, as phone videos are; frames are returned upright, as players show them).
    Containers that do not declare a frame count (mkv, webm) are counted by one decoding pass the first
    time ``len()`` or ``names`` is asked for.

    Frame sizes are checked as frames are read: a frame whose size differs from the first raises
    :class:`InputError` naming it.
    """

    def __init__(self, source, indices: Sequence[int] | None = None, max_size: int | None = None, fps=None):
        self._source = source
        self._indices = indices
        self._max_size = max_size
        self._fps = fps

    # ----- construction -------------------------------------------------------------------------------
    @classmethod
    def open(cls, source, fps: float | None = None) -> Video:
        """Open a folder of frames, an image or video file, or a list / ``(T, H, W, 3)`` array of frames.

        ``fps`` overrides (or, for folders and arrays, supplies) the frame rate.
        """
        if isinstance(source, Video):
            return source if fps is None else Video(source._source, source._indices, source._max_size, fps)
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.exists():
                raise InputError(
                    f"video source {path} does not exist (expected a folder of frames or a video)."
                )
            if path.is_dir():
                return cls(_FolderSource(path), fps=fps)
            suffix = path.suffix.lower()
            if suffix in VIDEO_EXTENSIONS:
                return cls(_FileSource(path), fps=fps)
            if suffix in IMAGE_EXTENSIONS:
                return cls.from_frames([read_frame(path)], fps=fps, names=[path.stem])
            raise InputError(
                f"cannot open {path}: unsupported extension '{suffix}'. Give a folder of frames "
                f"({', '.join(IMAGE_EXTENSIONS)}) or a video file ({', '.join(VIDEO_EXTENSIONS)})."
            )
        if isinstance(source, (list, tuple, np.ndarray)) or hasattr(source, "__array__"):
            return cls.from_frames(source, fps=fps)
        raise InputError(
            f"cannot open a video from a {type(source).__name__}; give a path, a list of frames or an array."
        )

    @classmethod
    def from_frames(cls, frames, fps: float | None = None, names: Sequence[str] | None = None) -> Video:
        """A video from in-memory ``(H, W, 3) uint8`` frames (grey ``(H, W)`` and RGBA are converted)."""
        if (
            not isinstance(frames, np.ndarray)
            and hasattr(frames, "__array__")
            and not isinstance(frames, list)
        ):
            frames = np.asarray(frames)
        return cls(_ArraySource(frames, names), fps=fps)

    @classmethod
    def from_paths(
        cls, paths: Sequence[str | os.PathLike], fps: float | None = None, names: Sequence[str] | None = None
    ) -> Video:
        """A lazy video over the given image files, in the given order (names default to the file stems).

        For frames that share a folder with other images, where :meth:`open` on the folder would not do.
        """
        return cls(_FolderSource(None, paths, names), fps=fps)

    # ----- what it is ---------------------------------------------------------------------------------
    def _positions(self) -> Sequence[int]:
        return self._indices if self._indices is not None else range(len(self._source))

    def __len__(self) -> int:
        return len(self._positions())

    @property
    def names(self) -> list[str]:
        """Frame names without extension (file stems for folders, ``00000``... otherwise)."""
        names = self._source.names
        return list(names) if self._indices is None else [names[i] for i in self._indices]

    @property
    def fps(self) -> float | None:
        """Frames per second from the container (or as given); None when unknown (folders of frames)."""
        return self._fps if self._fps is not None else self._source.fps

    @property
    def size(self) -> tuple[int, int]:
        """``(H, W)`` of every frame."""
        h, w = self._source.size
        if self._max_size is None or max(h, w) <= self._max_size:
            return (h, w)
        scale = self._max_size / max(h, w)
        return (max(1, round(h * scale)), max(1, round(w * scale)))

    @property
    def path(self) -> Path | None:
        """The folder or file the frames come from (None for in-memory frames)."""
        return getattr(self._source, "folder", None) or getattr(self._source, "path", None)

    def frame_path(self, i: int) -> Path:
        """The image file of frame ``i`` (videos made of image files only)."""
        if not isinstance(self._source, _FolderSource):
            raise InputError("frame_path() is only defined for a video made of image files.")
        return self._source.paths[self._positions()[self._check_index(i)]]

    def __repr__(self) -> str:
        where = self.path if self.path is not None else "frames in memory"
        h, w = self.size
        return f"Video({where}, {len(self)} frames, {w}x{h}, fps={self.fps})"

    # ----- frames -------------------------------------------------------------------------------------
    def _check_index(self, i: int) -> int:
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"frame index {i} out of range for a video of {n} frames.")
        return i % n

    def _finish(self, frame: np.ndarray, source_index: int) -> np.ndarray:
        if frame.shape[:2] != tuple(self._source.size):
            h, w = self._source.size
            raise InputError(
                f"{self._source.describe(source_index)} is {frame.shape[1]}x{frame.shape[0]} but the video "
                f"is {w}x{h} (the size of its first frame); all frames must have one size."
            )
        if self._max_size is not None and self.size != frame.shape[:2]:
            import cv2

            h, w = self.size
            frame = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
        return frame

    def __getitem__(self, key):
        if isinstance(key, slice):
            return Video(self._source, self._positions()[key], self._max_size, self._fps)
        if not isinstance(key, (int, np.integer)):
            raise TypeError(f"video indices must be integers or slices, not {type(key).__name__}.")
        j = self._positions()[self._check_index(int(key))]
        return self._finish(self._source.read(j), j)

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._indices is None:  # need not know the length first (an mkv would be decoded twice)
            for j, frame in enumerate(self._source.iterate(None)):
                yield self._finish(frame, j)
            return
        for j, frame in zip(self._indices, self._source.iterate(self._indices), strict=True):
            yield self._finish(frame, j)

    def resized(self, max_size: int) -> Video:
        """A lazy view whose frames are downscaled (area interpolation) so the longer side is <= ``max_size``."""
        if max_size < 1:
            raise InputError(f"max_size must be positive; got {max_size}.")
        return Video(self._source, self._indices, max_size, self._fps)

    # ----- resources ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Release an open decoder (video files); the video stays usable and reopens on demand."""
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Video:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getstate__(self) -> dict:
        """Picklable (for data-loader workers): an open decoder is not carried along."""
        self.close()
        return self.__dict__.copy()
