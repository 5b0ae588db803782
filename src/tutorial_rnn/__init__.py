"""tutorial_rnn: the helper package behind the tutorial-rnn book.

Each chapter maps to modules a reader can find:

- Chapter 1 and 2: :mod:`~tutorial_rnn.corpus` (Shakespeare's plays),
  :mod:`~tutorial_rnn.data` (tokenizer, vocabulary, pairs, the split),
  :mod:`~tutorial_rnn.rnn_numpy` (the NumPy RNN language model, plain),
  :mod:`~tutorial_rnn.rnn_torch` (its PyTorch twin),
  :mod:`~tutorial_rnn.gradcheck` (the shared numerical gradient checker),
  :mod:`~tutorial_rnn.checkpoint` (one ``safetensors`` format for every model),
  :mod:`~tutorial_rnn.plots` (plots of data and results),
  :mod:`~tutorial_rnn.diagrams` (diagrams of the networks).
- Chapter 3: :mod:`~tutorial_rnn.gradients` (gradient flow through time, the
  Pascanu bound), :mod:`~tutorial_rnn.tasks` (the adding problem),
  :mod:`~tutorial_rnn.widgets` (the gradient-decay explorer and its static
  twin).
- Chapters 4 and 5: :mod:`~tutorial_rnn.gated_numpy` (GRU and LSTM with
  hand-written BPTT), :mod:`~tutorial_rnn.gated_lm` (the gated language
  model),
  :mod:`~tutorial_rnn.gated_torch` (their PyTorch twins: hand-written cells
  and ``nn.GRU``/``nn.LSTM``), :mod:`~tutorial_rnn.optim` (SGD,
  momentum, RMSprop, Adam in NumPy),
  :mod:`~tutorial_rnn.torch_lm` (what the torch models share),
  :mod:`~tutorial_rnn.ngram` (the Kneser–Ney trigram baseline),
  :mod:`~tutorial_rnn.char_lm` (characters in, characters out; state
  carried across a stream), :mod:`~tutorial_rnn.pretrained` (the shipped
  models).
- Every chapter: :mod:`~tutorial_rnn.exercises` (the "Your turn" checks and
  the quizzes).
- Chapters 2 and 6: :mod:`~tutorial_rnn.decoding` (the one sampler, which
  every model's ``generate`` calls; greedy decoding, beam search,
  continuing a prompt).
- The appendix: :mod:`~tutorial_rnn.rnn_numpy_fast` (the fast twin of the
  plain RNN, tested equal to it).
- Shared: :mod:`~tutorial_rnn.models` (the interface every model meets, the
  training history), :mod:`~tutorial_rnn.batching` (length buckets,
  padding, the training loop),
  :mod:`~tutorial_rnn.activations` (the softmax, log-softmax and sigmoid),
  :mod:`~tutorial_rnn.notebook` (showing the package's source, the fast mode),
  :mod:`~tutorial_rnn.validation` (input checks with clear errors).
"""

__version__ = "0.1.0"
