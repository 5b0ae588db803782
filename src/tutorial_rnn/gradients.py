"""Gradient flow through time: how ∂s_T/∂s_k and ∂L_T/∂s_k shrink (or
grow) with T - k.

For the plain RNN ``s_t = f(a_t)``, ``a_t = W s_{t-1} + u_t`` (``u_t`` is the
input term, for example ``U[:, x_t]``), the chain rule gives

    ∂s_T/∂s_k = J_T J_{T-1} ⋯ J_{k+1},
    J_j = ∂s_j/∂s_{j-1} = diag(f'(a_j)) W,

a product of ``T - k`` Jacobians, the newest on the left. If ``|f'| ≤ γ``
and ``λ₁`` is the largest singular value of ``W``, its norm is at most
``(λ₁ γ)^(T-k)`` (Pascanu, Mikolov & Bengio, 2013): it vanishes
geometrically whenever ``λ₁ < 1/γ`` (γ = 1 for tanh and ReLU, 1/4 for the
sigmoid).

The measurement works on any *cell* that can report the Jacobian of one
step, ``∂s_t/∂s_{t-1}`` (:class:`RNNCell` here; the gated stacks of
Chapter 4 inherit the same method from :class:`StackJacobians`, which runs
their own backward pass), so the same call compares the plain RNN with GRU
and LSTM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .activations import sigmoid
from .rnn_numpy import RNNNumpy
from .validation import POSITIVE, check_array, check_pair, check_scalar

__all__ = [
    "ACTIVATIONS",
    "GradientFlow",
    "RNNCell",
    "StackJacobians",
    "StepCell",
    "bptt_contribution_sum",
    "bptt_contributions",
    "gradient_flow",
    "recurrent_matrix",
]


#: name -> (f, f', γ = sup |f'|)
ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2, 1.0),
    "sigmoid": (sigmoid, lambda a: sigmoid(a) * (1.0 - sigmoid(a)), 0.25),
    "relu": (
        lambda a: np.maximum(a, 0.0),
        lambda a: (a > 0).astype(float),
        1.0,
    ),
    "linear": (lambda a: a, np.ones_like, 1.0),
}


def recurrent_matrix(
    hidden_size: int, scale: float, init: str = "random", seed: int = 0
) -> np.ndarray:
    """A recurrent matrix ``W`` (H×H) rescaled so that its largest singular
    value λ₁ (the quantity in Pascanu et al.'s condition) equals ``scale``.

    Parameters
    ----------
    init : {"random", "orthogonal", "identity"}
        Gaussian entries, a random orthogonal matrix (all singular values
        equal), or the identity (Le et al.'s start for ReLU networks; the
        gradient explorer of :mod:`tutorial_rnn.widgets` offers it).
    """
    hidden_size = check_scalar(hidden_size, "hidden_size", int, min_val=1)
    scale = check_scalar(scale, "scale", float, **POSITIVE)
    if init not in ("random", "orthogonal", "identity"):
        raise ValueError(
            f"unknown init {init!r}; use 'random', 'orthogonal' or 'identity'"
        )
    W = np.random.default_rng(seed).standard_normal((hidden_size,) * 2)
    if init == "orthogonal":
        q, r = np.linalg.qr(W)
        W = q * np.sign(np.diag(r))
    elif init == "identity":
        W = np.eye(hidden_size)
    return W * (scale / np.linalg.norm(W, 2))


class StepCell(Protocol):
    """What :func:`gradient_flow` needs from a recurrent cell.

    ``hidden_size`` is the size of the output state ``s_t``. A cell that
    carries more than ``s_t`` between steps (the LSTM carries ``[s_t; c_t]``)
    also has ``state_size``; the state passed to and returned by
    ``step_with_jacobian`` then has that length, ``s_t`` first.
    """

    hidden_size: int

    def step_with_jacobian(
        self, s_prev: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the next state and ``∂state_t/∂state_{t-1}`` (H×H, or
        state_size²)."""
        ...


class StackJacobians:
    """Chapter 3's measurement for the gated stacks of
    :mod:`tutorial_rnn.gated_numpy`: the Jacobian of one step and the state
    gradients of a sequence, both computed by the stack's own hand-written
    backward pass (``step`` and ``step_back``).

    :class:`~tutorial_rnn.gated_numpy.RecurrentNumpy` inherits these methods,
    so a one-layer stack is a :class:`StepCell` that :func:`gradient_flow`
    measures.
    """

    def step_with_jacobian(
        self, state_prev: np.ndarray, x: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One step of a one-layer stack and its Jacobian
        ``∂state_t/∂state_{t-1}``.

        The state is ``s`` (H,), or ``[s; c]`` (2H,) for the LSTM. The Jacobian
        is computed by the hand-written backward pass itself, run on a batch of
        ``state_size`` copies of the step with the rows of the identity as
        incoming gradients: row ``i`` of the result is
        ``∂state_t[i]/∂state_{t-1}``. This is what
        :func:`tutorial_rnn.gradients.gradient_flow` multiplies along a
        sequence.
        """
        state_prev = self._one_layer_state(state_prev, "state")
        n = self.state_size
        gx = np.broadcast_to(
            self.U[0] @ np.asarray(x, dtype=np.float64) + self.bU[0],
            (n, self.gates * self.hidden_size),
        )
        state = self._parts(np.tile(state_prev, (n, 1)))
        new_state, cache = self.step(0, gx, state)
        _, d_prev = self._step_back(self._parts(np.eye(n)), cache)
        return np.concatenate([p[0] for p in new_state]), np.hstack(d_prev)

    def _one_layer_state(self, value: np.ndarray, name: str) -> np.ndarray:
        """``value`` as a float64 state (state_size,) of a one-layer stack."""
        if self.num_layers != 1:
            raise ValueError("the Jacobian tools need a one-layer stack")
        return check_array(value, name, (self.state_size,)).astype(float)

    def _parts(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """Rows (n, state_size) cut into the state's parts, (n, H) each."""
        H = self.hidden_size
        return tuple(
            rows[:, i * H : (i + 1) * H] for i in range(self.state_parts)
        )

    def _step_back(self, d_state: tuple, cache: object) -> tuple:
        """``step_back`` of layer 0, its weight gradients thrown away."""
        scratch = {
            "W0": np.zeros_like(self.W[0]),
            "bW0": np.zeros_like(self.bW[0]),
        }
        return self.step_back(0, d_state, cache, scratch)

    def state_gradients(
        self, inputs: np.ndarray, g_T: np.ndarray
    ) -> np.ndarray:
        """``∂L_T/∂state_{T-i}`` for ``i = 0 .. T`` when
        ``∂L_T/∂state_T = g_T``, by the backward pass.

        The same numbers as multiplying ``g_T`` by the Jacobians of
        :meth:`step_with_jacobian` step after step, but one vector goes back
        instead of ``state_size`` of them, so it is fast enough for an
        interactive plot. One-layer stack, one sequence ``inputs`` (T, D),
        starting from the zero state.
        """
        g_T = self._one_layer_state(g_T, "g_T")
        _, _, caches = self.forward_with_cache(
            np.asarray(inputs, dtype=np.float64)[:, None, :]
        )
        steps = caches[0].steps
        out = np.empty((len(steps) + 1, self.state_size))
        out[0] = g_T
        d_state = self._parts(g_T[None])
        for i, cache in enumerate(reversed(steps), start=1):
            _, d_state = self._step_back(d_state, cache)
            out[i] = np.concatenate([d[0] for d in d_state])
        return out


@dataclass
class RNNCell:
    """The plain RNN step ``s_t = f(W s_{t-1} + u_t)`` with its one-step
    Jacobian."""

    W: np.ndarray
    activation: str = "tanh"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r};"
                f" use one of {sorted(ACTIVATIONS)}"
            )
        self.W = check_array(self.W, "W")  # real and finite
        if self.W.ndim != 2 or self.W.shape[0] != self.W.shape[1]:
            raise ValueError(f"W must be square, got shape {self.W.shape}")

    @property
    def hidden_size(self) -> int:
        return self.W.shape[0]

    def step_with_jacobian(
        self, s_prev: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        f, df, _ = ACTIVATIONS[self.activation]
        a = self.W @ s_prev + u
        return f(a), df(a)[:, None] * self.W  # diag(f'(a)) W


@dataclass
class GradientFlow:
    """Measured gradient flow for one sequence: index ``i`` is ``T - k = i``
    steps back.

    Attributes
    ----------
    steps_back : numpy.ndarray of int, shape (T + 1,)
        0, 1, ..., T.
    jacobian_norm : numpy.ndarray, shape (T + 1,), or None
        ``‖∂s_T/∂s_k‖₂`` (largest singular value); 1 at 0 steps back.
        None when not measured.
    loss_grad_norm : numpy.ndarray, shape (T + 1,)
        ``‖∂L_T/∂s_k‖`` for a loss whose gradient at the last state is
        ``g_T`` (unit norm by default), i.e. ``‖(∂s_T/∂s_k)ᵀ g_T‖``.
    bound : numpy.ndarray or None, shape (T + 1,)
        ``(λ₁ γ)^(T-k)`` for a plain RNN cell, None for other cells.
    """

    steps_back: np.ndarray
    jacobian_norm: np.ndarray | None
    loss_grad_norm: np.ndarray
    bound: np.ndarray | None

    def decay_after(self, steps: int) -> float:
        """``‖∂L_T/∂s_{T-steps}‖ / ‖∂L_T/∂s_T‖``: the share of
        the gradient left after ``steps``."""
        steps = check_scalar(
            steps, "steps", int, min_val=0, max_val=len(self.steps_back) - 1
        )
        share = float(self.loss_grad_norm[steps] / self.loss_grad_norm[0])
        if not np.isfinite(share):
            raise FloatingPointError(
                f"the gradient {steps} steps back is {share}: it overflowed "
                "float64 on the way (fewer steps, or a smaller W)"
            )
        return share


def gradient_flow(
    cell: StepCell,
    inputs: np.ndarray,
    s0: np.ndarray | None = None,
    g_T: np.ndarray | None = None,
    seed: int = 0,
    jacobian_norms: bool = True,
) -> GradientFlow:
    """Run ``cell`` over ``inputs`` and measure how the gradient at the last
    step flows back.

    Parameters
    ----------
    cell : StepCell
        :class:`RNNCell`, or any cell with ``step_with_jacobian``.
    inputs : numpy.ndarray, shape (T, H_in)
        What the cell adds at each step (for :class:`RNNCell`, ``u_t``, shape
        (T, H)).
    s0 : numpy.ndarray, optional
        Initial state (zeros).
    g_T : numpy.ndarray, optional
        ``∂L_T/∂s_T``; a random unit vector (seeded) by default. For a cell
        whose state is longer than ``s_t`` (the LSTM's ``[s; c]``) it is padded
        with zeros: the loss reads ``s_T`` only, and what is measured is the
        gradient with respect to the whole state.
    jacobian_norms : bool
        Also measure ``‖∂s_T/∂s_k‖₂`` (a chain of H×H products and
        an SVD per step). Without it only the vector ``(∂s_T/∂s_k)ᵀ g_T``
        is carried back, which is T times cheaper: what the interactive
        explorer uses.

    Returns
    -------
    GradientFlow
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 2 or len(inputs) == 0:
        raise ValueError(
            f"inputs must have shape (T, H_in) with T >= 1, got {inputs.shape}"
        )
    H = cell.hidden_size
    n = getattr(cell, "state_size", H)
    if g_T is None:
        g_T = np.random.default_rng(seed).standard_normal(H)
        g_T /= np.linalg.norm(g_T)
    g_T = np.asarray(g_T, dtype=np.float64)
    if g_T.shape == (H,) and n > H:
        g_T = np.concatenate([g_T, np.zeros(n - H)])
    T = len(inputs)
    if not jacobian_norms and s0 is None and hasattr(cell, "state_gradients"):
        # a cell with its own backward pass carries the one vector back itself
        # (fast)
        loss_grads = cell.state_gradients(inputs, g_T)
    else:
        s = np.zeros(n) if s0 is None else np.asarray(s0, dtype=np.float64)
        jacobians = []
        for u in inputs:
            s, J = cell.step_with_jacobian(s, u)
            jacobians.append(J)
        # loss_grads[i] = ∂L_T/∂s_{T-i} = (∂s_T/∂s_{T-i})ᵀ g_T
        loss_grads = np.empty((T + 1, n))
        loss_grads[0] = g_T
        for i in range(1, T + 1):
            loss_grads[i] = loss_grads[i - 1] @ jacobians[T - i]
    loss_norm = np.linalg.norm(loss_grads, axis=1)
    jac_norm = None
    if jacobian_norms:
        products = np.empty((T + 1, n, n))  # products[i] = ∂s_T/∂s_{T-i}
        products[0] = np.eye(n)
        for i in range(1, T + 1):
            products[i] = products[i - 1] @ jacobians[T - i]
        if not np.isfinite(products).all():
            k = int(np.argmin(np.isfinite(products).all(axis=(1, 2))))
            raise FloatingPointError(
                f"the Jacobian product overflows float64 {k} steps back "
                "(fewer steps, a smaller W, or jacobian_norms=False)"
            )
        jac_norm = np.linalg.norm(products, ord=2, axis=(1, 2))
    bound = None
    if isinstance(cell, RNNCell):
        *_, gamma = ACTIVATIONS[cell.activation]  # sup |f'|
        lam = np.linalg.norm(cell.W, 2)
        bound = (lam * gamma) ** np.arange(T + 1, dtype=np.float64)
    return GradientFlow(np.arange(T + 1), jac_norm, loss_norm, bound)


def bptt_contributions(
    model: RNNNumpy,
    x: Sequence[int] | np.ndarray,
    y: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """How much each output's error contributes to ``∂L/∂W`` through each
    earlier step.

    Full BPTT sums, over outputs ``t`` and steps ``k ≤ t``, the terms
    ``δ_k^{(t)} s_{k-1}ᵀ`` where ``δ_k^{(t)} = ∂L_t/∂a_k``. This
    returns their Frobenius norms.

    Returns
    -------
    numpy.ndarray, shape (T, T)
        ``C[t, k] = ‖δ_k^{(t)} s_{k-1}ᵀ‖``, which equals
        ``‖δ_k^{(t)}‖ ‖s_{k-1}‖``, for ``k ≤ t``; 0 above the
        diagonal. Summing the (unnormed) terms gives ``model.bptt`` with
        full BPTT; see :func:`bptt_contribution_sum`.
    """
    return np.array(
        [
            [np.linalg.norm(term) for term in row]
            for row in _contribution_terms(model, x, y)
        ]
    )


def bptt_contribution_sum(
    model: RNNNumpy,
    x: Sequence[int] | np.ndarray,
    y: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """The sum of all the per-(output, step) terms: ``∂L/∂W`` of full BPTT,
    built term by term."""
    return sum(
        term for row in _contribution_terms(model, x, y) for term in row
    )


def _contribution_terms(
    model: RNNNumpy,
    x: Sequence[int] | np.ndarray,
    y: Sequence[int] | np.ndarray,
) -> list[list[np.ndarray]]:
    x, y = check_pair(x, y, model.vocab_size)
    o, s = model.forward(x)
    T, H = len(x), model.hidden_size
    s_prev = np.vstack([np.zeros(H), s[:-1]])
    delta_o = o.copy()
    delta_o[np.arange(T), y] -= 1.0
    terms = [[np.zeros((H, H)) for _ in range(T)] for _ in range(T)]
    for t in range(T):
        delta = (model.V.T @ delta_o[t]) * (1 - s[t] ** 2)  # ∂L_t/∂a_t
        for k in range(t, -1, -1):
            terms[t][k] = np.outer(delta, s_prev[k])
            # ∂L_t/∂a_{k-1}
            delta = (model.W.T @ delta) * (1 - s_prev[k] ** 2)
    return terms
