"""A word-level RNN language model in NumPy, written to read like the math.

For a sentence of word ids ``x_0 .. x_{T-1}`` and the hidden state ``s_{-1} = 0``::

    s_t = tanh(U[:, x_t] + W s_{t-1})        U: (H, V)   W: (H, H)   s_t: (H,)
    o_t = softmax(V s_t)                      V: (V, H)   o_t: (V,)

``U[:, x_t]`` is ``U`` times the one-hot vector of ``x_t``, done as a column lookup. The loss is
the cross-entropy of the next word, ``L = -sum_t log o_t[y_t]``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.linalg.blas import dgemm
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from . import data as _data
from .gradcheck import GradientCheck, gradient_check
from .sampling import sample_words
from .validation import as_ids, check_learning_rate, check_pair

__all__ = ["RNNNumpy", "TrainingHistory", "softmax"]

#: Sentences that :meth:`RNNNumpy.loss` runs side by side (sorted by length, so little is padding).
LOSS_BUCKET = 32
#: Words × vocabulary columns in one tile of :meth:`RNNNumpy.loss`'s output layer. 512 × 500
#: float32 scores are 1 MB, so a tile stays in a core's cache (2 MB of L2 here) from the product
#: through ``exp`` to the row sums, instead of going out to memory and back.
LOSS_TILE = (512, 500)
#: ``log2 e``: ``exp(z) = 2 ** (z log2 e)``, and NumPy's ``exp2`` is cheaper than its ``exp``.
LOG2_E = float(np.log2(np.e))
#: Threads that share the buckets of :meth:`RNNNumpy.loss` (each uses one BLAS thread).
LOSS_THREADS = max(1, min(4, os.cpu_count() or 1))


def softmax(z: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Softmax over the last axis, computed safely.

    The textbook safeguard subtracts each row's maximum before ``exp``. That costs a full pass
    over the scores, and it only matters when a score is near float64's limits (``exp`` overflows
    above about 709 and underflows below about -745), so the shift is applied only then.
    With ``inplace=True`` the scores ``z`` are overwritten by the probabilities: at V = 8000 this
    saves allocating (and page-faulting) T×V temporaries, which costs more than the arithmetic.
    """
    out = z if inplace else z.copy()
    row_max = out.max(axis=-1, keepdims=True)
    if row_max.max() > 700.0 or row_max.min() < -700.0:
        out -= row_max
    np.exp(out, out=out)
    out *= 1.0 / out.sum(axis=-1, keepdims=True)
    return out


def _exp_scores(
    s: np.ndarray, V: np.ndarray, out: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``E = exp(s Vᵀ)`` in the buffer ``out``, without the usual shift by each row's maximum.

    Returns ``E`` (T, V) and its row sums. The shift costs a full pass over the (T, V) scores
    and only matters when ``exp`` overflows, or when a whole row underflows. Both show in the
    row sums (infinite, or tiny), and only then are the scores computed again and shifted.
    Callers use ``E / sums``, which the shift does not change.

    The product runs as BLAS's ``dgemm`` on the transposes, ``Eᵀ = V sᵀ``: ``V`` is kept
    column-major, and a row-major (T, V) array is a column-major (V, T) one, so no array is
    copied and ``out`` is written in place. Its ``α`` scales the scores by ``log2 e`` for free,
    and ``exp(z) = 2 ** (z log2 e)`` then runs as NumPy's cheaper ``exp2``.
    """
    E = dgemm(LOG2_E, V, s.T, c=out.T, overwrite_c=True).T
    with np.errstate(over="ignore", under="ignore"):
        np.exp2(E, out=E)
    sums = E @ np.ones(E.shape[1])  # row sums as one BLAS pass
    if not (np.isfinite(sums).all() and sums.min() > 1e-200):
        np.matmul(s, V.T, out=E)
        E -= E.max(axis=1, keepdims=True)
        np.exp(E, out=E)
        sums = E.sum(axis=1)
    return E, sums


def _column_blocks(Vt: np.ndarray, width: int) -> list[np.ndarray]:
    """``Vt`` (H, V) cut into contiguous (H, width) blocks of columns; the last may be narrower."""
    return [
        np.ascontiguousarray(Vt[:, j : j + width])
        for j in range(0, Vt.shape[1], width)
    ]


def _tile_scores(
    s: np.ndarray, block: np.ndarray, buffer: np.ndarray
) -> np.ndarray:
    """The tile of scores ``s @ block``, (n, width), written into the front of the flat ``buffer``."""
    return np.matmul(
        s, block, out=buffer[: len(s) * block.shape[1]].reshape(len(s), -1)
    )


def _log_softmax_at(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log softmax(z)[t, y_t]`` for each row ``t`` of ``z``, computed stably."""
    m = z.max(axis=1)
    return (
        z[np.arange(len(y)), y]
        - m
        - np.log(np.exp(z - m[:, None]).sum(axis=1))
    )


@dataclass
class TrainingHistory:
    """What :meth:`RNNNumpy.train` records each time it evaluates the loss."""

    examples_seen: list[int]
    loss: list[float]
    learning_rate: list[float]


class RNNNumpy:
    """A plain (Elman) RNN language model with hand-written backpropagation through time.

    Parameters
    ----------
    vocab_size : int
        ``V``, the number of words (rows of the output layer).
    hidden_size : int
        ``H``, the size of the hidden state.
    bptt_truncate : int or None
        Backpropagate each output's error at most this many steps back (the 2015 tutorial's
        rule: output ``t`` reaches steps ``max(0, t - k) .. t``). ``None`` means full BPTT.
    seed : int
        Seeds the initialisation.

    Attributes
    ----------
    U : numpy.ndarray, shape (H, V)
        Input weights, uniform in ±1/√V.
    V : numpy.ndarray, shape (V, H)
        Output weights, uniform in ±1/√H.
    W : numpy.ndarray, shape (H, H)
        Recurrent weights, uniform in ±1/√H.
    """

    param_names = ("U", "V", "W")

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 100,
        bptt_truncate: int | None = 4,
        seed: int = 0,
    ):
        for name, value in (
            ("vocab_size", vocab_size),
            ("hidden_size", hidden_size),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | np.integer)
                or value < 1
            ):
                raise ValueError(
                    f"{name} must be a positive integer, got {value!r}"
                )
        if bptt_truncate is not None and (
            isinstance(bptt_truncate, bool)
            or not isinstance(bptt_truncate, int | np.integer)
            or bptt_truncate < 0
        ):
            raise ValueError(
                f"bptt_truncate must be None or a non-negative integer, got {bptt_truncate!r}"
            )
        self.vocab_size = int(vocab_size)
        self.hidden_size = int(hidden_size)
        self.bptt_truncate = (
            None if bptt_truncate is None else int(bptt_truncate)
        )
        rng = np.random.default_rng(seed)
        H, V = self.hidden_size, self.vocab_size
        self.U = rng.uniform(-1 / math.sqrt(V), 1 / math.sqrt(V), (H, V))
        self.V = rng.uniform(-1 / math.sqrt(H), 1 / math.sqrt(H), (V, H))
        self.W = rng.uniform(-1 / math.sqrt(H), 1 / math.sqrt(H), (H, H))
        self._E: np.ndarray | None = (
            None  # sgd_step's reusable (T, V) buffer for the scores
        )

    def __repr__(self) -> str:
        return (
            f"RNNNumpy(vocab_size={self.vocab_size}, hidden_size={self.hidden_size}, "
            f"bptt_truncate={self.bptt_truncate})"
        )

    @property
    def num_parameters(self) -> int:
        """``2HV + H²``."""
        return self.U.size + self.V.size + self.W.size

    def parameters(self) -> dict[str, np.ndarray]:
        """The parameter arrays by name (the arrays themselves, not copies)."""
        return {"U": self.U, "V": self.V, "W": self.W}

    # ---------------------------------------------------------------- forward
    def states(self, x: Sequence[int] | np.ndarray) -> np.ndarray:
        """The hidden states ``s_0 .. s_{T-1}`` for ids ``x``, shape (T, H)."""
        x = as_ids(x, self.vocab_size)
        Ux = self.U[
            :, x
        ].T  # (T, H): column lookups instead of one-hot products
        s = np.empty((len(x), self.hidden_size))
        s_prev = np.zeros(self.hidden_size)
        for t in range(len(x)):
            s_prev = s[t] = np.tanh(Ux[t] + self.W @ s_prev)
        return s

    def forward(
        self, x: Sequence[int] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run the network over one sentence.

        Parameters
        ----------
        x : sequence of int, length T

        Returns
        -------
        o : numpy.ndarray, shape (T, V)
            ``o[t]`` is the predicted distribution of the word after ``x[t]``.
        s : numpy.ndarray, shape (T, H)
            The hidden states.
        """
        s = self.states(x)
        return softmax(s @ self.V.T, inplace=True), s

    def predict(self, x: Sequence[int] | np.ndarray) -> np.ndarray:
        """The most likely next word at every step, shape (T,)."""
        return np.argmax(self.states(x) @ self.V.T, axis=1)

    def padded_states(
        self, X: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hidden states of several sentences run side by side.

        One ``(B, H) @ (H, H)`` product per time step replaces ``B`` products ``W s_{t-1}``;
        a sentence that has ended is padded with id 0, and its padded states are ignored.

        Parameters
        ----------
        X : sequence of B id arrays (already checked), lengths T_b >= 1

        Returns
        -------
        S : numpy.ndarray, shape (B, T, H)
            ``S[b, t]`` is ``s_t`` of sentence ``b``, for ``t < T_b``; ``T = max T_b``.
        mask : numpy.ndarray of bool, shape (B, T)
            True at real words, False at padding.
        """
        lengths = np.array([len(x) for x in X])
        mask = np.arange(lengths.max()) < lengths[:, None]  # (B, T)
        x = np.zeros(mask.shape, np.intp)
        x[mask] = np.concatenate(X)
        S = self.U.T[
            x.T
        ]  # (T, B, H): the inputs U[:, x_t] of every sentence, looked up at once
        np.tanh(S[0], out=S[0])  # s_{-1} = 0
        for t in range(1, len(S)):
            S[t] += S[t - 1] @ self.W.T
            np.tanh(S[t], out=S[t])
        return S.transpose(1, 0, 2), mask

    def batch_states(
        self, X: Sequence[np.ndarray], bucket: int = 64
    ) -> np.ndarray:
        """Hidden states of many sentences, stacked: shape (sum of lengths, H), in input order.

        Sentences are sorted by length and run :meth:`padded_states` in buckets of ``bucket``,
        so that little of each bucket is padding.
        """
        X = [as_ids(x, self.vocab_size) for x in X]
        lengths = np.array([len(x) for x in X])
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        S = np.empty((offsets[-1], self.hidden_size))
        order = np.argsort(lengths, kind="stable")
        for b in range(0, len(order), bucket):
            idx = order[b : b + bucket]
            states, mask = self.padded_states([X[i] for i in idx])
            S[
                np.concatenate(
                    [np.arange(offsets[i], offsets[i + 1]) for i in idx]
                )
            ] = states[mask]
        return S

    def total_loss(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        dtype: type = np.float64,
    ) -> float:
        """Summed cross-entropy ``-sum log o_t[y_t]`` over all words of all pairs (nats).

        Each word costs ``-log o_t[y_t] = log sum_j exp(z_tj) - z_t[y_t]`` with scores
        ``z_t = V s_t``. The picked score ``z_t[y_t]`` is one row of ``V`` times ``s_t``; the sum
        over the vocabulary needs every score, and is where the time goes:

        - sentences of similar length run side by side in buckets of :data:`LOSS_BUCKET`
          (:meth:`padded_states`), shared by :data:`LOSS_THREADS` threads, one BLAS thread each;
        - the scores are made tile by tile (:data:`LOSS_TILE`) in one reused buffer that stays
          in cache, and each tile's ``exp`` and row sums are taken at once;
        - ``exp(z) = 2 ** (z log2 e)``: ``V`` is scaled by ``log2 e`` once, so that every
          ``exp`` becomes the cheaper ``exp2``.

        ``dtype=np.float32`` computes the sums over the vocabulary in single precision (states,
        picked scores and totals stay float64): about twice as fast, with a relative error near
        1e-7 per word, enough to monitor training. The default stays float64.
        """
        if len(X) != len(Y):
            raise ValueError(
                f"X and Y must hold as many sentences, got {len(X)} and {len(Y)}"
            )
        if len(X) == 0:
            raise ValueError(
                "the loss of no sentences is undefined: X is empty"
            )
        pairs = [
            check_pair(x, y, self.vocab_size)
            for x, y in zip(X, Y, strict=True)
        ]
        rows, cols = LOSS_TILE
        Vt2 = np.ascontiguousarray(
            self.V.T * LOG2_E, dtype=dtype
        )  # (H, V), base-2 scores
        blocks = _column_blocks(Vt2, cols)
        ones = np.ones(cols, dtype)
        # |z_i| <= sum_j |V_ij| because |s_j| < 1: if that bound is safe, exp cannot overflow and
        # the usual shift by the row maximum (a full extra pass over N×V numbers) is not needed.
        shift = np.abs(self.V).sum(axis=1).max() > 0.9 * np.log(
            np.finfo(dtype).max
        )

        def log_sums(s: np.ndarray, buffer: np.ndarray) -> np.ndarray:
            """``log sum_j exp(z_tj)`` for the rows ``s`` (n, H), float64, shape (n,)."""
            if shift:  # rare: scores that overflow exp, so each row is shifted by its maximum
                z = s @ Vt2
                m = z.max(axis=1, keepdims=True)
                return (m[:, 0] + np.log2(np.exp2(z - m).sum(axis=1))).astype(
                    np.float64
                ) * np.log(2.0)
            sums = np.zeros(len(s), dtype)
            for block in blocks:
                z = _tile_scores(s, block, buffer)
                np.exp2(z, out=z)
                sums += (
                    z @ ones[: z.shape[1]]
                )  # row sums as one BLAS pass (NumPy float32 .sum is slower)
            return np.log(sums.astype(np.float64))

        def bucket_loss(bucket: list[tuple[np.ndarray, np.ndarray]]) -> float:
            S, mask = self.padded_states([x for x, _ in bucket])
            S = S[mask]  # (words, H), sentence after sentence
            y = np.concatenate([y for _, y in bucket])
            total = -float(
                np.einsum("ij,ij->", S, self.V[y])
            )  # minus the picked scores V[y_t] · s_t
            S = S.astype(dtype, copy=False)
            buffer = np.empty(rows * cols, dtype)  # one tile of scores, reused
            for i in range(0, len(S), rows):
                total += float(log_sums(S[i : i + rows], buffer).sum())
            return total

        by_length = sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)
        buckets = [
            by_length[b : b + LOSS_BUCKET]
            for b in range(0, len(pairs), LOSS_BUCKET)
        ]
        if (
            len(buckets) == 1 or LOSS_THREADS == 1
        ):  # small input: threads would cost more than they save
            return float(sum(map(bucket_loss, buckets)))
        # the longest buckets go first, so that no thread is left with a long one at the end
        with (
            threadpool_limits(limits=1, user_api="blas"),
            ThreadPoolExecutor(LOSS_THREADS) as pool,
        ):
            return float(sum(pool.map(bucket_loss, buckets)))

    def loss(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        dtype: type = np.float64,
    ) -> float:
        """Mean cross-entropy per word over all pairs (nats); ``ln V`` for a uniform guess."""
        return self.total_loss(X, Y, dtype=dtype) / sum(len(y) for y in Y)

    # ---------------------------------------------------------------- backward
    def _backward(
        self, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The shared core of :meth:`bptt` and :meth:`sgd_step` (``x``, ``y`` already checked).

        Returns
        -------
        delta_o : numpy.ndarray, shape (T, V)
            ∂L/∂z_t for the scores z_t = V s_t: ``o_t`` minus the one-hot target.
        s : numpy.ndarray, shape (T, H)
            The hidden states.
        delta : numpy.ndarray, shape (T, H)
            ∂L/∂a_t for the pre-activations a_t = U e_{x_t} + W s_{t-1}, summed over the
            outputs whose error reaches step t.
        """
        delta_o, s = self.forward(x)
        delta_o[np.arange(len(y)), y] -= 1.0  # o_t - e_{y_t}, in place
        ds = delta_o @ self.V  # (T, H): ∂L_t/∂s_t from each output
        return delta_o, s, self._state_errors(s, ds)

    def _state_errors(self, s: np.ndarray, ds: np.ndarray) -> np.ndarray:
        """``delta`` of :meth:`_backward`: the errors at the pre-activations, step by step.

        Takes the states ``s`` and ``ds``, row t the error that output t sends to ``s_t``
        (``∂L_t/∂s_t``), both (T, H), and carries each back through ``W`` and tanh' — for at
        most ``bptt_truncate`` steps.
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
            # Lag by lag instead of step by step: D_j[t], the error of output t + j at step t,
            # is D_{j-1}[t + 1] W (as a row vector) times tanh' at t. k + 1 matrix products
            # over all steps at once replace T small ones; delta[t] sums D_0[t] .. D_k[t].
            D = ds * one_minus_s2  # D_0: each output's own step
            delta[:] = D
            for j in range(1, min(k, T - 1) + 1):
                D = (D[1:] @ self.W) * one_minus_s2[: T - j]
                delta[: T - j] += D
        return delta

    def bptt(
        self, x: Sequence[int] | np.ndarray, y: Sequence[int] | np.ndarray
    ) -> tuple[np.ndarray, ...]:
        """Gradients of the sentence loss ``L = -sum_t log o_t[y_t]`` by backpropagation through time.

        With ``bptt_truncate = k`` the error of output ``t`` flows back to steps
        ``max(0, t - k) .. t`` only. The backward pass then runs lag by lag (``k + 1`` products
        over all steps at once, see :meth:`_backward`), and the big products (output layer,
        ``dW``) are done once for all steps.

        Returns
        -------
        dU : numpy.ndarray, shape (H, V)
        dV : numpy.ndarray, shape (V, H)
        dW : numpy.ndarray, shape (H, H)
        """
        x, y = check_pair(x, y, self.vocab_size)
        delta_o, s, delta = self._backward(x, y)
        s_prev = np.vstack(
            [np.zeros(self.hidden_size), s[:-1]]
        )  # s_{t-1}, with s_{-1} = 0
        dV = delta_o.T @ s  # (V, H): sum over t of outer(delta_o_t, s_t)
        dW = delta.T @ s_prev  # (H, H): sum over t of outer(delta_t, s_{t-1})
        dU = np.zeros_like(self.U)
        np.add.at(dU.T, x, delta)  # column x_t of dU receives delta_t
        return dU, dV, dW

    def gradient_check(
        self,
        x: Sequence[int] | np.ndarray,
        y: Sequence[int] | np.ndarray,
        h: float = 4e-3,
        tolerance: float = 1e-6,
        max_entries: int | None = None,
        seed: int = 0,
    ) -> GradientCheck:
        """Compare :meth:`bptt` with central differences of the sentence loss.

        With full BPTT the reference is the true loss. With truncation the analytic gradient is
        the gradient of ``sum_t L_t`` where each ``L_t`` sees the state ``s_{t-k-1}`` as a
        constant; the numerical reference recomputes each output from that frozen state, so the
        truncated gradient is checked exactly rather than approximately.
        """
        x, y = check_pair(x, y, self.vocab_size)
        analytic = dict(zip(self.param_names, self.bptt(x, y), strict=True))
        if self.bptt_truncate is None:

            def f() -> float:
                return self.total_loss([x], [y])
        else:
            frozen = self.states(x).copy()

            def f() -> float:
                return self._truncated_loss(x, y, frozen)

        return gradient_check(
            f,
            self.parameters(),
            analytic,
            h=h,
            tolerance=tolerance,
            max_entries=max_entries,
            seed=seed,
        )

    def _truncated_loss(
        self, x: np.ndarray, y: np.ndarray, frozen: np.ndarray
    ) -> float:
        """``sum_t L_t`` with output ``t`` recomputed from the frozen state ``s_{t-k-1}``."""
        k = self.bptt_truncate
        assert k is not None
        total = 0.0
        for t in range(len(x)):
            start = max(0, t - k)
            s_t = (
                frozen[start - 1] if start > 0 else np.zeros(self.hidden_size)
            )
            for j in range(start, t + 1):
                s_t = np.tanh(self.U[:, x[j]] + self.W @ s_t)
            total -= _log_softmax_at((self.V @ s_t)[None, :], y[t : t + 1])[0]
        return total

    # ---------------------------------------------------------------- training
    def sgd_step(
        self,
        x: Sequence[int] | np.ndarray,
        y: Sequence[int] | np.ndarray,
        learning_rate: float,
    ) -> None:
        """One step of stochastic gradient descent on one sentence: θ ← θ - η ∂L/∂θ.

        The same update as ``U -= lr * dU`` etc. with :meth:`bptt`'s gradients, done without
        building them. Only the columns of ``U`` for the sentence's words change. The softmax
        is never normalised: with ``E = exp(z)`` and row sums ``Σ``, the output error is
        ``δ_o = (E - Σ e_y) / Σ``, so the division moves onto the small (T, H) factors of the
        two products that use ``δ_o``. The update of ``V`` is itself one matrix product,
        ``V ← V - η δ_oᵀ s``: BLAS's ``dgemm`` computes ``C ← αAB + βC``, so with ``β = 1`` it
        accumulates into ``V`` in place and ``dV`` is never stored.
        """
        lr = check_learning_rate(learning_rate)
        x, y = check_pair(x, y, self.vocab_size)
        T = len(x)
        if not (self.V.flags.f_contiguous and self.V.dtype == np.float64):
            self.V = np.asfortranarray(
                self.V, dtype=np.float64
            )  # column-major: BLAS's own layout
        if self._E is None or len(self._E) < T:
            self._E = np.empty(
                (max(T, 64), self.vocab_size)
            )  # reused: no page faults per step
        s = self.states(x)
        E, total = _exp_scores(
            s, self.V, out=self._E[:T]
        )  # E_t = exp(z_t) (up to a shift), Σ_t
        # δ_o = o_t - e_{y_t} = (E_t - Σ_t e_{y_t}) / Σ_t: subtract at the targets, divide later
        E[np.arange(T), y] -= total
        scale = 1.0 / total
        ds = (
            dgemm(1.0, self.V, E.T, trans_a=1).T * scale[:, None]
        )  # δ_o V, as (Vᵀ δ_oᵀ)ᵀ
        delta = self._state_errors(s, ds)
        # V ← V - lr δ_oᵀ s, accumulated in place (β = 1); δ_oᵀ s = Eᵀ (s / Σ)
        self.V = dgemm(
            -lr, E.T, scale[:, None] * s, beta=1.0, c=self.V, overwrite_c=True
        )
        s_prev = np.vstack([np.zeros(self.hidden_size), s[:-1]])
        self.W -= lr * (delta.T @ s_prev)
        np.subtract.at(
            self.U.T, x, lr * delta
        )  # lr * dU touches only columns x_t

    def train(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        learning_rate: float = 0.005,
        epochs: int = 100,
        evaluate_every: int = 5,
        progress: bool = True,
    ) -> TrainingHistory:
        """SGD over the sentences in order, as in the 2015 tutorial.

        The mean loss over ``X, Y`` is evaluated before every ``evaluate_every``-th epoch; when
        it rises, the learning rate is halved.

        Returns
        -------
        TrainingHistory
            Examples seen, loss and learning rate at each evaluation, and once more at the end.
        """
        lr = check_learning_rate(learning_rate)
        if len(X) != len(Y) or len(X) == 0:
            raise ValueError(
                f"X and Y must be non-empty and of equal length, got {len(X)} and {len(Y)}"
            )
        if epochs < 1 or evaluate_every < 1:
            raise ValueError(
                f"epochs and evaluate_every must be positive, got {epochs} and {evaluate_every}"
            )
        history = TrainingHistory([], [], [])
        seen = 0

        def evaluate() -> None:
            loss = self.loss(X, Y)
            if history.loss and loss > history.loss[-1]:
                nonlocal lr
                lr *= 0.5
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"the loss became {loss} after {seen} examples: lower the learning rate"
                )
            history.examples_seen.append(seen)
            history.loss.append(loss)
            history.learning_rate.append(lr)

        bar = tqdm(
            total=epochs * len(X),
            desc="SGD",
            unit="sentence",
            disable=not progress,
        )
        for epoch in range(epochs):
            if epoch % evaluate_every == 0:
                evaluate()
                bar.set_postfix(loss=f"{history.loss[-1]:.3f}", lr=f"{lr:.2g}")
            for x, y in zip(X, Y, strict=True):
                self.sgd_step(x, y, lr)
                seen += 1
                bar.update()
        bar.close()
        evaluate()
        return history

    # ---------------------------------------------------------------- sampling
    def generate(
        self,
        vocab: _data.Vocabulary,
        temperature: float = 1.0,
        seed: int | None = None,
        max_length: int = 50,
        min_length: int = 1,
    ) -> list[str]:
        """Sample a sentence: start from ``SENTENCE_START`` and draw words until ``SENTENCE_END``.

        ``UNKNOWN_TOKEN`` is never emitted (its probability is set to zero before each draw),
        and neither is ``SENTENCE_START``; ``SENTENCE_END`` is not drawn before ``min_length``
        words. Lower ``temperature`` sharpens the distribution, higher flattens it.

        Returns
        -------
        list of str
            The words, without the special tokens.
        """
        s = np.zeros(self.hidden_size)

        def next_scores(x: int) -> np.ndarray:
            nonlocal s
            s = np.tanh(self.U[:, x] + self.W @ s)
            return self.V @ s

        return sample_words(
            next_scores,
            vocab,
            self.vocab_size,
            temperature,
            seed,
            max_length,
            min_length,
        )
