"""Your turn: code exercises that the package checks.

One module per chapter, one :class:`~tutorial_rnn.exercises.core.Exercise`
per function the reader writes. Each has

- ``check(fn)``: runs the reader's ``fn`` on random cases of several sizes
  and on the edge cases that matter, against the package's reference,
  without changing any model; on failure it raises
  :class:`~tutorial_rnn.exercises.core.CheckFailed`, whose message says
  which output differs, where first and by how much, and names the likely
  mistake with the equation it breaks;
- ``hint()``: where to start;
- ``solution()``: the package's own code.

Their texts (the hints, the equations, the catalogued mistakes and their
explanations) are in ``catalogue.json`` beside these modules.

=========  ==================================================
module     exercises
=========  ==================================================
``ch1``    ``step`` (the recurrence), ``softmax``
``ch2``    ``bptt`` (the three gradients, with truncation)
``ch3``    ``jacobian_product``, ``clip``
``ch4``    ``gru_step``, ``lstm_step``
``ch5``    ``gru_step_back``
``ch6``    ``beam_step``
=========  ==================================================

:mod:`tutorial_rnn.exercises.quiz` shows each chapter's quiz, which runs in
the browser without a kernel.
"""

from .core import CheckFailed, Exercise, Mistake, Passed

__all__ = ["CheckFailed", "Exercise", "Mistake", "Passed"]
