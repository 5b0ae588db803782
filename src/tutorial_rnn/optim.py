"""Optimisers in NumPy: SGD, RMSprop (the 2015 tutorial's choice) and Adam.

Each keeps its state per parameter name and updates the arrays **in place**::

    opt = RMSprop(model.parameters(), learning_rate=1e-3)
    opt.step(grads)            # grads: name -> array, same shapes

For a gradient ``g`` of parameter ``θ`` at step ``t`` (counting from 1):

- SGD:      ``θ ← θ - η g``
- RMSprop:  ``m ← ρ m + (1 - ρ) g²``,  ``θ ← θ - η g / √(m + ε)``
  (ρ = 0.9, ε = 1e-6: the 2015 tutorial's form, with ε inside the square
  root; PyTorch puts it outside)
- Adam:     ``m ← β₁ m + (1 - β₁) g``,
  ``v ← β₂ v + (1 - β₂) g²``,
  ``θ ← θ - η m̂ / (√v̂ + ε)`` with ``m̂ = m / (1 - β₁ᵗ)``,
  ``v̂ = v / (1 - β₂ᵗ)`` (Kingma & Ba, 2015; the same update as
  ``torch.optim.Adam``)
- Momentum: ``v ← μ v + g``, ``θ ← θ - η v`` (``torch.optim.SGD``'s
  form)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .validation import DECAY, POSITIVE, check_learning_rate, check_scalar

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "clip_by_norm",
    "clip_gradients",
]


class Optimizer:
    """Base class: holds the parameters (by name) and checks gradients before a
    step."""

    #: Whether the state keeps a moment of ``g²`` (which overflows for
    #: ``|g| ≥ 1.4e154``).
    squares_gradients = False

    def __init__(self, params: Mapping[str, np.ndarray], learning_rate: float):
        self.params = dict(params)
        self.learning_rate = check_learning_rate(learning_rate)
        self.t = 0  # steps taken

    def _check(self, grads: Mapping[str, np.ndarray]) -> None:
        if set(grads) != set(self.params):
            raise ValueError(
                f"gradients name {sorted(grads)}, but the optimiser holds "
                f"{sorted(self.params)}"
            )
        for name, g in grads.items():
            if g.shape != self.params[name].shape:
                raise ValueError(
                    f"gradient of {name!r} has shape {g.shape}, parameter has "
                    f"{self.params[name].shape}"
                )
            if not np.all(np.isfinite(g)):
                raise FloatingPointError(
                    f"the gradient of {name!r} is not finite: no update was "
                    "made"
                )
            if self.squares_gradients and g.size:
                top = float(np.abs(g).max())
                if not np.isfinite(top * top):
                    raise FloatingPointError(
                        f"the gradient of {name!r} reaches {top:.3g}: its "
                        f"square, kept in the optimiser's moment, is not "
                        f"finite; no update was made (clip the gradient)"
                    )

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """Update every parameter in place from its gradient.

        Raises
        ------
        FloatingPointError
            If a gradient is not finite, or its square is not (for the
            optimisers that keep a moment of ``g²``: a non-finite moment
            would freeze the parameter for good); nothing is changed then.
        """
        self._check(grads)
        self.t += 1
        for name, g in grads.items():
            self.update(name, self.params[name], np.asarray(g))

    def update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        """The rule for one parameter: change ``p`` in place, given its
        gradient ``g`` (a subclass defines it; :meth:`step` calls it)."""
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent, ``θ ← θ - η g``."""

    def update(self, name, p, g):
        p -= self.learning_rate * g


class RMSprop(Optimizer):
    """RMSprop with the 2015 tutorial's constants.

    ``decay`` ρ = 0.9 and ``eps`` ε = 1e-6, inside the square root.
    """

    squares_gradients = True

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        learning_rate: float = 1e-3,
        decay: float = 0.9,
        eps: float = 1e-6,
    ):
        super().__init__(params, learning_rate)
        self.decay = check_scalar(decay, "decay", float, **DECAY)
        self.eps = check_scalar(eps, "eps", float, **POSITIVE)
        self.mean_square = {
            name: np.zeros_like(p) for name, p in self.params.items()
        }

    def update(self, name, p, g):
        m = self.mean_square[name]
        m *= self.decay
        m += (1.0 - self.decay) * g**2
        p -= self.learning_rate * g / np.sqrt(m + self.eps)


class Adam(Optimizer):
    """Adam with bias correction (``torch.optim.Adam``'s update and
    defaults)."""

    squares_gradients = True

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        learning_rate: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        super().__init__(params, learning_rate)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair, got {betas!r}")
        self.betas = tuple(
            check_scalar(b, f"betas[{i}]", float, **DECAY)
            for i, b in enumerate(betas)
        )
        self.eps = check_scalar(eps, "eps", float, **POSITIVE)
        self.m = {name: np.zeros_like(p) for name, p in self.params.items()}
        self.v = {name: np.zeros_like(p) for name, p in self.params.items()}

    def update(self, name, p, g):
        (b1, b2), m, v = self.betas, self.m[name], self.v[name]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * g**2
        m_hat = m / (1.0 - b1**self.t)
        v_hat = v / (1.0 - b2**self.t)
        p -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


class Momentum(Optimizer):
    """Gradient descent with momentum (heavy ball), ``torch.optim.SGD``'s
    form: ``v ← μ v + g``, ``θ ← θ - η v``.

    ``v`` is a running sum of past gradients, decayed by ``μ`` per step:
    directions that agree from step to step build up speed (up to
    ``1 / (1 - μ)`` times the plain step), directions that flip sign
    cancel out.
    """

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        learning_rate: float = 1e-2,
        momentum: float = 0.9,
    ):
        super().__init__(params, learning_rate)
        self.momentum = check_scalar(momentum, "momentum", float, **DECAY)
        self.velocity = {n: np.zeros_like(p) for n, p in self.params.items()}

    def update(self, name, p, g):
        v = self.velocity[name]
        v *= self.momentum
        v += g
        p -= self.learning_rate * v


#: Name → optimiser class: the ``optimizer`` names of
#: :meth:`GatedLMNumpy.fit <tutorial_rnn.models.BatchedModel.fit>`.
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adam": Adam,
    "momentum": Momentum,
}


def clip_by_norm(
    grads: Sequence[np.ndarray], theta: float
) -> tuple[list[np.ndarray], float]:
    """Norm clipping (Pascanu et al., 2013): if ``‖g‖ > θ`` then
    ``g ← θ g / ‖g‖``.

    ``‖g‖`` is the norm of all the gradients together, as if they were one
    long vector, so the direction of the update is kept and only its length
    is capped.

    Returns
    -------
    clipped : list of numpy.ndarray
        New arrays (the inputs are not modified).
    norm : float
        The norm before clipping.
    """
    theta = check_scalar(theta, "theta", float, **POSITIVE)
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
    if not np.isfinite(norm):
        raise FloatingPointError(
            f"the gradient norm is {norm}: clipping cannot repair a"
            " non-finite gradient"
        )
    factor = theta / norm if norm > theta else 1.0
    return [g * factor for g in grads], norm


def clip_gradients(
    grads: Mapping[str, np.ndarray], theta: float
) -> tuple[dict[str, np.ndarray], float]:
    """:func:`clip_by_norm` for a dict of gradients:
    returns (clipped, norm)."""
    clipped, norm = clip_by_norm(list(grads.values()), theta)
    return dict(zip(grads, clipped, strict=True)), norm
