"""The exercises of tutorial_rnn.exercises: the reference passes every
check, each catalogued mistake (written here as a learner would write it)
fails with its own diagnosis, a perturbed solution fails with the generic
one, the blank scaffold gives the friendly message, hostile arguments get
clear errors, and the references are the package's own computations."""

from __future__ import annotations

import inspect
import json
from importlib.resources import files

import numpy as np
import pytest

from tutorial_rnn import decoding
from tutorial_rnn.activations import log_softmax, sigmoid
from tutorial_rnn.exercises import CheckFailed, ch1, ch2, ch3, ch4, ch5, ch6
from tutorial_rnn.rnn_numpy import RNNNumpy

EXERCISES = {
    "step": ch1.step,
    "softmax": ch1.softmax,
    "bptt": ch2.bptt,
    "jacobian_product": ch3.jacobian_product,
    "clip": ch3.clip,
    "gru_step": ch4.gru_step,
    "lstm_step": ch4.lstm_step,
    "gru_step_back": ch5.gru_step_back,
    "beam_step": ch6.beam_step,
}


@pytest.mark.parametrize("name", EXERCISES)
def test_the_reference_passes_and_says_what_it_reproduced(name):
    exercise = EXERCISES[name]
    passed = exercise.check(exercise.reference)
    assert passed
    assert str(passed).startswith(f"{name} passes: on ")
    assert "reproduced" in str(passed)
    assert "✓" in passed._repr_markdown_()


# ------------------------------------------------ learners' mistakes: ch1
def step_no_recurrence(U, W, x_t, s_prev):
    return np.tanh(U[:, x_t])


def step_w_transposed(U, W, x_t, s_prev):
    return np.tanh(U[:, x_t] + s_prev @ W)  # s W = Wᵀ s


def step_no_tanh(U, W, x_t, s_prev):
    return U[:, x_t] + np.dot(W, s_prev)


def step_u_by_row(U, W, x_t, s_prev):
    return np.tanh(U[x_t, :] + W @ s_prev)


def softmax_no_shift(z):
    return np.exp(z) / np.sum(np.exp(z), axis=-1, keepdims=True)


def softmax_whole_array(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e)


# ------------------------------------------------ learners' mistakes: ch2
def _bptt_loop(
    model,
    x,
    y,
    back=lambda W, d: W.T @ d,
    start=lambda t, k: max(0, t - k),
    dtanh=True,
    minus_one=True,
):
    T = len(x)
    k = T if model.bptt_truncate is None else model.bptt_truncate
    o, s = model.forward(x)
    dU = np.zeros(model.U.shape)
    dV = np.zeros(model.V.shape)
    dW = np.zeros(model.W.shape)
    for t in range(T - 1, -1, -1):
        d_o = o[t].copy()
        d_o[y[t]] -= 1 if minus_one else 0
        dV += np.outer(d_o, s[t])
        delta = model.V.T @ d_o * (1 - s[t] * s[t])
        for j in range(t, start(t, k) - 1, -1):
            prev = s[j - 1] if j > 0 else np.zeros(model.hidden_size)
            dW += np.outer(delta, prev)
            dU[:, x[j]] += delta
            delta = back(model.W, delta) * ((1 - prev**2) if dtanh else 1)
    return dU, dV, dW


def bptt_recurrence_dropped(model, x, y):
    o, s = model.forward(x)
    dU, dV, dW = (np.zeros_like(p) for p in (model.U, model.V, model.W))
    for t in range(len(x)):
        d_o = o[t] - np.eye(model.vocab_size)[y[t]]
        dV += np.outer(d_o, s[t])
        delta = (model.V.T @ d_o) * (1 - s[t] ** 2)
        prev = s[t - 1] if t else np.zeros(model.hidden_size)
        dW += np.outer(delta, prev)
        dU[:, x[t]] += delta
    return dU, dV, dW


def bptt_tanh_derivative_forgotten(model, x, y):
    return _bptt_loop(model, x, y, dtanh=False)


def bptt_transpose_missing(model, x, y):
    return _bptt_loop(model, x, y, back=lambda W, d: W @ d)


def bptt_window_off_by_one(model, x, y):
    return _bptt_loop(model, x, y, start=lambda t, k: max(0, t - k + 1))


def bptt_output_error_without_minus_one(model, x, y):
    return _bptt_loop(model, x, y, minus_one=False)


# ------------------------------------------------ learners' mistakes: ch3
def jacobians_in_the_wrong_order(W, A):
    product = np.identity(W.shape[0])
    for a in A:
        product = product @ (np.diag(1 - np.tanh(a) ** 2) @ W)
    return product


def jacobians_without_tanh_derivative(W, A):
    return np.linalg.matrix_power(W, len(A))


def jacobians_transposed(W, A):
    product = np.identity(W.shape[0])
    for a in A:
        product = np.diag(1 - np.tanh(a) ** 2) @ W.T @ product
    return product


def _global_norm(grads):
    return float(np.sqrt(sum((g * g).sum() for g in grads)))


def clip_each_array(grads, theta):
    norm = _global_norm(grads)
    clipped = []
    for g in grads:
        n = np.linalg.norm(g)
        clipped.append(theta * g / n if n > theta else g)
    return clipped, norm


def clip_entries(grads, theta):
    return [np.minimum(np.maximum(g, -theta), theta) for g in grads], (
        _global_norm(grads)
    )


def clip_always(grads, theta):
    norm = _global_norm(grads)
    return [theta * g / norm for g in grads], norm


def clip_returns_the_new_norm(grads, theta):
    norm = _global_norm(grads)
    if norm > theta:
        grads = [g * (theta / norm) for g in grads]
    return list(grads), _global_norm(grads)


def clip_without_square_root(grads, theta):
    norm = sum(float(np.sum(g**2)) for g in grads)
    factor = min(1.0, theta / norm) if norm else 1.0
    return [g * factor for g in grads], norm


# ------------------------------------------------ learners' mistakes: ch4
def _gates(cell, x, s_prev):
    H = cell.hidden_size
    U, W, bU, bW = cell.U[0], cell.W[0], cell.bU[0], cell.bW[0]
    r = sigmoid(x @ U[:H].T + bU[:H] + s_prev @ W[:H].T + bW[:H])
    z = sigmoid(
        x @ U[H : 2 * H].T
        + bU[H : 2 * H]
        + s_prev @ W[H : 2 * H].T
        + bW[H : 2 * H]
    )
    return H, U, W, bU, bW, r, z


def gru_z_swapped(cell, x, s_prev):
    H, U, W, bU, bW, r, z = _gates(cell, x, s_prev)
    n = np.tanh(
        x @ U[2 * H :].T
        + bU[2 * H :]
        + (r * s_prev) @ W[2 * H :].T
        + bW[2 * H :]
    )
    return z * n + (1 - z) * s_prev


def gru_reset_after(cell, x, s_prev):
    H, U, W, bU, bW, r, z = _gates(cell, x, s_prev)
    n = np.tanh(
        x @ U[2 * H :].T
        + bU[2 * H :]
        + r * (s_prev @ W[2 * H :].T + bW[2 * H :])
    )
    return (1 - z) * n + z * s_prev


def gru_reset_forgotten(cell, x, s_prev):
    H, U, W, bU, bW, _, z = _gates(cell, x, s_prev)
    n = np.tanh(
        x @ U[2 * H :].T + bU[2 * H :] + s_prev @ W[2 * H :].T + bW[2 * H :]
    )
    return (1 - z) * n + z * s_prev


def gru_blocks_swapped(cell, x, s_prev):
    H, U, W, bU, bW, z, r = _gates(cell, x, s_prev)  # r and z mixed up
    n = np.tanh(
        x @ U[2 * H :].T
        + bU[2 * H :]
        + (r * s_prev) @ W[2 * H :].T
        + bW[2 * H :]
    )
    return (1 - z) * n + z * s_prev


def _lstm_blocks(cell, x, s_prev):
    H = cell.hidden_size
    a = x @ cell.U[0].T + cell.bU[0] + s_prev @ cell.W[0].T + cell.bW[0]
    return [a[:, j * H : (j + 1) * H] for j in range(4)]


def lstm_forget_on_state(cell, x, s_prev, c_prev):
    a_i, a_f, a_g, a_o = _lstm_blocks(cell, x, s_prev)
    c = sigmoid(a_f) * s_prev + sigmoid(a_i) * np.tanh(a_g)
    return sigmoid(a_o) * np.tanh(c), c


def lstm_cell_not_squashed(cell, x, s_prev, c_prev):
    a_i, a_f, a_g, a_o = _lstm_blocks(cell, x, s_prev)
    c = sigmoid(a_f) * c_prev + sigmoid(a_i) * np.tanh(a_g)
    return sigmoid(a_o) * c, c


def lstm_gates_in_keras_order(cell, x, s_prev, c_prev):
    a_i, a_f, a_o, a_g = _lstm_blocks(cell, x, s_prev)  # [i, f, o, g]
    c = sigmoid(a_f) * c_prev + sigmoid(a_i) * np.tanh(a_g)
    return sigmoid(a_o) * np.tanh(c), c


# ------------------------------------------------ learners' mistakes: ch5
def _step_back(
    cell,
    d_s,
    cache,
    keep=lambda z: z,
    write=lambda z: 1 - z,
    dn=lambda n: 1 - n**2,
    dW_n=lambda d, q: d.T @ q,
    direct=True,
):
    s_prev, r, z, n, q = cache
    H, W = cell.hidden_size, cell.W[0]
    da_n = d_s * write(z) * dn(n)
    da_z = d_s * (s_prev - n) * z * (1 - z)
    d_q = da_n @ W[2 * H :]
    da_r = d_q * s_prev * r * (1 - r)
    da_rz = np.concatenate([da_r, da_z], axis=1)
    dW = np.concatenate([da_rz.T @ s_prev, dW_n(da_n, q)])
    dbW = np.concatenate([da_rz.sum(0), da_n.sum(0)])
    d_prev = d_q * r + da_rz @ W[: 2 * H]
    if direct:
        d_prev = d_prev + d_s * keep(z)
    return np.concatenate([da_r, da_z, da_n], axis=1), d_prev, dW, dbW


def back_z_swapped(cell, d_s, cache):
    return _step_back(
        cell, d_s, cache, keep=lambda z: 1 - z, write=lambda z: z
    )


def back_tanh_derivative_forgotten(cell, d_s, cache):
    return _step_back(cell, d_s, cache, dn=lambda n: 1.0)


def back_transpose_missing(cell, d_s, cache):
    return _step_back(cell, d_s, cache, dW_n=lambda d, q: q.T @ d)


def back_direct_path_dropped(cell, d_s, cache):
    return _step_back(cell, d_s, cache, direct=False)


# ------------------------------------------------ learners' mistakes: ch6
def _candidates(beam, log_p, width, prefix=True, masked=False):
    out = []
    for (score, words), row in zip(beam, log_p, strict=True):
        best = np.argsort(row)[::-1][:width]
        for x in best:
            if masked or np.isfinite(row[x]):
                out.append(((score if prefix else 0) + row[x], words, x))
    return sorted(out, key=lambda c: c[0], reverse=True)


def beam_finished_keep_growing(beam, log_p, width, end_id):
    kept = _candidates(beam, log_p, width)[:width]
    return [(s, [*w, int(x)]) for s, w, x in kept], []


def beam_prefix_not_added(beam, log_p, width, end_id):
    kept = _candidates(beam, log_p, width, prefix=False)[:width]
    return (
        [(s, [*w, int(x)]) for s, w, x in kept if x != end_id],
        [(s, list(w)) for s, w, x in kept if x == end_id],
    )


def beam_k_per_hypothesis(beam, log_p, width, end_id):
    kept = _candidates(beam, log_p, width)
    return (
        [(s, [*w, int(x)]) for s, w, x in kept if x != end_id],
        [(s, list(w)) for s, w, x in kept if x == end_id],
    )


def beam_masked_word(beam, log_p, width, end_id):
    kept = _candidates(beam, log_p, width, masked=True)[:width]
    return (
        [(s, [*w, int(x)]) for s, w, x in kept if x != end_id],
        [(s, list(w)) for s, w, x in kept if x == end_id],
    )


MISTAKES = [
    ("step", step_no_recurrence, "the recurrence term dropped"),
    ("step", step_w_transposed, "a transpose missing"),
    ("step", step_no_tanh, "the tanh forgotten"),
    ("step", step_u_by_row, "U read by row instead of by column"),
    ("softmax", softmax_no_shift, "the softmax without its shift"),
    ("softmax", softmax_whole_array, "the wrong axis normalised"),
    ("bptt", bptt_recurrence_dropped, "the recurrence term dropped"),
    (
        "bptt",
        bptt_tanh_derivative_forgotten,
        "the derivative of tanh forgotten",
    ),
    ("bptt", bptt_transpose_missing, "a transpose missing"),
    ("bptt", bptt_window_off_by_one, "the truncation window off by one"),
    (
        "bptt",
        bptt_output_error_without_minus_one,
        "the output error without its −1 at the target",
    ),
    (
        "jacobian_product",
        jacobians_in_the_wrong_order,
        "the product in the wrong order",
    ),
    (
        "jacobian_product",
        jacobians_without_tanh_derivative,
        "the derivative of tanh forgotten",
    ),
    ("jacobian_product", jacobians_transposed, "a transpose missing"),
    ("clip", clip_each_array, "each array clipped by its own norm"),
    ("clip", clip_entries, "the entries clipped instead of the norm"),
    ("clip", clip_always, "every gradient rescaled, also the small ones"),
    ("clip", clip_returns_the_new_norm, "the norm returned after clipping"),
    ("clip", clip_without_square_root, "the square root forgotten"),
    ("gru_step", gru_z_swapped, "z and 1 − z swapped"),
    ("gru_step", gru_reset_after, "the reset gate applied after the product"),
    ("gru_step", gru_reset_forgotten, "the reset gate forgotten"),
    ("gru_step", gru_blocks_swapped, "the gate blocks in the wrong order"),
    (
        "lstm_step",
        lstm_forget_on_state,
        "the forget gate applied to the wrong state",
    ),
    ("lstm_step", lstm_cell_not_squashed, "the tanh of the cell forgotten"),
    (
        "lstm_step",
        lstm_gates_in_keras_order,
        "the gate blocks in the wrong order",
    ),
    ("gru_step_back", back_z_swapped, "z and 1 − z swapped"),
    (
        "gru_step_back",
        back_tanh_derivative_forgotten,
        "the derivative of tanh forgotten",
    ),
    ("gru_step_back", back_transpose_missing, "a transpose missing"),
    ("gru_step_back", back_direct_path_dropped, "the recurrence term dropped"),
    (
        "beam_step",
        beam_finished_keep_growing,
        "a beam that keeps finished hypotheses growing",
    ),
    (
        "beam_step",
        beam_prefix_not_added,
        "the prefix's log-probability not added",
    ),
    (
        "beam_step",
        beam_k_per_hypothesis,
        "k kept per partial sentence instead of k overall",
    ),
    ("beam_step", beam_masked_word, "a masked word chosen"),
]


@pytest.mark.parametrize(
    ("name", "wrong", "mistake"),
    MISTAKES,
    ids=[f"{name}-{fn.__name__}" for name, fn, _ in MISTAKES],
)
def test_each_catalogued_mistake_gets_its_named_diagnosis(
    name, wrong, mistake
):
    exercise = EXERCISES[name]
    with pytest.raises(CheckFailed) as failed:
        exercise.check(wrong)
    assert failed.value.mistake == mistake
    message = str(failed.value)
    assert f"Likely mistake: {mistake}." in message
    assert "See Chapter" in message  # it points to the chapter's equation


def test_every_catalogued_mistake_is_tested():
    tested = {(name, mistake) for name, _, mistake in MISTAKES}
    catalogue = {
        (name, m.name) for name, ex in EXERCISES.items() for m in ex.mistakes
    }
    assert tested == catalogue


def test_the_catalogue_file_holds_every_exercise_and_only_real_switches():
    path = files("tutorial_rnn.exercises") / "catalogue.json"
    assert set(json.loads(path.read_text(encoding="utf-8"))) == set(EXERCISES)
    for name, exercise in EXERCISES.items():
        params = inspect.signature(exercise.wrong).parameters
        for mistake in exercise.mistakes:
            for variant in mistake.variants:
                for switch in variant.keywords:
                    kind = params[switch].kind if switch in params else None
                    assert kind is inspect.Parameter.KEYWORD_ONLY, (
                        name,
                        mistake.name,
                        switch,
                    )


def test_the_issues_catalogue_is_covered():
    names = {m.name for ex in EXERCISES.values() for m in ex.mistakes}
    for wanted in (
        "the derivative of tanh forgotten",
        "a transpose missing",
        "the truncation window off by one",
        "the recurrence term dropped",
        "the softmax without its shift",
        "z and 1 − z swapped",
        "the forget gate applied to the wrong state",
        "a beam that keeps finished hypotheses growing",
    ):
        assert wanted in names


# ------------------------------------------------------ generic diagnosis
def _perturbed(exercise):
    """The reference with one output nudged by a small random amount."""
    rng = np.random.default_rng(0)

    def nudge(a):
        a = np.asarray(a, dtype=np.float64)
        return a + 1e-3 * rng.standard_normal(a.shape)

    def wrong(*args):
        out = exercise.reference(*args)
        if exercise.name == "beam_step":
            new_beam, finished = out
            return [(lp + 1e-3, w) for lp, w in new_beam], finished
        if exercise.name == "clip":
            clipped, norm = out
            return [nudge(g) for g in clipped], norm
        if isinstance(out, tuple):
            return (nudge(out[0]), *out[1:])
        return nudge(out)

    return wrong


@pytest.mark.parametrize("name", EXERCISES)
def test_a_perturbed_solution_gets_the_generic_diagnosis(name):
    exercise = EXERCISES[name]
    with pytest.raises(CheckFailed) as failed:
        exercise.check(_perturbed(exercise))
    assert failed.value.mistake is None
    message = str(failed.value)
    assert "No mistake from the catalogue matches" in message
    assert "differs first at" in message
    assert "in the case:" in message and "expected" in message


def test_the_generic_diagnosis_says_which_output_where_and_by_how_much():
    def dW_nudged(model, x, y):
        dU, dV, dW = model.bptt(x, y)
        dW = dW.copy()
        dW[1, 2] += 0.5
        return dU, dV, dW

    with pytest.raises(
        CheckFailed,
        match=r"dW differs first at row 1, "
        r"column 2 .*largest difference 0\.5",
    ):
        ch2.bptt.check(dW_nudged)


# ------------------------------------------------- scaffold and hostiles
@pytest.mark.parametrize("name", EXERCISES)
def test_the_blank_scaffold_gets_the_friendly_message(name):
    def scaffold(*args):
        raise NotImplementedError("Your turn: write the body")

    with pytest.raises(NotImplementedError, match="blank scaffold") as err:
        EXERCISES[name].check(scaffold)
    assert "hint()" in str(err.value) and "solution()" in str(err.value)


@pytest.mark.parametrize("not_a_function", [None, 3, "bptt", ch2.bptt])
def test_check_needs_a_function(not_a_function):
    with pytest.raises(TypeError, match="check needs the function you wrote"):
        ch2.bptt.check(not_a_function)


def test_a_class_is_not_taken_for_the_function():
    with pytest.raises(TypeError, match="check needs the function"):
        ch2.bptt.check(RNNNumpy)


def test_a_function_with_the_wrong_arguments_is_told_so():
    def bptt(x, y):  # forgot the model
        return x, y, x

    with pytest.raises(
        CheckFailed,
        match=r"bptt raised TypeError: .*takes "
        r"2 positional arguments but 3 were given",
    ):
        ch2.bptt.check(bptt)


def test_the_wrong_number_of_outputs_is_named():
    with pytest.raises(
        CheckFailed,
        match=r"must return 3 arrays \(dU, dV, "
        r"dW\), got 2 values",
    ):
        ch2.bptt.check(lambda model, x, y: model.bptt(x, y)[:2])
    with pytest.raises(CheckFailed, match="must return 3 arrays"):
        ch2.bptt.check(lambda model, x, y: None)


def test_a_wrong_shape_is_named_with_the_expected_one():
    def transposed_dV(model, x, y):
        dU, dV, dW = model.bptt(x, y)
        return dU, dV.T, dW

    with pytest.raises(
        CheckFailed,
        match=r"dV has shape \(3, 8\), expected "
        r"\(8, 3\) \(the transpose of the right shape\)",
    ):
        ch2.bptt.check(transposed_dV)


def test_outputs_that_are_not_numbers_are_named():
    with pytest.raises(CheckFailed, match="must be an array of numbers"):
        ch2.bptt.check(lambda model, x, y: ("a", "b", "c"))


def test_an_error_in_the_readers_code_is_reported_with_the_case():
    def broken(model, x, y):
        return model.V @ model.U  # (V, H) @ (H, V): wrong quantity, shapes

    def crashes(model, x, y):
        return model.U @ model.V.T  # shapes do not fit

    with pytest.raises(CheckFailed, match="raised ValueError"):
        ch2.bptt.check(crashes)
    with pytest.raises(CheckFailed):
        ch2.bptt.check(broken)


def test_changing_the_model_in_place_is_caught_and_named():
    def sneaky(model, x, y):
        grads = model.bptt(x, y)
        model.W -= 0.1 * grads[2]  # a training step: not the exercise's job
        return grads

    with pytest.raises(
        CheckFailed,
        match=r"changed its argument model\.W "
        "in place",
    ):
        ch2.bptt.check(sneaky)


def test_changing_an_input_array_in_place_is_caught():
    def clip_in_place(grads, theta):
        norm = float(np.sqrt(sum((g**2).sum() for g in grads)))
        for g in grads:
            g *= min(1.0, theta / norm) if norm else 1.0
        return grads, norm

    with pytest.raises(CheckFailed, match=r"changed its argument grads\[0\]"):
        ch3.clip.check(clip_in_place)


def test_check_leaves_the_readers_objects_alone():
    model = RNNNumpy(8, 3, seed=0)
    before = {k: v.copy() for k, v in model.parameters().items()}
    ch2.bptt.check(ch2.bptt.reference)  # cases build their own models
    for k, v in model.parameters().items():
        assert np.array_equal(v, before[k])


def test_clip_and_beam_results_of_the_wrong_form_are_explained():
    with pytest.raises(CheckFailed, match="clip must return two things"):
        ch3.clip.check(lambda grads, theta: grads)
    with pytest.raises(CheckFailed, match="must be a list of arrays"):
        ch3.clip.check(lambda grads, theta: (grads[0], 1.0))
    with pytest.raises(CheckFailed, match="must return two lists"):
        ch6.beam_step.check(lambda beam, log_p, width, end_id: beam)
    with pytest.raises(CheckFailed, match=r"pair \(log_prob, words\)"):
        ch6.beam_step.check(lambda beam, log_p, width, end_id: ([1], []))


# ----------------------------------------------------- hint and solution
@pytest.mark.parametrize("name", EXERCISES)
def test_hint_and_solution_show_text_and_the_package_source(name):
    exercise = EXERCISES[name]
    assert exercise.hint().data.startswith(f"**Hint for `{name}`.**")
    shown = exercise.solution().data
    assert "```python" in shown and "def " in shown
    assert name in repr(exercise)


# ------------------------------------- the references are the package's
def test_chained_steps_reproduce_the_package_rnn(rng):
    model = RNNNumpy(9, 4, seed=2)
    x = rng.integers(0, 9, 7)
    s = np.zeros(4)
    states = []
    for x_t in x:
        s = ch1.reference_step(model.U, model.W, x_t, s)
        states.append(s)
    np.testing.assert_allclose(states, model.states(x), rtol=1e-13)


def test_the_jacobian_product_matches_the_gradient_flow(rng):
    W = rng.standard_normal((5, 5)) * 0.4
    u = rng.standard_normal((6, 5))
    s, A = np.zeros(5), []
    for u_t in u:  # pre-activations along a real run of the cell
        A.append(W @ s + u_t)
        s = np.tanh(A[-1])
    # ∂s_T/∂s_0 by finite differences of the run from s_0 on
    s0 = np.tanh(u[0])

    def run(start):
        for u_t in u[1:]:
            start = np.tanh(W @ start + u_t)
        return start

    h = 1e-6
    numeric = np.column_stack(
        [(run(s0 + h * e) - run(s0 - h * e)) / (2 * h) for e in np.eye(5)]
    )
    product = ch3.reference_jacobian_product(W, np.array(A[1:]))
    np.testing.assert_allclose(product, numeric, atol=1e-8)


def _beam_search_by_steps(model, vocab, width, max_length, min_length=1):
    """decoding.beam_search rebuilt from the exercise's reference step."""
    steps = decoding.stepper(model)
    z, state = steps.step(steps.initial_state(), vocab.start_id)
    beam, states, finished = [(0.0, [])], {(): (z, state)}, []
    for t in range(max_length):
        rows = []
        for _, words in beam:
            row = log_softmax(states[tuple(words)][0])
            row[[vocab.unknown_id, vocab.start_id]] = -np.inf
            if t < min_length:
                row[vocab.end_id] = -np.inf
            rows.append(row)
        beam, done = ch6.reference_beam_step(
            beam, np.array(rows), width, vocab.end_id
        )
        finished += done
        new_states = {}
        for _, words in beam:
            _, parent = states[tuple(words[:-1])]
            new_states[tuple(words)] = steps.step(parent, words[-1])
        states = new_states
        if not beam:
            break
        if finished and max(f[0] for f in finished) >= max(b[0] for b in beam):
            break
    if finished:
        return max(finished, key=lambda f: f[0])
    return beam[0]


@pytest.mark.parametrize("width", [1, 2, 4])
def test_repeating_the_beam_step_reproduces_beam_search(small_vocab, width):
    from tutorial_rnn.gated_lm import GatedLMNumpy

    model = GatedLMNumpy(len(small_vocab), 6, "gru", seed=width)
    expected = decoding.beam_search(
        model, small_vocab, beam_width=width, max_length=8
    )
    log_prob, words = _beam_search_by_steps(
        model, small_vocab, width, max_length=8
    )
    assert small_vocab.decode(words) == expected.words
    assert log_prob == pytest.approx(expected.log_prob, abs=1e-12)


def test_the_clip_reference_is_the_package_clip_by_norm():
    from tutorial_rnn import optim

    grads = [np.array([3.0, 4.0])]
    (clipped,), norm = ch3.clip.reference(grads, 1.0)
    (want,), want_norm = optim.clip_by_norm(grads, 1.0)
    np.testing.assert_allclose(clipped, [0.6, 0.8])
    np.testing.assert_array_equal(clipped, want)
    assert norm == want_norm == 5.0


# ------------------------------------------------ the chapters' cells
def _cells():
    import json
    from pathlib import Path

    chapters = Path(__file__).resolve().parents[1] / "book" / "chapters"
    for path in sorted(chapters.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            yield path.stem, cell, "".join(cell["source"])


def test_scaffolds_are_shown_unexecuted_and_the_reference_is_checked():
    scaffolds, checks = {}, set()
    for chapter, cell, source in _cells():
        tags = cell.get("metadata", {}).get("tags", [])
        if 'raise NotImplementedError("Your turn' in source:
            assert tags == ["skip-execution"], (chapter, cell["id"])
            assert cell["outputs"] == []
            name = source.split("def ", 1)[1].split("(", 1)[0]
            scaffolds[name] = chapter
            assert f".{name}.check({name})" in source
        if ".check(" in source and ".reference)" in source:
            assert "skip-execution" not in tags
            checks.add(source.rsplit(".check(", 1)[0].rsplit(".", 1)[1])
    assert set(scaffolds) == set(EXERCISES)
    assert checks == set(EXERCISES)


def test_hints_and_solutions_are_one_click_away():
    for _, cell, source in _cells():
        if source.rstrip().endswith((".hint()", ".solution()")):
            tags = cell.get("metadata", {}).get("tags", [])
            assert tags == ["hide-output"], cell["id"]
