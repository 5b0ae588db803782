"""tutorial_rnn: the helper package behind the tutorial-rnn book.

Each chapter maps to modules:

- Chapter 1-2: :mod:`tutorial_rnn.data` (corpus, tokenizer, vocabulary),
  :mod:`tutorial_rnn.rnn_numpy` (the NumPy RNN language model),
  :mod:`tutorial_rnn.gradcheck` (the shared numerical gradient checker),
  :mod:`tutorial_rnn.plots` (figures the chapters draw).
"""

__version__ = "0.1.0"
