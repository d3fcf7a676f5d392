"""Memory readout: the L2 affinity between memory and query keys, with a top-k or full softmax over
the memory axis, computed in chunks so the full (memory x query) affinity is never held at once."""

from __future__ import annotations

import math

import torch

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


def topk_readout(
    mem_key: torch.Tensor,
    mem_value: torch.Tensor,
    query_key: torch.Tensor,
    top_k: int,
    block_elements: int = DEFAULT_BLOCK_ELEMENTS,
) -> torch.Tensor:
    """Read memory values with a top-k softmax over the memory axis (STCN's eval readout).

    ``mem_key (C, N)``, ``mem_value (K, Cv, N)`` (one affinity shared by the K objects), ``query_key
    (C, M)`` -> ``(K, Cv, M)``. The memory axis is scanned in blocks keeping a running top-k, and the
    query axis is chunked, so peak memory is O(block) rather than O(N x M). The max is subtracted before
    the exponent (the authors' main branch does not; the result is the same without overflow).
    """
    n, m = mem_key.shape[1], query_key.shape[1]
    k = min(top_k, n)
    q_chunk = max(1, min(m, block_elements // max(n, 1)))
    m_chunk = max(k, min(n, block_elements // max(min(m, q_chunk), 1)))
    out = []
    for q0 in range(0, m, q_chunk):
        qk = query_key[:, q0 : q0 + q_chunk]
        top_val, top_idx = None, None
        for n0 in range(0, n, m_chunk):
            aff = l2_affinity(mem_key[:, n0 : n0 + m_chunk], qk)
            val, idx = aff.topk(min(k, aff.shape[0]), dim=0)
            idx = idx + n0
            if top_val is not None:
                val, sel = torch.cat([top_val, val]).topk(k, dim=0)
                idx = torch.cat([top_idx, idx]).gather(0, sel)
            top_val, top_idx = val, idx
        weights = torch.softmax(top_val, dim=0)  # (k, mq)
        out.append(_sparse_weighted_sum(mem_value, top_idx, weights))
    return torch.cat(out, dim=-1)


def _sparse_weighted_sum(mem_value: torch.Tensor, idx: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``sum_j weights[j, q] * mem_value[:, :, idx[j, q]]`` as a dense (N x mq) matmul (fast on all devices)."""
    dense = torch.zeros(mem_value.shape[-1], idx.shape[1], dtype=weights.dtype, device=weights.device)
    dense.scatter_(0, idx, weights)
    return mem_value.float() @ dense


def softmax_readout(
    mem_key: torch.Tensor,
    mem_value: torch.Tensor,
    query_key: torch.Tensor,
    block_elements: int = DEFAULT_BLOCK_ELEMENTS,
) -> torch.Tensor:
    """Read memory with a full softmax over the memory axis; query axis chunked. Shapes as topk_readout."""
    n, m = mem_key.shape[1], query_key.shape[1]
    q_chunk = max(1, min(m, block_elements // max(n, 1)))
    out = []
    for q0 in range(0, m, q_chunk):
        aff = l2_affinity(mem_key, query_key[:, q0 : q0 + q_chunk])
        out.append(mem_value.float() @ torch.softmax(aff, dim=0))
    return torch.cat(out, dim=-1)
