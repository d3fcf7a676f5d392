"""Memory readout: the L2 affinity between memory and query keys, with a top-k or full softmax over
the memory axis, computed in chunks so the full (memory x query) affinity is never held at once.

The memory may be given as one tensor or as a list of per-frame blocks (what :class:`MemoryBank` holds):
blocks are read in place, so a growing memory is never concatenated into a second copy of itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch

Memory = torch.Tensor | Sequence[torch.Tensor]  # (..., N) or blocks (..., N_i) along the last axis

# Elements of one affinity block (memory positions x query positions); ~64 MB in float32.
DEFAULT_BLOCK_ELEMENTS = 16 * 1024 * 1024


def l2_affinity(mem_key: torch.Tensor, query_key: torch.Tensor) -> torch.Tensor:
    """``(2 m.q - |m|^2) / sqrt(C)`` for memory keys ``(C, N)`` and query keys ``(C, M)`` -> ``(N, M)``.

    This is the negative squared distance without the ``|q|^2`` term, which cancels in a softmax over N.
    """
    mk = mem_key.float()
    qk = query_key.float()
    a_sq = mk.pow(2).sum(0).unsqueeze(1)
    return (2 * (mk.transpose(0, 1) @ qk) - a_sq) / math.sqrt(mk.shape[0])


class ColumnBlocks:
    """Column ranges of the virtual concatenation of ``blocks`` along the last axis, without building it."""

    def __init__(self, memory: Memory) -> None:
        self.blocks = [memory] if isinstance(memory, torch.Tensor) else list(memory)
        if not self.blocks:
            raise ValueError("the memory is empty")
        self.starts = [0]
        for block in self.blocks:
            self.starts.append(self.starts[-1] + block.shape[-1])

    @property
    def columns(self) -> int:
        return self.starts[-1]

    def slice(self, start: int, stop: int) -> torch.Tensor:
        """Columns ``start:stop``: a view when they lie in one block, else a copy of just those columns."""
        parts = []
        for block, b0, b1 in zip(self.blocks, self.starts[:-1], self.starts[1:], strict=True):
            if b1 > start and b0 < stop:
                parts.append(block[..., max(start, b0) - b0 : min(stop, b1) - b0])
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)

    def chunks(self, size: int) -> Iterator[tuple[int, torch.Tensor]]:
        """``(start, columns)`` covering every column in order, each at most ``size`` wide (or one block).

        Consecutive blocks that fit together are joined (a copy of at most ``size`` columns, so GPUs get
        few large matmuls); a block wider than ``size`` is cut into views.
        """
        start = stop = 0
        for b1 in self.starts[1:]:
            if b1 - start > size and stop > start:
                yield start, self.slice(start, stop)
                start = stop
            while b1 - start > size:
                yield start, self.slice(start, start + size)
                start += size
            stop = b1
        if stop > start:
            yield start, self.slice(start, stop)


def topk_readout(
    mem_key: Memory,
    mem_value: Memory,
    query_key: torch.Tensor,
    top_k: int,
    block_elements: int = DEFAULT_BLOCK_ELEMENTS,
) -> torch.Tensor:
    """Read memory values with a top-k softmax over the memory axis (STCN's eval readout).

    ``mem_key (C, N)``, ``mem_value (K, Cv, N)`` (one affinity shared by the K objects; either may be a
    list of per-frame blocks), ``query_key (C, M)`` -> ``(K, Cv, M)``. The memory axis is scanned in blocks
    keeping a running top-k, and the query axis is chunked, so peak memory is O(block) rather than
    O(N x M). The max is subtracted before the exponent (the authors' main branch does not; the result is
    the same without overflow).
    """
    keys, values = ColumnBlocks(mem_key), ColumnBlocks(mem_value)
    n, m = keys.columns, query_key.shape[1]
    k = min(top_k, n)
    # square-ish affinity blocks: the memory axis is chunked too, so a long memory is read a few frames
    # at a time (joining at most ``side`` columns of small blocks) rather than joined whole
    side = math.isqrt(block_elements)
    q_chunk = max(1, min(m, block_elements // max(min(n, side), 1)))
    m_chunk = max(k, min(n, side, block_elements // q_chunk))
    out = []
    for q0 in range(0, m, q_chunk):
        qk = query_key[:, q0 : q0 + q_chunk]
        top_val, top_idx = None, None
        for n0, key_chunk in keys.chunks(m_chunk):
            aff = l2_affinity(key_chunk, qk)
            val, idx = aff.topk(min(k, aff.shape[0]), dim=0)
            idx = idx + n0
            if top_val is not None:
                val, sel = torch.cat([top_val, val]).topk(k, dim=0)
                idx = torch.cat([top_idx, idx]).gather(0, sel)
            top_val, top_idx = val, idx
        weights = torch.softmax(top_val, dim=0)  # (k, mq)
        out.append(_sparse_weighted_sum(values, top_idx, weights, m_chunk))
    return torch.cat(out, dim=-1)


def _sparse_weighted_sum(
    values: ColumnBlocks, idx: torch.Tensor, weights: torch.Tensor, chunk: int
) -> torch.Tensor:
    """``sum_j weights[j, q] * value[:, :, idx[j, q]]`` as dense (chunk x mq) matmuls (fast on all devices)."""
    total = None
    for n0, value_chunk in values.chunks(chunk):
        local = idx - n0
        inside = (local >= 0) & (local < value_chunk.shape[-1])
        dense = torch.zeros(value_chunk.shape[-1], idx.shape[1], dtype=weights.dtype, device=weights.device)
        # top-k indices are distinct per query, so adding equals assigning; outsiders add a zero at row 0
        dense.scatter_add_(0, local.clamp(0, value_chunk.shape[-1] - 1), weights * inside)
        part = value_chunk.float() @ dense
        total = part if total is None else total + part
    return total


def softmax_readout(
    mem_key: Memory,
    mem_value: Memory,
    query_key: torch.Tensor,
    block_elements: int = DEFAULT_BLOCK_ELEMENTS,
) -> torch.Tensor:
    """Read memory with a full softmax over the memory axis; query axis chunked. Shapes as topk_readout."""
    keys, values = ColumnBlocks(mem_key), ColumnBlocks(mem_value)
    n, m = keys.columns, query_key.shape[1]
    q_chunk = max(1, min(m, block_elements // max(n, 1)))
    key, value = keys.slice(0, n), values.slice(0, n).float()  # small memories only (first/last frame)
    out = []
    for q0 in range(0, m, q_chunk):
        aff = l2_affinity(key, query_key[:, q0 : q0 + q_chunk])
        out.append(value @ torch.softmax(aff, dim=0))
    return torch.cat(out, dim=-1)
