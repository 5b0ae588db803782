"""How long one redraw of the gradient-decay explorer takes (the target is
at most 200 ms).

A redraw recomputes the gradient flow with the package and re-renders the
PNG, exactly as moving a slider does; medians over repeated slider moves
after a warm-up (``workloads.widget_redraw``).
Run: ``python benchmarks/widget_redraw.py``.
"""

from __future__ import annotations

import workloads


def main() -> None:
    rows = [
        workloads.widget_redraw(cell, length, hidden, moves=12)
        for cell, length, hidden in (
            ("tanh", 100, 64),
            ("tanh", 200, 64),
            ("tanh", 200, 128),
            ("gru", 200, 64),
            ("lstm", 200, 64),
            ("lstm", 200, 128),
        )
    ]
    print(workloads.format_table(rows))


if __name__ == "__main__":
    main()
