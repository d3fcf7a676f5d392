"""COCO run-length encoding (via pycocotools) of label maps, and the per-frame RLE JSON file.

An RLE is COCO's ``{"size": [H, W], "counts": str}`` (compressed counts, column-major), so any COCO tool
decodes it. The JSON file is a list with one record per frame, in order, empty frames included::

    [{"frame": "00000", "size": [H, W],
      "objects": [{"object_id": 1, "segmentation": {"size": [H, W], "counts": "..."},
                   "area": 1234, "bbox": [x, y, w, h]}, ...]},
     ...]
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from pycocotools import mask as coco_mask

from vostok.errors import InputError
from vostok.io.atomic import atomic_path
from vostok.io.masks import VOID_ID, object_ids


def encode_mask(mask: np.ndarray) -> dict:
    """COCO RLE of one ``(H, W)`` binary mask, with ``counts`` as ``str`` (JSON-ready)."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise InputError(f"a mask must be 2-D (H, W); got shape {mask.shape}.")
    rle = coco_mask.encode(np.asfortranarray(mask.astype(bool), dtype=np.uint8))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")}


def decode_mask(rle: Mapping) -> np.ndarray:
    """The ``(H, W) bool`` mask of a COCO RLE (``counts`` as str or bytes)."""
    try:
        with warnings.catch_warnings():  # pycocotools' Mask.__array__ predates numpy 2's copy keyword
            warnings.simplefilter("ignore", DeprecationWarning)
            return coco_mask.decode(dict(rle)).astype(bool)
    except Exception as exc:  # pycocotools raises bare TypeError/KeyError on malformed input
        raise InputError(f"not a valid COCO RLE ({exc}): {str(dict(rle))[:80]}") from exc


def encode_label_map(labels: np.ndarray, void_id: int | None = VOID_ID) -> dict[int, dict]:
    """``{object_id: coco_rle}`` for every object in an ``(H, W)`` label map (background and void left out)."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise InputError(f"a label map must be 2-D (H, W); got shape {labels.shape}.")
    return {i: encode_mask(labels == i) for i in object_ids(labels, void_id=void_id)}


def decode_label_map(objects: Mapping[int, Mapping], size: tuple[int, int] | None = None) -> np.ndarray:
    """Rebuild a ``(H, W) uint8`` label map from ``{object_id: coco_rle}``; later objects win overlaps.

    ``size`` is needed only when ``objects`` is empty.
    """
    if size is None:
        if not objects:
            raise InputError("cannot rebuild a label map from no objects without its size.")
        size = tuple(next(iter(objects.values()))["size"])
    labels = np.zeros(size, dtype=np.uint8)
    for object_id, rle in objects.items():
        mask = decode_mask(rle)
        if mask.shape != tuple(size):
            raise InputError(f"object {object_id} has size {list(mask.shape)}, not {list(size)}.")
        labels[mask] = int(object_id)
    return labels


def _frame_record(frame: str, objects: Mapping[int, Mapping], size) -> dict:
    records = []
    for object_id, rle in objects.items():
        if not 0 < int(object_id) < 256:
            raise InputError(f"frame {frame}: object id {object_id} is not in 1..255.")
        coco = {"size": list(rle["size"]), "counts": rle["counts"]}
        if isinstance(coco["counts"], bytes):
            coco["counts"] = coco["counts"].decode("ascii")
        records.append(
            {
                "object_id": int(object_id),
                "segmentation": coco,
                "area": int(coco_mask.area(coco)),
                "bbox": [float(x) for x in coco_mask.toBbox(coco)],
            }
        )
        size = size or coco["size"]
    return {"frame": str(frame), "size": list(size) if size else None, "objects": records}


def write_rle_json(
    path: str | os.PathLike,
    items: Mapping[str, Mapping[int, Mapping]],
    size: tuple[int, int] | None = None,
    overwrite: bool = False,
) -> None:
    """Write ``{frame_name: {object_id: coco_rle}}`` (frames in order) as the RLE JSON file, atomically.

    ``size`` (H, W) is recorded for frames without objects; frames with objects take it from their RLEs.
    Refuses to replace an existing file unless ``overwrite=True``.
    """
    if not isinstance(items, Mapping):
        raise InputError("items must map frame names to {object_id: rle} dicts.")
    frames = [_frame_record(frame, objects, size) for frame, objects in items.items()]
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(frames, separators=(",", ":")))


def read_rle_json(path: str | os.PathLike) -> dict[str, dict[int, dict]]:
    """Read an RLE JSON file back as ``{frame_name: {object_id: coco_rle}}``, in file order."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"RLE file {path} does not exist.")
    try:
        frames = json.loads(path.read_text())
        return {
            rec["frame"]: {int(obj["object_id"]): obj["segmentation"] for obj in rec["objects"]}
            for rec in frames
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a vostok RLE JSON file ({exc!r}).") from exc


def read_rle_label_maps(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an RLE JSON file as ``{frame_name: (H, W) uint8 label map}``, empty frames included."""
    path = Path(path)
    objects = read_rle_json(path)
    sizes = {rec["frame"]: rec.get("size") for rec in json.loads(path.read_text())}
    out = {}
    for frame, objs in objects.items():
        size = sizes.get(frame)
        if not objs and not size:
            raise InputError(f"{path}: frame {frame} has no objects and no recorded size.")
        out[frame] = decode_label_map(objs, tuple(size) if size else None)
    return out
