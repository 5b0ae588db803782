"""A word-level RNN language model in NumPy, written to read like the math.

For a sentence of word ids ``x_0 .. x_{T-1}`` and the state ``s_{-1} = 0``::

    s_t = tanh(U[:, x_t] + W s_{t-1})     U: (H, V)  W: (H, H)  s_t: (H,)
    o_t = softmax(V s_t)                   V: (V, H)  o_t: (V,)

``U[:, x_t]`` is ``U`` times the one-hot vector of ``x_t``, done as a column
lookup. The loss of a sentence is the cross-entropy of its next words,
``L = -sum_t log o_t[y_t]``.

This is the model of the 2015 tutorial, kept plain: loops where the math
loops, the textbook softmax. :mod:`tutorial_rnn.rnn_numpy_fast` holds a twin
that computes the same numbers much faster; the tests prove them equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from . import decoding
from .activations import log_softmax, softmax
from .batching import check_divergence, with_progress
from .gradcheck import GradientCheck, gradient_check
from .models import History
from .validation import (
    as_ids,
    check_learning_rate,
    check_pair,
    check_pairs,
    check_parameters,
    check_scalar,
    check_seed,
    check_sgd_arguments,
)

__all__ = ["NOT_FINITE", "RNNNumpy"]

#: What ``sgd_step`` (plain and fast) says when the weights give a
#: non-finite loss or gradient.
NOT_FINITE = (
    "the loss or a gradient is not finite (is a weight?): the parameters "
    "were left unchanged"
)

Ids = Sequence[int] | np.ndarray


class RNNNumpy:
    """A plain (Elman) RNN language model with hand-written BPTT.

    Parameters
    ----------
    vocab_size : int
        ``V``, the number of words (rows of the output layer).
    hidden_size : int
        ``H``, the size of the hidden state.
    bptt_truncate : int or None
        Backpropagate each output's error at most this many steps back
        (the 2015 tutorial's rule: output ``t`` reaches steps
        ``max(0, t - k) .. t``). ``None`` means full BPTT.
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
        self.vocab_size = check_scalar(
            vocab_size, "vocab_size", int, min_val=1
        )
        self.hidden_size = check_scalar(
            hidden_size, "hidden_size", int, min_val=1
        )
        self.bptt_truncate = check_scalar(
            bptt_truncate, "bptt_truncate", int, min_val=0, allow_none=True
        )
        rng = np.random.default_rng(check_seed(seed))
        H, V = self.hidden_size, self.vocab_size
        self.U = rng.uniform(-1 / math.sqrt(V), 1 / math.sqrt(V), (H, V))
        self.V = rng.uniform(-1 / math.sqrt(H), 1 / math.sqrt(H), (V, H))
        self.W = rng.uniform(-1 / math.sqrt(H), 1 / math.sqrt(H), (H, H))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vocab_size={self.vocab_size}, "
            f"hidden_size={self.hidden_size}, "
            f"bptt_truncate={self.bptt_truncate})"
        )

    # ---------------------------------------------------------- forward
    def states(self, x: Ids) -> np.ndarray:
        """The hidden states ``s_0 .. s_{T-1}`` for ids ``x``, (T, H)."""
        x = as_ids(x, self.vocab_size)
        s = np.zeros((len(x), self.hidden_size))
        s_prev = np.zeros(self.hidden_size)  # s_{-1} = 0
        for t in range(len(x)):
            s[t] = np.tanh(self.U[:, x[t]] + self.W @ s_prev)
            s_prev = s[t]
        return s

    def forward(self, x: Ids) -> tuple[np.ndarray, np.ndarray]:
        """Run the network over one sentence of T ids.

        Returns
        -------
        o : numpy.ndarray, shape (T, V)
            ``o[t]`` is the predicted distribution of the word after
            ``x[t]``.
        s : numpy.ndarray, shape (T, H)
            The hidden states.
        """
        s = self.states(x)
        o = softmax(s @ self.V.T)
        return o, s

    def predict(self, x: Ids) -> np.ndarray:
        """The most likely next word at every step, shape (T,)."""
        o, _ = self.forward(x)
        return np.argmax(o, axis=1)

    def total_loss(
        self, X: Sequence[np.ndarray], Y: Sequence[np.ndarray]
    ) -> float:
        """``-sum log o_t[y_t]`` over all words of all pairs (nats)."""
        check_pairs(X, Y)
        L = 0.0
        for x, y in zip(X, Y, strict=True):
            x, y = check_pair(x, y, self.vocab_size)
            s = self.states(x)
            log_o = log_softmax(s @ self.V.T)  # log o_t, computed stably
            L -= log_o[np.arange(len(y)), y].sum()
        return float(L)

    def loss(self, X: Sequence[np.ndarray], Y: Sequence[np.ndarray]) -> float:
        """Mean cross-entropy per word (nats); ``ln V`` for a uniform guess."""
        return self.total_loss(X, Y) / sum(len(y) for y in Y)

    # --------------------------------------------------------- backward
    def bptt(self, x: Ids, y: Ids) -> tuple[np.ndarray, ...]:
        """Gradients of ``L = -sum_t log o_t[y_t]``, by BPTT.

        The error of each output ``t`` is carried back step by step
        through ``W`` and ``tanh'``, at most ``bptt_truncate`` steps
        (``None``: back to the start), exactly as in the 2015 tutorial.

        Returns
        -------
        dU : numpy.ndarray, shape (H, V)
        dV : numpy.ndarray, shape (V, H)
        dW : numpy.ndarray, shape (H, H)
        """
        x, y = check_pair(x, y, self.vocab_size)
        T = len(x)
        k = T if self.bptt_truncate is None else self.bptt_truncate
        o, s = self.forward(x)
        dU, dV, dW = (np.zeros_like(p) for p in (self.U, self.V, self.W))
        delta_o = o.copy()
        delta_o[np.arange(T), y] -= 1.0  # o_t - e_{y_t}
        for t in reversed(range(T)):
            dV += np.outer(delta_o[t], s[t])
            delta = (self.V.T @ delta_o[t]) * (1 - s[t] ** 2)  # ∂L_t/∂a_t
            for step in reversed(range(max(0, t - k), t + 1)):
                s_prev = s[step - 1] if step > 0 else np.zeros_like(s[0])
                dW += np.outer(delta, s_prev)
                dU[:, x[step]] += delta
                delta = (self.W.T @ delta) * (1 - s_prev**2)  # one step back
        return dU, dV, dW

    def gradient_check(self, x: Ids, y: Ids, **options) -> GradientCheck:
        """Compare :meth:`bptt` with central differences of the loss.

        With truncation, the analytic gradient is that of ``sum_t L_t``
        where each ``L_t`` sees the state ``s_{t-k-1}`` as a constant; the
        numerical reference recomputes each output from that frozen state,
        so truncated BPTT is checked exactly, not approximately.
        ``options`` (``h``, ``tolerance``, ``max_entries``, ``seed``) go to
        :func:`tutorial_rnn.gradcheck.gradient_check`.
        """
        x, y = check_pair(x, y, self.vocab_size)
        analytic = dict(zip(self.param_names, self.bptt(x, y), strict=True))
        frozen = self.states(x)

        def f() -> float:
            if self.bptt_truncate is None:
                return self.total_loss([x], [y])
            return _truncated_loss(self, x, y, frozen)

        return gradient_check(f, self.parameters(), analytic, **options)

    # --------------------------------------------------------- training
    def sgd_step(self, x: Ids, y: Ids, learning_rate: float) -> float:
        """One step of SGD on one sentence: θ ← θ - η ∂L/∂θ.

        Returns the sentence's loss ``L`` before the step (nats).

        Raises
        ------
        FloatingPointError
            If the loss or a gradient is not finite (a weight is); the
            parameters are left as they were.
        """
        lr = check_learning_rate(learning_rate)
        loss = self.total_loss([x], [y])
        dU, dV, dW = self.bptt(x, y)
        if not all(np.isfinite(a).all() for a in (loss, dU, dV, dW)):
            raise FloatingPointError(NOT_FINITE)  # NaN weights: no change
        self.U -= lr * dU
        self.V -= lr * dV
        self.W -= lr * dW
        return loss

    @with_progress("SGD")
    def fit(
        self,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        *,
        learning_rate: float = 0.005,
        epochs: int = 100,
        evaluate_every: int = 5,
        on_step: Callable[[int, float], None],
    ) -> History:
        """SGD over the sentences in order, as in the 2015 tutorial.

        Every ``evaluate_every`` epochs, and after the last, a record is
        made: the mean loss per word since the previous record (the
        :class:`~tutorial_rnn.models.History` fields mean what they mean
        for every ``fit``). When that loss has risen since the previous
        record, the learning rate is halved. ``fit`` also takes
        ``progress`` (a progress bar) and records its time
        (:func:`~tutorial_rnn.batching.with_progress`).

        Raises
        ------
        TypeError, ValueError
            For a bad argument or sentence, before any training.
        FloatingPointError
            If a loss is not finite or diverges
            (:func:`~tutorial_rnn.batching.check_divergence`).
        """
        X, Y, lr, epochs, every = check_sgd_arguments(
            X, Y, self.vocab_size, learning_rate, epochs, evaluate_every
        )
        history = History()
        seen, total, count, first = 0, 0.0, 0, None
        for epoch in range(1, epochs + 1):
            for x, y in zip(X, Y, strict=True):
                loss = self.sgd_step(x, y, lr)
                first = loss / len(y) if first is None else first
                check_divergence(loss / len(y), first, f"epoch {epoch}")
                seen += len(y)
                total, count = total + loss, count + len(y)
                on_step(len(y), loss)
            if epoch % every == 0 or epoch == epochs:
                mean = total / count
                if history.train_loss and mean > history.train_loss[-1]:
                    lr *= 0.5  # the loss rose: halve the learning rate
                history.tokens_seen.append(seen)
                history.train_loss.append(mean)
                history.learning_rate.append(lr)
                total, count = 0.0, 0
        return history

    # --------------------------------------------------------- sampling
    generate = decoding.generate  # sample's words, one signature

    # ------------------------------------------------ the model interface
    @property
    def num_parameters(self) -> int:
        """``2HV + H²``."""
        return self.U.size + self.V.size + self.W.size

    def parameters(self) -> dict[str, np.ndarray]:
        """The parameter arrays by name (the arrays themselves)."""
        return {"U": self.U, "V": self.V, "W": self.W}

    def config(self) -> dict[str, int | None]:
        """The constructor arguments that rebuild this model."""
        return {
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "bptt_truncate": self.bptt_truncate,
        }

    def numpy_parameters(self) -> dict[str, np.ndarray]:
        """Copies of the parameters, float64."""
        return {k: v.astype(np.float64) for k, v in self.parameters().items()}

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Set ``U``, ``V``, ``W`` from real, finite arrays of their shapes."""
        new = check_parameters(params, self.parameters())
        self.U, self.V, self.W = new["U"], new["V"], new["W"]


def _truncated_loss(
    model: RNNNumpy, x: np.ndarray, y: np.ndarray, frozen: np.ndarray
) -> float:
    """``sum_t L_t``, output ``t`` recomputed from frozen ``s_{t-k-1}``."""
    k = model.bptt_truncate
    assert k is not None
    total = 0.0
    for t in range(len(x)):
        start = max(0, t - k)
        s_t = frozen[start - 1] if start > 0 else np.zeros(model.hidden_size)
        for j in range(start, t + 1):
            s_t = np.tanh(model.U[:, x[j]] + model.W @ s_t)
        total -= log_softmax(model.V @ s_t)[y[t]]
    return total
