"""A count-based baseline: the interpolated Kneser-Ney trigram language model.

It answers the question a neural language model must face: does it beat
counting? The model reads the same training pairs as the networks
(``x = [START, w_1, .., w_n]``, ``y = [w_1, .., w_n, END]``) and predicts
``y[t]`` from the two inputs ``x[t-1], x[t]``; before the first word the
context is ``(START, START)`` (the first input, repeated). Its held-out loss
is therefore measured on exactly the targets of the RNNs, END included, with
the same vocabulary and the same UNKNOWN token.

Interpolated Kneser–Ney (Kneser and Ney 1995; Chen and Goodman 1998), with
one absolute discount ``D`` at every order::

    P3(w | u, v) = (max(c(u v w) - D, 0) + D N(u v .) P2(w | v)) / c(u v .)
    P2(w | v)    = (max(N(. v w) - D, 0) + D N(v .) P1(w)) / N(. v .)
    P1(w)        = (max(N(. w) - D, 0) + D N(. ?) / V) / N(. .)

where ``c`` counts occurrences, ``N(u v .)`` is the number of distinct words
seen after ``u v``, ``N(. v w)`` the number of distinct words seen before the
pair ``v w`` (a *continuation* count), ``N(v .)`` the number of distinct
words seen after ``v``, ``N(. v .)`` the number of distinct trigram types
with ``v`` in the middle, ``N(. w)`` the number of distinct words seen before
``w``, ``N(. .)`` the number of distinct bigram types, and ``N(. ?)`` the
number of words with ``N(. w) > 0``. A context never seen falls back to the
order below, and the uniform ``1/V`` at the bottom gives every word of the
vocabulary a probability above zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .validation import as_ids, check_pair, check_pairs, check_scalar

__all__ = ["KneserNeyTrigram"]


class KneserNeyTrigram:
    """An interpolated Kneser–Ney trigram model over ids ``0 .. V - 1``.

    Build it with :meth:`fit`. ``loss(X, Y)`` is the mean negative log
    probability (nats per target word), the measure of the networks'
    ``loss``.
    """

    def __init__(self, vocab_size: int, discount: float = 0.75) -> None:
        self.vocab_size = check_scalar(
            vocab_size, "vocab_size", int, min_val=2
        )
        self.discount = check_scalar(
            discount,
            "discount",
            float,
            min_val=0,
            max_val=1,
            include_boundaries="neither",
        )
        self._fitted = False

    def __repr__(self) -> str:
        return (
            f"KneserNeyTrigram(vocab_size={self.vocab_size}, "
            f"discount={self.discount})"
        )

    @classmethod
    def fit(
        cls,
        X: Sequence[np.ndarray],
        Y: Sequence[np.ndarray],
        vocab_size: int,
        discount: float = 0.75,
    ) -> KneserNeyTrigram:
        """Count the trigrams of the training pairs ``X, Y``.

        Parameters
        ----------
        X, Y : sequences of numpy.ndarray of int, each of shape (n,)
            Input and target ids, one pair per sentence (as
            :func:`tutorial_rnn.data.training_pairs` makes them).
        vocab_size : int
            ``V``; every id lies in ``0 .. V - 1``.
        discount : float
            ``D``, strictly between 0 and 1.
        """
        model = cls(vocab_size, discount)
        u, v, w = model._triples(X, Y)
        V = model.vocab_size
        # trigram types and their counts c(u v w), sorted by (u, v, w)
        tri_keys, tri_counts = np.unique(
            (u * V + v) * V + w, return_counts=True
        )
        ctx_keys, first, ctx_types = np.unique(
            tri_keys // V, return_index=True, return_counts=True
        )
        # bigram types (v, w) and their continuation counts N(. v w)
        mid_keys, mid_cont = np.unique(tri_keys % (V * V), return_counts=True)
        mid_v, mid_w = mid_keys // V, mid_keys % V
        lower = np.bincount(mid_w, minlength=V)  # N(. w)
        model._p1 = model._interpolate(
            lower, len(mid_keys), np.count_nonzero(lower), 1 / V
        )
        model._tri_keys, model._tri_counts = tri_keys, tri_counts
        model._ctx_keys, model._ctx_types = ctx_keys, ctx_types
        model._ctx_total = np.add.reduceat(tri_counts, first)
        model._mid_keys, model._mid_cont = mid_keys, mid_cont
        model._v_total = np.bincount(mid_v, weights=mid_cont, minlength=V)
        model._v_types = np.bincount(mid_v, minlength=V)
        model._fitted = True
        return model

    def _triples(
        self, X: Sequence[np.ndarray], Y: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Context ``(u, v)`` and target ``w`` of every position of every
        pair."""
        check_pairs(X, Y)
        us, vs, ws = [], [], []
        for x, y in zip(X, Y, strict=True):
            x_ids, y_ids = check_pair(x, y, self.vocab_size)
            us.append(np.concatenate(([x_ids[0]], x_ids[:-1])))
            vs.append(x_ids)
            ws.append(y_ids)
        return np.concatenate(us), np.concatenate(vs), np.concatenate(ws)

    @staticmethod
    def _lookup(
        keys: np.ndarray, values: np.ndarray, query: np.ndarray
    ) -> np.ndarray:
        """``values`` at the positions of ``query`` in the sorted ``keys``;
        0 where a query is not among the keys."""
        at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        return np.where(keys[at] == query, values[at], 0)

    def _interpolate(
        self,
        count: np.ndarray,
        total: np.ndarray,
        types: np.ndarray,
        lower: np.ndarray,
    ) -> np.ndarray:
        """One order of the recursion: ``(max(count - D, 0) + D types
        lower) / total``, or the order below, ``lower``, where the context
        was never seen (``total == 0``)."""
        D = self.discount
        return np.where(
            total > 0,
            (np.maximum(count - D, 0.0) + D * types * lower)
            / np.maximum(total, 1),
            lower,
        )

    def probabilities(
        self, u: np.ndarray, v: np.ndarray, w: np.ndarray
    ) -> np.ndarray:
        """``P(w | u, v)`` for arrays of ids of the same shape (1-D)."""
        if not self._fitted:
            raise ValueError("the model has no counts: build it with fit")
        V = self.vocab_size
        u = as_ids(u, V, "u")
        v = as_ids(v, V, "v")
        w = as_ids(w, V, "w")
        if not len(u) == len(v) == len(w):
            raise ValueError(
                "u, v and w must have the same length, got "
                f"{len(u)}, {len(v)} and {len(w)}"
            )
        cont = self._lookup(self._mid_keys, self._mid_cont, v * V + w)
        p2 = self._interpolate(
            cont, self._v_total[v], self._v_types[v], self._p1[w]
        )
        ctx = u * V + v
        count = self._lookup(self._tri_keys, self._tri_counts, ctx * V + w)
        ctx_total = self._lookup(self._ctx_keys, self._ctx_total, ctx)
        ctx_types = self._lookup(self._ctx_keys, self._ctx_types, ctx)
        return self._interpolate(count, ctx_total, ctx_types, p2)

    def distribution(self, u: int, v: int) -> np.ndarray:
        """``P(. | u, v)``: the whole distribution over the vocabulary,
        shape (V,), summing to 1."""
        V = self.vocab_size
        w = np.arange(V)
        u_ids = as_ids([u], V, "u")
        v_ids = as_ids([v], V, "v")
        return self.probabilities(np.repeat(u_ids, V), np.repeat(v_ids, V), w)

    def loss(self, X: Sequence[np.ndarray], Y: Sequence[np.ndarray]) -> float:
        """Mean negative log probability of the targets ``Y`` given ``X``,
        in nats per word."""
        if not self._fitted:
            raise ValueError("the model has no counts: build it with fit")
        u, v, w = self._triples(X, Y)
        return float(-np.log(self.probabilities(u, v, w)).mean())
