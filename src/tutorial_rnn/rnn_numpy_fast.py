"""The fast twin of :class:`~tutorial_rnn.rnn_numpy.RNNNumpy`.

:class:`FastRNNNumpy` is an ``RNNNumpy`` (same parameters, same
initialisation, same checkpoints, same gradient check) that overrides the
three expensive methods with today's tricks, each explained in the book's
appendix "Making NumPy fast":

- :meth:`FastRNNNumpy.total_loss`: sentences of similar length run side by
  side in buckets; the output layer is made tile by tile in a buffer that
  stays in cache; ``exp`` runs as the cheaper ``exp2``; threads share the
  buckets; an optional float32 sum over the vocabulary.
- :meth:`FastRNNNumpy.bptt`: truncated BPTT lag by lag (``k + 1`` matrix
  products over all steps) instead of step by step.
- :meth:`FastRNNNumpy.sgd_step`: the gradients are never built; the
  softmax is never normalised; ``V``'s update accumulates into ``V``
  through BLAS ``dgemm`` (``C ← αAB + βC``).

The tests prove each method equal to the plain one (float64, 1e-12
relative). This is the only module of the package that uses SciPy's BLAS
or threadpoolctl.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.linalg.blas import dgemm
from threadpoolctl import threadpool_limits

from .rnn_numpy import NOT_FINITE, Ids, RNNNumpy
from .validation import check_learning_rate, check_pair, check_pairs

__all__ = [
    "LOSS_BUCKET",
    "LOSS_THREADS",
    "LOSS_TILE",
    "FastRNNNumpy",
    "column_blocks",
    "exp_scores",
    "tile_scores",
]

#: Sentences that :meth:`FastRNNNumpy.total_loss` runs side by side.
LOSS_BUCKET = 32
#: Words × vocabulary columns in one tile of the loss's output layer:
#: 512 × 500 float32 scores are 1 MB, so a tile stays in a core's cache
#: (2 MB of L2 here) from the product through ``exp`` to the row sums.
LOSS_TILE = (512, 500)
#: ``log2 e``: ``exp(z) = 2 ** (z log2 e)``, and ``exp2`` is cheaper.
LOG2_E = float(np.log2(np.e))
#: Threads that share the loss's buckets (one BLAS thread each).
LOSS_THREADS = max(1, min(4, os.cpu_count() or 1))


class FastRNNNumpy(RNNNumpy):
    """:class:`~tutorial_rnn.rnn_numpy.RNNNumpy`, fast; same numbers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._E: np.ndarray | None = None  # sgd_step's (T, V) buffer

    # ------------------------------------------------------------ loss
    def padded_states(
        self, X: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hidden states of several (checked) sentences run side by side.

        One ``(B, H) @ (H, H)`` product per time step replaces ``B``
        products ``W s_{t-1}``; ended sentences are padded with id 0.

        Returns
        -------
        S : numpy.ndarray, shape (B, T, H)
            ``S[b, t]`` is ``s_t`` of sentence ``b`` for ``t < T_b``.
        mask : numpy.ndarray of bool, shape (B, T)
            True at real words, False at padding.
        """
        lengths = np.array([len(x) for x in X])
        mask = np.arange(lengths.max()) < lengths[:, None]  # (B, T)
        x = np.zeros(mask.shape, np.intp)
        x[mask] = np.concatenate(X)
        S = self.U.T[x.T]  # (T, B, H): every input U[:, x_t] at once
        np.tanh(S[0], out=S[0])  # s_{-1} = 0
        for t in range(1, len(S)):
            S[t] += S[t - 1] @ self.W.T
            np.tanh(S[t], out=S[t])
        return S.transpose(1, 0, 2), mask

    def total_loss(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        dtype: type = np.float64,
    ) -> float:
        """As :meth:`RNNNumpy.total_loss`, fast.

        Each word costs ``log sum_j exp(z_tj) - z_t[y_t]``. The picked
        score is one row of ``V`` times ``s_t``; the sum over the
        vocabulary is made in tiles (:data:`LOSS_TILE`) by threads
        (:data:`LOSS_THREADS`) over length buckets (:data:`LOSS_BUCKET`).
        ``dtype=np.float32`` computes that sum in single precision (the
        states, picked scores and totals stay float64): about twice as
        fast, about 1e-7 relative error per word.
        """
        check_pairs(X, Y)
        pairs = [
            check_pair(x, y, self.vocab_size)
            for x, y in zip(X, Y, strict=True)
        ]
        if dtype not in (np.float32, np.float64):
            raise ValueError(
                f"dtype must be np.float32 or np.float64, got {dtype!r}"
            )
        rows, cols = LOSS_TILE
        # |z_i| <= sum_j |V_ij| because |s_j| < 1: while that bound is far
        # from overflow, the shift by each row's maximum can be skipped
        limit = 0.9 * np.log(np.finfo(dtype).max)
        with np.errstate(over="ignore"):
            shift = not np.abs(self.V).sum(axis=1).max() <= limit
        if not shift:
            Vt2 = np.ascontiguousarray(self.V.T * LOG2_E, dtype=dtype)
            blocks = column_blocks(Vt2, cols)
            ones = np.ones(cols, dtype)

        def log_sums(s: np.ndarray, buffer: np.ndarray) -> np.ndarray:
            """``log sum_j exp(z_tj)`` for rows ``s`` (n, H), float64."""
            if shift:  # rare: scores that overflow exp, in float64
                z = s.astype(np.float64) @ self.V.T
                m = z.max(axis=1, keepdims=True)
                return m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
            sums = np.zeros(len(s), dtype)
            for block in blocks:
                z = tile_scores(s, block, buffer)
                np.exp2(z, out=z)
                sums += z @ ones[: z.shape[1]]  # row sums as one BLAS pass
            return np.log(sums.astype(np.float64))

        def bucket_loss(bucket: list[tuple[np.ndarray, np.ndarray]]) -> float:
            S, mask = self.padded_states([x for x, _ in bucket])
            S = S[mask]  # (words, H), sentence after sentence
            y = np.concatenate([y for _, y in bucket])
            total = -float(np.einsum("ij,ij->", S, self.V[y]))  # -z_t[y_t]
            S = S.astype(dtype, copy=False)
            buffer = np.empty(rows * cols, dtype)  # one tile, reused
            for i in range(0, len(S), rows):
                total += float(log_sums(S[i : i + rows], buffer).sum())
            return total

        by_length = sorted(pairs, key=lambda p: len(p[0]), reverse=True)
        buckets = [
            by_length[b : b + LOSS_BUCKET]
            for b in range(0, len(pairs), LOSS_BUCKET)
        ]
        if len(buckets) == 1 or LOSS_THREADS == 1:
            return float(sum(map(bucket_loss, buckets)))
        # the longest buckets go first, so no thread ends on a long one
        with (
            threadpool_limits(limits=1, user_api="blas"),
            ThreadPoolExecutor(LOSS_THREADS) as pool,
        ):
            return float(sum(pool.map(bucket_loss, buckets)))

    # -------------------------------------------------------- backward
    def state_errors(self, s: np.ndarray, ds: np.ndarray) -> np.ndarray:
        """The errors ``δ_t = ∂L/∂a_t`` at the pre-activations, (T, H).

        ``ds[t]`` (T, H) is the error output ``t`` sends to ``s_t``. With
        truncation ``k`` the backward pass runs lag by lag: ``D_j[t]``,
        the error of output ``t + j`` at step ``t``, is
        ``D_{j-1}[t + 1] W`` times ``tanh'`` at ``t``, so ``k + 1``
        products over all steps replace ``T`` small ones;
        ``δ_t = D_0[t] + ... + D_k[t]``.
        """
        T, k = len(s), self.bptt_truncate
        one_minus_s2 = 1.0 - s**2  # tanh' at every step
        delta = np.empty((T, self.hidden_size))
        if k is None:
            carry = np.zeros(self.hidden_size)
            for t in range(T - 1, -1, -1):
                carry = (ds[t] + carry) * one_minus_s2[t]
                delta[t] = carry
                carry = carry @ self.W  # W^T delta, as a row vector
        else:
            D = ds * one_minus_s2  # D_0: each output's own step
            delta[:] = D
            for j in range(1, min(k, T - 1) + 1):
                D = (D[1:] @ self.W) * one_minus_s2[: T - j]
                delta[: T - j] += D
        return delta

    def bptt(self, x: Ids, y: Ids) -> tuple[np.ndarray, ...]:
        """As :meth:`RNNNumpy.bptt`; the big products run once for all t."""
        x, y = check_pair(x, y, self.vocab_size)
        o, s = self.forward(x)
        delta_o = o
        delta_o[np.arange(len(y)), y] -= 1.0  # o_t - e_{y_t}, in place
        delta = self.state_errors(s, delta_o @ self.V)
        s_prev = np.vstack([np.zeros(self.hidden_size), s[:-1]])
        dV = delta_o.T @ s  # sum over t of outer(delta_o_t, s_t)
        dW = delta.T @ s_prev  # sum over t of outer(delta_t, s_{t-1})
        dU = np.zeros_like(self.U)
        np.add.at(dU.T, x, delta)  # column x_t of dU receives delta_t
        return dU, dV, dW

    # -------------------------------------------------------- training
    def sgd_step(self, x: Ids, y: Ids, learning_rate: float) -> float:
        """As :meth:`RNNNumpy.sgd_step`, without building the gradients.

        Only the columns of ``U`` for the sentence's words change. With
        ``E = exp(z)`` and row sums ``Σ``, the output error is
        ``δ_o = (E - Σ e_y) / Σ``: the division moves onto the small
        (T, H) factors of the two products that use ``δ_o``. ``V``'s
        update, ``Vᵀ ← Vᵀ - η sᵀ δ_o``, is one ``dgemm``
        (``β = 1``), accumulated in place into ``Vᵀ`` (column-major, as
        BLAS wants it, because ``V`` is row-major): ``V`` stays the same
        array.
        """
        lr = check_learning_rate(learning_rate)
        x, y = check_pair(x, y, self.vocab_size)
        T = len(x)
        if self.V.dtype != np.float64:  # assigned so: the step is float64
            self.V = self.V.astype(np.float64)
        if self._E is None or len(self._E) < T:  # reused: no page faults
            self._E = np.empty((max(T, 64), self.vocab_size))
        s = self.states(x)
        E, total = exp_scores(s, self.V, out=self._E[:T])
        picked = E[np.arange(T), y]  # o_t[y_t] = picked / total
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = float(np.sum(np.log(total) - np.log(picked)))
        if np.isfinite(total).all() and not picked.min() > 0:
            loss = RNNNumpy.total_loss(self, [x], [y])  # o_t[y_t] underflows
        if not (np.isfinite(loss) and np.isfinite(s).all()):
            raise FloatingPointError(NOT_FINITE)
        # δ_o = (E_t - Σ_t e_{y_t}) / Σ_t: subtract now, divide later
        E[np.arange(T), y] -= total
        scale = 1.0 / total
        ds = dgemm(1.0, self.V.T, E.T).T * scale[:, None]  # δ_o V
        delta = self.state_errors(s, ds)
        # Vᵀ ← Vᵀ - lr sᵀ δ_o, accumulated in place (β = 1)
        Vt = dgemm(
            -lr,
            (scale[:, None] * s).T,
            E.T,
            beta=1.0,
            c=self.V.T,
            trans_b=1,
            overwrite_c=True,
        )
        if not np.shares_memory(Vt, self.V):  # V was not float64 row-major
            self.V[...] = Vt.T
        s_prev = np.vstack([np.zeros(self.hidden_size), s[:-1]])
        self.W -= lr * (delta.T @ s_prev)
        np.subtract.at(self.U.T, x, lr * delta)  # only the columns x_t
        return loss


def exp_scores(
    s: np.ndarray, V: np.ndarray, out: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``E = exp(s Vᵀ)`` in ``out`` (T, V), and its row sums (T,).

    The usual shift by each row's maximum is skipped: it only matters when
    ``exp`` overflows or a whole row underflows, which shows in the sums,
    and only then are the scores computed again, shifted. The product runs
    as ``dgemm`` on the transposes, ``Eᵀ = V sᵀ`` (``Vᵀ`` and ``out``ᵀ
    are column-major), with ``α = log2 e`` so ``exp`` becomes ``exp2``.
    """
    E = dgemm(LOG2_E, V.T, s.T, trans_a=1, c=out.T, overwrite_c=True).T
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        np.exp2(E, out=E)
    sums = E @ np.ones(E.shape[1])  # row sums as one BLAS pass
    if not (np.isfinite(sums).all() and sums.min() > 1e-200):
        np.matmul(s, V.T, out=E)
        E -= E.max(axis=1, keepdims=True)
        np.exp(E, out=E)
        sums = E.sum(axis=1)
    return E, sums


def column_blocks(Vt: np.ndarray, width: int) -> list[np.ndarray]:
    """``Vt`` (H, V) cut into contiguous (H, width) blocks of columns."""
    return [
        np.ascontiguousarray(Vt[:, j : j + width])
        for j in range(0, Vt.shape[1], width)
    ]


def tile_scores(
    s: np.ndarray, block: np.ndarray, buffer: np.ndarray
) -> np.ndarray:
    """The tile ``s @ block`` (n, width) in the front of ``buffer``."""
    out = buffer[: len(s) * block.shape[1]].reshape(len(s), -1)
    return np.matmul(s, block, out=out)
