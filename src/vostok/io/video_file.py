"""Video files through PyAV: probing, streaming decode, indexed random access and H.264 writing.

PyAV is the one self-contained reader that is fast and also writes browser-playable H.264
(torchvision 0.29 has no video I/O; OpenCV cannot write H.264).
"""

from __future__ import annotations

import bisect
import contextlib
import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from vostok.errors import InputError
from vostok.io.atomic import atomic_path

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm")
_CONTAINER_FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm", ".avi": "avi"}
_DEFAULT_CODECS = {".webm": "libvpx-vp9"}  # everything else: libx264


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about its first video stream (``frames`` is 0 when it does not say)."""

    width: int  # as displayed (after any rotation the file asks for)
    height: int
    fps: float | None
    frames: int


def _open_container(path: Path):
    import av

    if not path.is_file():
        raise InputError(f"video file {path} does not exist.")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot open {path} as a video ({exc}); is the file complete and a video?") from exc
    if not container.streams.video:
        container.close()
        raise InputError(f"{path} has no video stream.")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return container, stream


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Size (as displayed), fps and the declared frame count of a video file.

    Only the first frame is decoded: its display matrix says whether the video is to be shown rotated
    (phone videos filmed upright), which swaps width and height.
    """
    import av

    path = Path(path)
    container, stream = _open_container(path)
    with container:
        rate = stream.average_rate or stream.guessed_rate
        ctx = stream.codec_context
        if not ctx.width or not ctx.height:
            raise InputError(f"{path} does not declare a frame size; the file looks corrupt.")
        try:
            first = next(container.decode(stream), None)
        except av.error.FFmpegError as exc:
            raise _decode_error(path, 0, exc) from exc
        if first is None:
            raise InputError(f"{path} holds no video frames.")
        width, height = first.width, first.height
        if _quarter_turns(first) % 2:
            width, height = height, width
        return VideoInfo(width, height, float(rate) if rate else None, _declared_frames(stream))


def _declared_frames(stream) -> int:
    """Frames the container declares, minus those its edit list hides (mp4/mov cut without re-encoding
    keep samples that players never show); 0 when it does not say."""
    declared = int(stream.frames or 0)
    entries = stream.index_entries
    if declared and len(entries) == declared:
        declared -= sum(1 for entry in entries if entry.is_discard)
    return declared


def _quarter_turns(frame) -> int:
    """Counter-clockwise quarter turns that display the frame upright (from its display matrix)."""
    return round((frame.rotation or 0) / 90) % 4


def _to_rgb(frame) -> np.ndarray:
    """An ``(H, W, 3) uint8`` RGB array of a decoded frame, rotated as players show it."""
    rgb = frame.to_ndarray(format="rgb24")
    turns = _quarter_turns(frame)
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb


def _decode_error(path: Path, index: int, exc: Exception) -> InputError:
    return InputError(f"cannot decode frame {index} of {path} ({exc}); the file is corrupt or truncated.")


def iter_video_frames(path: str | os.PathLike, expected: int | None = None) -> Iterator[np.ndarray]:
    """Yield every frame of ``path`` as ``(H, W, 3) uint8`` RGB, one at a time (threaded decode).

    With ``expected`` (the frame count the container declared), a stream that ends early is reported as
    truncated instead of silently yielding fewer frames.
    """
    import av

    path = Path(path)
    container, stream = _open_container(path)
    index = 0
    with container:
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:
                raise _decode_error(path, index, exc) from exc
            yield _to_rgb(frame)
            index += 1
    if expected is not None and index < expected:
        raise InputError(
            f"{path} declares {expected} frames but decoding stopped after {index}: frame {index} is "
            "missing; the file is truncated or corrupt."
        )


def count_video_frames(path: str | os.PathLike) -> int:
    """Count frames by decoding (no colour conversion): exact, for containers that do not say."""
    import av

    path = Path(path)
    container, stream = _open_container(path)
    count = 0
    with container:
        try:
            for _ in container.decode(stream):
                count += 1
        except av.error.FFmpegError as exc:
            raise _decode_error(path, count, exc) from exc
    return count


class FrameSeeker:
    """Random access to the frames of one file.

    The first call demuxes the whole file once (packets only, no decoding: about a second per 10k
    frames) to learn each frame's timestamp and the keyframes. AVI has no presentation timestamps, so
    there a backward access decodes again from the first frame. Each access then costs one seek plus
    decoding from the preceding keyframe, i.e. at most one GOP; reading forward within a short distance
    reuses the open decoder, so ascending ``read(i)`` calls cost about one frame each.
    """

    FORWARD_WINDOW = 32

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._container = None
        self._stream = None
        self._frames: Iterator | None = None
        self._next = 0  # index (presentation order) of the frame the open decoder yields next
        self._pts: list[int] | None = None
        self._key_pts: list[int] = []

    def _build_index(self) -> None:
        container, stream = _open_container(self.path)
        pts, keys = [], []
        with container:
            if container.format.name == "avi":  # AVI stores no presentation timestamps: decode in order
                self._pts = []
                return
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                stamp = packet.pts if packet.pts is not None else packet.dts
                if stamp is None:
                    pts = None
                    break
                if packet.is_keyframe:  # hidden keyframes still start the decoding of shown frames
                    keys.append(stamp)
                if not packet.is_discard:
                    pts.append(stamp)
        self._pts = sorted(pts) if pts is not None else []
        self._key_pts = sorted(keys)

    def _restart(self, seek_pts: int | None) -> None:
        self.close()
        self._container, self._stream = _open_container(self.path)
        if seek_pts is not None:
            self._container.seek(seek_pts, stream=self._stream, backward=True, any_frame=False)
        self._frames = self._container.decode(self._stream)

    def read(self, index: int) -> np.ndarray:
        """The frame at ``index`` (presentation order) as ``(H, W, 3) uint8`` RGB."""
        import av

        if self._pts is None:
            self._build_index()
        exact = bool(self._pts) and index < len(self._pts)
        ahead = index - self._next if self._frames is not None and self._next is not None else -1
        near = ahead >= 0 and (ahead <= self.FORWARD_WINDOW or not exact)
        if not near:
            if exact:
                target = self._pts[index]
                k = bisect.bisect_right(self._key_pts, target) - 1
                self._restart(self._key_pts[k] if k >= 0 else None)
                self._next = None  # position known only by timestamp until the target frame
            else:  # no usable timestamps: decode from the start
                self._restart(None)
                self._next = 0
        try:
            for frame in self._frames:
                if self._next is None:
                    if frame.pts is None or frame.pts < self._pts[index]:
                        continue
                    self._next = index
                if self._next == index:
                    self._next += 1
                    return _to_rgb(frame)
                self._next += 1
        except av.error.FFmpegError as exc:
            raise _decode_error(self.path, index, exc) from exc
        self.close()
        raise InputError(
            f"frame {index} of {self.path} could not be decoded; the file is truncated or corrupt."
        )

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = self._stream = self._frames = None


def _even(n: int) -> int:
    return n + (n % 2)


class VideoWriter:
    """Stream RGB frames into a video file, atomically (the file appears complete on :meth:`close`).

    H.264 (libx264, ``yuv420p``) for mp4/mov/mkv/avi, VP9 for webm: what browsers play. ``yuv420p`` needs
    even sizes, so odd widths/heights are padded by one replicated edge row/column (read back, the video
    is then that much larger). All frames must share the first frame's size.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        fps: float = 25.0,
        *,
        codec: str | None = None,
        crf: int = 18,
        preset: str = "medium",
        overwrite: bool = True,
    ):
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in _CONTAINER_FORMATS:
            raise InputError(
                f"cannot write video {self.path}: unsupported extension '{suffix}' "
                f"(use one of {', '.join(VIDEO_EXTENSIONS)})."
            )
        if not fps or fps <= 0:
            raise InputError(f"fps must be positive; got {fps}.")
        self._format = _CONTAINER_FORMATS[suffix]
        self._codec = codec or _DEFAULT_CODECS.get(suffix, "libx264")
        self._options = {"crf": str(crf)}
        if self._codec == "libx264":
            self._options["preset"] = preset
        elif self._codec == "libvpx-vp9":
            self._options.update({"b": "0", "deadline": "realtime", "cpu-used": "8"})
        self._rate = Fraction(fps).limit_denominator(100_000)
        self._exit = ExitStack()
        self._tmp = self._exit.enter_context(atomic_path(self.path, overwrite=overwrite))
        self._container = None
        self._stream = None
        self._size: tuple[int, int] | None = None
        self.frames_written = 0

    def _start(self, height: int, width: int) -> None:
        import av

        self._container = av.open(str(self._tmp), "w", format=self._format)
        self._stream = self._container.add_stream(self._codec, rate=self._rate)
        self._stream.width, self._stream.height = _even(width), _even(height)
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.time_base = 1 / self._rate
        self._stream.options = self._options
        self._size = (height, width)

    def write(self, frame: np.ndarray) -> None:
        """Append one ``(H, W, 3) uint8`` RGB frame."""
        import av

        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise InputError(f"a video frame must be (H, W, 3) uint8 RGB; got {frame.shape} {frame.dtype}.")
        if self._container is None:
            self._start(*frame.shape[:2])
        if frame.shape[:2] != self._size:
            raise InputError(
                f"frame {self.frames_written} is {frame.shape[1]}x{frame.shape[0]} but the video is "
                f"{self._size[1]}x{self._size[0]}; all frames of a video must have one size."
            )
        h, w = self._size
        if (h % 2) or (w % 2):
            frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        out = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        out.pts = self.frames_written
        out.time_base = 1 / self._rate
        for packet in self._stream.encode(out):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and move the finished file into place."""
        if self._container is None and self.frames_written == 0:
            self.abort()
            raise InputError(f"no frames were written to {self.path}; a video needs at least one frame.")
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
            self._container.close()
            self._container = None
        except BaseException:
            self.abort()
            raise
        self._exit.close()

    def abort(self) -> None:
        """Drop the partial file; nothing appears at ``path``."""
        if self._container is not None:
            with contextlib.suppress(Exception):  # already failing; the temp file is removed below
                self._container.close()
            self._container = None
        self._exit.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_video(
    path: str | os.PathLike,
    frames: Iterable[np.ndarray],
    fps: float = 25.0,
    *,
    codec: str | None = None,
    crf: int = 18,
    preset: str = "medium",
    overwrite: bool = True,
) -> int:
    """Write ``(H, W, 3) uint8`` RGB frames as a video file (H.264/yuv420p; VP9 for webm); returns the count.

    Frames are streamed, so a generator of any length is fine. See :class:`VideoWriter` for odd sizes.
    """
    with VideoWriter(path, fps, codec=codec, crf=crf, preset=preset, overwrite=overwrite) as writer:
        for frame in frames:
            writer.write(frame)
    return writer.frames_written
