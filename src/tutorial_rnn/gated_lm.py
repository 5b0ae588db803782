"""The gated word-level language model in NumPy: embedding, recurrent
layers, softmax output layer, trained with hand-written BPTT.

:class:`GatedLMNumpy` puts an embedding ``E`` (V×D) below a stack of
:mod:`tutorial_rnn.gated_numpy` layers (Elman, GRU or LSTM) and an output
layer ``V`` (V×H), ``c`` (V,) above them. Its torch twin is
:class:`tutorial_rnn.gated_torch.GatedLMTorch`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import decoding
from .activations import log_softmax, softmax
from .batching import IGNORE_INDEX
from .gated_numpy import make_stack
from .gradcheck import GradientCheck, gradient_check
from .models import BatchedModel
from .optim import OPTIMIZERS, clip_gradients
from .validation import as_ids, check_clip, check_parameters, check_scalar

__all__ = ["GatedLMNumpy"]


class GatedLMNumpy(BatchedModel):
    """A word-level language model: embedding, recurrent layers, softmax output
    layer.

    ::

        e_t = E[x_t]                       E: (V, D)
        s_t = layers(e_1 .. e_t)           the stack's top state, (H,)
        o_t = softmax(V s_t + c)           V: (V, H), c: (V,)

    Parameters
    ----------
    vocab_size : int
    hidden_size : int
    cell : {"gru", "lstm", "rnn"}
    num_layers : int
    embed_size : int, optional
        ``D``; defaults to ``hidden_size``.
    convention : {"pytorch", "cho"}
        The GRU's reset-gate placement (see :class:`GRUNumpy`).
    seed : int

    The LSTM starts with forget-gate bias +1 (see
    :func:`~tutorial_rnn.gated_numpy.make_stack`); the embedding is uniform
    in ±√(3/D) (unit-variance inputs), the output layer uniform in ±1/√H
    with ``c = 0``.
    """

    config_keys = (
        "vocab_size",
        "hidden_size",
        "cell",
        "num_layers",
        "embed_size",
        "convention",
    )
    optimizers = OPTIMIZERS
    default_optimizer = "rmsprop"

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 128,
        cell: str = "gru",
        num_layers: int = 1,
        embed_size: int | None = None,
        convention: str = "pytorch",
        seed: int = 0,
    ):
        self.vocab_size = check_scalar(
            vocab_size, "vocab_size", int, min_val=1
        )
        self.hidden_size = check_scalar(
            hidden_size, "hidden_size", int, min_val=1
        )
        self.embed_size = (
            self.hidden_size
            if embed_size is None
            else check_scalar(embed_size, "embed_size", int, min_val=1)
        )
        V, H, D = self.vocab_size, self.hidden_size, self.embed_size
        self.cell, self.convention = cell, convention
        self.rnn = make_stack(cell, D, H, num_layers, convention, seed)
        self.num_layers = self.rnn.num_layers
        rng = np.random.default_rng([seed, 1])
        self.E = rng.uniform(-math.sqrt(3 / D), math.sqrt(3 / D), (V, D))
        self.V = rng.uniform(-1 / math.sqrt(H), 1 / math.sqrt(H), (V, H))
        self.c = np.zeros(V)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"GatedLMNumpy({args})"

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self.parameters())

    def parameters(self) -> dict[str, np.ndarray]:
        """Every parameter array by name: ``E``, the stack's ``U0, W0, bU0,
        bW0, ...``, ``V``, ``c``."""
        return {"E": self.E, **self.rnn.parameters(), "V": self.V, "c": self.c}

    numpy_parameters = parameters  # what tutorial_rnn.checkpoint saves

    @property
    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters().values())

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Copy arrays into the parameters, in place (names and shapes must
        match)."""
        own = self.parameters()
        values = check_parameters(params, own)  # all checked, then copied
        for name, p in own.items():
            p[...] = values[name]

    # ----------------------------------------------------------------- forward
    # and backward
    def _ids(self, x: object) -> np.ndarray:
        """A (B, T) batch of ids (a 1-D sequence becomes a batch of one),
        checked."""
        arr = np.asarray(x)
        if arr.ndim == 1:
            return as_ids(arr, self.vocab_size)[None, :]
        if arr.ndim != 2:
            raise ValueError(
                f"x must have shape (T,) or (B, T), got {arr.shape}"
            )
        return as_ids(arr, self.vocab_size, ndim=2)

    def scores(self, x: object) -> np.ndarray:
        """Scores (logits) ``V s_t + c`` of the next word, shape (B, T, V) (or
        (T, V) for one sequence)."""
        xb = self._ids(x)
        top, _, _ = self.rnn.forward_with_cache(self.E[xb.T])
        z = (top @ self.V.T + self.c).transpose(1, 0, 2)
        return z[0] if np.asarray(x).ndim == 1 else z

    def forward(self, x: object) -> np.ndarray:
        """Next-word probabilities ``o_t``, shape (T, V) for one sequence or
        (B, T, V) for a batch."""
        return softmax(self.scores(x))

    def _batch(
        self, x: object, y: object
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Checked ids (B, T), targets (padding as 0) and the mask of the
        real targets."""
        xb = self._ids(x)
        y_arr = np.asarray(y)
        if y_arr.shape != np.shape(x):
            raise ValueError(
                f"x and y must have the same shape, got {np.shape(x)} "
                f"and {y_arr.shape}"
            )
        real = (y_arr != IGNORE_INDEX).reshape(xb.shape)
        yb = np.zeros(xb.shape, np.int64)
        if real.any():  # (all padding: the caller decides)
            targets = y_arr.reshape(xb.shape)[real]
            yb[real] = as_ids(targets, self.vocab_size, "y")
        return xb, yb, real

    def loss_and_gradients(
        self, x: object, y: object
    ) -> tuple[float, int, dict[str, np.ndarray]]:
        """Summed cross-entropy of a padded batch and its gradients by full
        BPTT.

        Parameters
        ----------
        x : array of int, shape (B, T) or (T,)
        y : array of int, same shape
            Target ids; :data:`~tutorial_rnn.batching.IGNORE_INDEX` marks
            padding.

        Returns
        -------
        total : float
            ``-sum log o_t[y_t]`` over the real targets (nats).
        count : int
            The number of real targets.
        grads : dict of name to array
            ``∂total/∂θ`` for every parameter.
        """
        xb, yb, real = self._batch(x, y)
        if not real.any():
            raise ValueError(
                "the batch has no real target (every y is IGNORE_INDEX)"
            )
        T, B = xb.shape[1], xb.shape[0]
        emb = self.E[xb.T]  # (T, B, D)
        top, _, caches = self.rnn.forward_with_cache(emb)
        flat = top.reshape(T * B, self.hidden_size)
        log_o = log_softmax(flat @ self.V.T + self.c)  # (T·B, V)
        targets, mask = yb.T.reshape(-1), real.T.reshape(-1)
        rows = np.flatnonzero(mask)
        total = -float(np.sum(log_o[rows, targets[rows]]))
        delta = np.exp(log_o)  # o_t ...
        delta[rows, targets[rows]] -= 1.0  # ... minus the one-hot target
        delta[~mask] = 0.0  # padding contributes nothing
        d_emb, rnn_grads = self.rnn.backward(
            (delta @ self.V).reshape(T, B, self.hidden_size), caches
        )
        dE = np.zeros_like(self.E)
        np.add.at(dE, xb.T.reshape(-1), d_emb.reshape(T * B, -1))
        # in the order of parameters(): E, the stack's, V, c
        grads = {"E": dE, **rnn_grads, "V": delta.T @ flat, "c": delta.sum(0)}
        return total, int(rows.size), grads

    def batch_total(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """Summed cross-entropy of a padded batch (nats): the total of
        :meth:`loss_and_gradients` without the gradients."""
        xb, yb, real = self._batch(xb, yb)
        log_o = log_softmax(self.scores(xb))  # (B, T, V)
        picked = np.take_along_axis(
            log_o, np.where(real, yb, 0)[..., None], axis=-1
        )[..., 0]
        return -float(np.sum(picked[real]))

    def gradient_check(
        self, x: object, y: object, **options: Any
    ) -> GradientCheck:
        """Compare :meth:`loss_and_gradients` with central differences:
        ``options`` (``h``, ``tolerance``, ``seed``, and ``max_entries``,
        here 40 by default) go to
        :func:`tutorial_rnn.gradcheck.gradient_check`."""
        _, _, analytic = self.loss_and_gradients(x, y)

        def f() -> float:
            return self.loss_and_gradients(x, y)[0]

        options = {"max_entries": 40, **options}
        return gradient_check(f, self.parameters(), analytic, **options)

    def gate_activations(
        self, x: Sequence[int] | np.ndarray, layer: int = 0
    ) -> dict[str, np.ndarray]:
        """The gates of ``layer`` over one sentence: name → (T, H) array.

        GRU: ``r`` (reset) and ``z`` (update); LSTM: ``i``, ``f``, ``o`` and
        the cell ``c``.
        """
        x = as_ids(x, self.vocab_size)
        if self.cell == "rnn":
            raise ValueError("a plain RNN has no gates")
        if not 0 <= layer < self.num_layers:
            raise ValueError(
                f"layer must be in 0..{self.num_layers - 1}, got {layer}"
            )
        _, _, caches = self.rnn.forward_with_cache(self.E[x[:, None]])
        steps = caches[layer].steps

        def over_time(name: str) -> np.ndarray:
            return np.array([getattr(cache, name)[0] for cache in steps])

        if self.cell == "gru":
            return {"r": over_time("r"), "z": over_time("z")}
        i, f, g = over_time("i"), over_time("f"), over_time("g")
        c = f * over_time("c_prev") + i * g
        return {"i": i, "f": f, "o": over_time("o"), "c": c}

    # ---------------------------------------------------------------- training
    def train_batch(
        self,
        xb: np.ndarray,
        yb: np.ndarray,
        optimizer: Any,
        truncate: int | None = None,
        clip: float | None = None,
    ) -> tuple[float, int]:
        """One update by full BPTT on a padded batch (what :meth:`fit
        <tutorial_rnn.models.BatchedModel.fit>` does with each): the
        gradient of the mean loss per word, its global norm clipped to
        ``clip``, one step of a :mod:`tutorial_rnn.optim` optimiser.
        Returns (summed loss, number of targets).

        Raises
        ------
        ValueError
            For a ``truncate`` other than None (full BPTT only).
        FloatingPointError
            When the loss or the gradient is not finite (no update is
            made), or the update made a parameter non-finite.
        """
        if truncate is not None:
            raise ValueError(
                f"truncate={truncate!r}: GatedLMNumpy trains with full "
                f"BPTT only; use truncate=None or a torch model"
            )
        clip = check_clip(clip)
        total, count, grads = self.loss_and_gradients(xb, yb)
        if not math.isfinite(total):
            raise FloatingPointError(
                f"the loss became {total}: no update was made"
            )
        grads = {k: g / count for k, g in grads.items()}
        optimizer.step(  # refuses a non-finite gradient
            clip_gradients(grads, clip)[0] if clip is not None else grads
        )
        for name, p in self.parameters().items():
            if not np.isfinite(p).all():
                raise FloatingPointError(
                    f"the update made {name} non-finite: lower the "
                    f"learning rate or clip the gradient"
                )
        return total, count

    # ---------------------------------------------------------------- sampling
    generate = decoding.generate  # sample's words, one signature
