"""How long one redraw of the gradient-decay explorer takes (the target is at most 200 ms).

A redraw recomputes the gradient flow with the package and re-renders the PNG, exactly as moving
a slider does. Times are medians over repeated slider moves after a warm-up.
Run: ``python benchmarks/widget_redraw.py``.
"""

from __future__ import annotations

import time

import numpy as np

from tutorial_rnn.widgets import gradient_decay_explorer


def main() -> None:
    print(f"{'setting':<44}{'median ms':>11}{'max ms':>9}")
    for length, hidden in ((100, 64), (200, 64), (200, 128)):
        explorer = gradient_decay_explorer(hidden_size=hidden)
        explorer.controls["length"].value = length
        times = []
        for value in np.tile(np.linspace(0.2, 1.9, 8), 3):
            start = time.perf_counter()
            explorer.controls["scale"].value = float(round(value, 2))
            times.append(time.perf_counter() - start)
        label = f"tanh, random W, length {length}, hidden {hidden}"
        print(f"{label:<44}{1e3 * np.median(times[2:]):>11.1f}{1e3 * max(times[2:]):>9.1f}")


if __name__ == "__main__":
    main()
