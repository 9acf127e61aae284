"""Backend.sample_states: sample() in array form, with Rao-Blackwellised conditional means.

Every reference here is computed independently: states from the SampleSet of
sample() (same seed), local fields and energies with plain numpy from dimod's
biases or from a dense J built by hand.
"""
import warnings

import dimod
import networkx as nx
import numpy as np
import pytest
from conftest import EnumerationPlugin, random_bqm
from dwave.samplers import SimulatedAnnealingSampler

from isingbridge import CompiledBQM
from isingbridge.backends import NotReproducibleWarning, get
from isingbridge.backends import gibbs as gibbs_module




# -- independent references ---------------------------------------------------------------------
def _spin_columns(ss, variables):
    """The SampleSet's reads as ±1 spins, columns in ``variables`` order."""
    states = ss.record.sample[:, [ss.variables.index(v) for v in variables]]
    return 2 * states - 1 if ss.vartype is dimod.BINARY else states


def _spin_arrays(bqm, variables):
    """``(h, J)`` of the SPIN form of ``bqm`` in ``variables`` order, J dense and symmetric."""
    spin = bqm.change_vartype(dimod.SPIN, inplace=False)
    h, (rows, cols, values), _ = spin.to_numpy_vectors(variable_order=list(variables))
    J = np.zeros((len(h), len(h)))
    np.add.at(J, (rows, cols), values)
    return h, J + J.T


def _bipartite_arrays(W, b, c):
    """``(h, J)`` of ``CompiledBQM.bipartite(W, b, c)``, built by hand."""
    nv, nh = W.shape
    J = np.zeros((nv + nh, nv + nh))
    J[:nv, nv:] = W
    return np.concatenate([b, c]), J + J.T


def _means(h, J, states, positions, beta):
    """E[s_i | rest] = −tanh(β (h_i + Σ_j J_ij s_j)); ``h`` may carry a leading batch axis ``(B, N)``."""
    s = states.astype(np.float64)
    fields = s @ J + (h[:, None, :] if np.ndim(h) == 2 else h)
    return -np.tanh(beta * fields[..., positions])


def _energies(h, J, offset, states):
    s = states.astype(np.float64)
    return s @ h + 0.5 * np.einsum("...i,...i->...", s, s @ J) + offset


def _gaussian_bqm(n=8, seed=0):
    """J ~ N(0, 1) on every pair, h ~ N(0, 0.5²): strong couplings, so wrong fields show."""
    rng = np.random.default_rng(seed)
    return dimod.BQM(rng.normal(0.0, 0.5, n), np.triu(rng.normal(0.0, 1.0, (n, n)), k=1), 0.3, "SPIN")


def _regular_bqm(n=12, seed=0, labels=None):
    """A random 3-regular graph (odd cycles: more than two colours), couplings N(0, 1)."""
    rng = np.random.default_rng(seed)
    graph = nx.random_regular_graph(3, n, seed=seed)
    labels = list(range(n)) if labels is None else labels
    return dimod.BQM({labels[i]: rng.normal(0.0, 0.5) for i in range(n)},
                     {(labels[i], labels[j]): rng.normal(0.0, 1.0) for i, j in graph.edges}, -0.4, "SPIN")


def _bipartite(nv=6, nh=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 0.7, (nv, nh)), rng.normal(0.0, 0.5, nv), rng.normal(0.0, 0.5, nh)


# -- 1. same seed, same draws --------------------------------------------------------------------
LETTERS = [f"v{k:02d}" for k in range(12)][::-1]  # labels dimod would sort: columns must follow `variables`
W, B_VIS, C_HID = _bipartite()
CASES = {
    "exact": (lambda: get("exact"), lambda: random_bqm(8, 3, labels=LETTERS[:8], offset=0.5), {}),
    "gibbs-sparse": (lambda: get("gibbs"), lambda: _regular_bqm(12, 1, labels=LETTERS), {"num_sweeps": 15}),
    "gibbs-dense": (lambda: get("gibbs"), lambda: CompiledBQM.bipartite(W, B_VIS, C_HID, 0.2),
                    {"num_sweeps": 5, "method": "dense"}),
    "anneal": (lambda: get("anneal"), lambda: _regular_bqm(12, 2, labels=LETTERS), {"num_sweeps": 15}),
    "adapter": (lambda: get(SimulatedAnnealingSampler()), lambda: _regular_bqm(12, 3, labels=LETTERS),
                {"num_sweeps": 15}),
    "plugin": (EnumerationPlugin, lambda: random_bqm(6, 4, labels=LETTERS[:6]), {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_seed_same_states_as_sample(name):
    build, model, options = CASES[name]
    backend, bqm = build(), model()
    beta = 1.0 if name == "adapter" else 0.8  # a sampler without beta_eff realises beta = 1 only
    ss = backend.sample(bqm, beta=beta, num_reads=9, seed=7, **options)
    drawn = backend.sample_states(bqm, beta=beta, num_reads=9, seed=7, **options)
    assert drawn.states.dtype == np.int8 and drawn.states.shape == (9, len(drawn.variables))
    assert drawn.variables == list(bqm.variables)
    np.testing.assert_array_equal(drawn.states, _spin_columns(ss, drawn.variables))
    np.testing.assert_allclose(drawn.energies(), ss.record.energy, rtol=1e-12, atol=1e-9)
    assert drawn.conditional_means is None and drawn.conditional_labels is None
    assert drawn.info["backend"] == backend.name
    if name == "gibbs-dense":
        assert drawn.info["method"] == "dense"


@pytest.mark.parametrize("name", ["exact", "gibbs-sparse", "anneal", "plugin"])
def test_binary_model_gives_spins_and_the_samplesets_energies(name):
    build, model, options = CASES[name]
    backend, binary = build(), model().change_vartype("BINARY", inplace=False)
    ss = backend.sample(binary, num_reads=7, seed=3, **options)
    drawn = backend.sample_states(binary, num_reads=7, seed=3, **options)
    assert set(np.unique(drawn.states)) <= {-1, 1}
    np.testing.assert_array_equal(drawn.states, _spin_columns(ss, drawn.variables))
    np.testing.assert_allclose(drawn.energies(), ss.record.energy, rtol=1e-12, atol=1e-9)
    h, J = _spin_arrays(binary, drawn.variables)
    offset = binary.change_vartype("SPIN", inplace=False).offset
    np.testing.assert_allclose(drawn.energies(), _energies(h, J, offset, drawn.states), atol=1e-9)


def test_dict_clamp_same_states_and_clamped_columns():
    bqm = _regular_bqm(12, 5, labels=LETTERS)
    clamp = {LETTERS[0]: -1, LETTERS[5]: 1}
    gibbs = get("gibbs")
    ss = gibbs.sample(bqm, clamp=clamp, num_reads=6, num_sweeps=10, seed=2)
    drawn = gibbs.sample_states(bqm, clamp=clamp, num_reads=6, num_sweeps=10, seed=2)
    np.testing.assert_array_equal(drawn.states, _spin_columns(ss, drawn.variables))
    for label, value in clamp.items():
        assert np.all(drawn.states[:, drawn.variables.index(label)] == value)


# -- 2. batched problems ----------------------------------------------------------------------------
def _batch_request(num_spins=8, rows=4, seed=0):
    """A 3-regular model, a batch clamp of three spins and fields on two free ones (one row per problem)."""
    bqm = _regular_bqm(num_spins, seed)
    rng = np.random.default_rng(seed)
    clamp = ([5, 6, 7], rng.choice([-1, 1], size=(rows, 3)))
    fields = ([0, 1], rng.normal(0.0, 0.7, size=(rows, 2)))
    return bqm, clamp, fields


def _row_arrays(bqm, fields, b, variables):
    """Row ``b``'s spin ``(h, J, offset)``: its field offsets added to the biases with dimod, then converted."""
    row = bqm.copy()
    row.add_linear_from(zip(fields[0], fields[1][b].tolist()))
    h, J = _spin_arrays(row, variables)
    return h, J, row.change_vartype("SPIN", inplace=False).offset


BATCHED = {
    "exact": (lambda: get("exact"), {}),
    "gibbs": (lambda: get("gibbs"), {"num_sweeps": 10}),  # sparse: every row in one engine
    "anneal": (lambda: get("anneal"), {"num_sweeps": 10}),
    "adapter": (lambda: get(SimulatedAnnealingSampler()), {"num_sweeps": 10}),  # rows as copies in one call
    "plugin": (EnumerationPlugin, {}),
}


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
@pytest.mark.parametrize("name", sorted(BATCHED))
def test_batched_rows_equal_the_batched_sampleset(name, vartype):
    build, options = BATCHED[name]
    backend = build()
    bqm, clamp, fields = _batch_request(rows=4, seed=1)
    if vartype == "BINARY":
        bqm, clamp = bqm.change_vartype("BINARY", inplace=False), (clamp[0], (clamp[1] + 1) // 2)
    spins = clamp[1] if vartype == "SPIN" else 2 * clamp[1] - 1
    ss = backend.sample(bqm, clamp=clamp, fields=fields, num_reads=5, seed=4, **options)
    drawn = backend.sample_states(bqm, clamp=clamp, fields=fields, num_reads=5, seed=4, **options)
    assert drawn.states.shape == (4, 5, 8) and drawn.states.dtype == np.int8
    if name == "gibbs":
        assert drawn.info["method"] == "sparse"
    rows = ss.record.clamp_row
    energies = drawn.energies()
    assert energies.shape == (4, 5)
    for b in range(4):
        np.testing.assert_array_equal(drawn.states[b], _spin_columns(ss, drawn.variables)[rows == b])
        np.testing.assert_allclose(energies[b], ss.record.energy[rows == b], rtol=1e-12, atol=1e-9)
        h, J, offset = _row_arrays(bqm, fields, b, drawn.variables)
        np.testing.assert_allclose(energies[b], _energies(h, J, offset, drawn.states[b]), atol=1e-9)
        columns = [drawn.variables.index(v) for v in clamp[0]]
        assert np.all(drawn.states[b][:, columns] == spins[b])


def test_batched_fields_alone_and_dict_clamp_with_fields():
    bqm, _, fields = _batch_request(rows=3, seed=2)
    gibbs = get("gibbs")
    for clamp in (None, {7: 1}):
        ss = gibbs.sample(bqm, clamp=clamp, fields=fields, num_reads=4, num_sweeps=8, seed=1)
        drawn = gibbs.sample_states(bqm, clamp=clamp, fields=fields, num_reads=4, num_sweeps=8, seed=1)
        assert drawn.states.shape == (3, 4, 8)
        np.testing.assert_array_equal(drawn.states.reshape(12, 8), _spin_columns(ss, drawn.variables))
        np.testing.assert_allclose(drawn.energies().ravel(), ss.record.energy, atol=1e-9)
        if clamp:
            assert np.all(drawn.states[:, :, drawn.variables.index(7)] == 1)


# -- 3. conditional means -----------------------------------------------------------------------
MEANS_BACKENDS = {  # (backend, options, atol): the layer engine's own means are float32
    "exact": (lambda: get("exact"), {}, 1e-9),
    "gibbs": (lambda: get("gibbs"), {"num_sweeps": 10}, 1e-9),
    "gibbs-dense": (lambda: get("gibbs"), {"num_sweeps": 10, "method": "dense"}, 1e-5),  # one colour per spin
    "anneal": (lambda: get("anneal"), {"num_sweeps": 10}, 1e-9),
    "plugin": (EnumerationPlugin, {}, 1e-9),
}


@pytest.mark.parametrize("name", sorted(MEANS_BACKENDS))
def test_conditional_means_are_minus_tanh_of_the_local_fields(name):
    build, options, atol = MEANS_BACKENDS[name]
    bqm = _gaussian_bqm(8, seed=1)
    h, J = _spin_arrays(bqm, range(8))
    wanted = [5, 0, 3, 7]  # a subset, out of order
    drawn = build().sample_states(bqm, beta=0.7, num_reads=20, seed=0, conditionals=wanted, **options)
    assert drawn.conditional_labels == wanted and drawn.conditional_means.shape == (20, 4)
    np.testing.assert_allclose(drawn.conditional_means, _means(h, J, drawn.states, wanted, 0.7), atol=atol)
    again = build().sample_states(bqm, beta=0.7, num_reads=20, seed=0, **options)
    np.testing.assert_array_equal(again.states, drawn.states)  # asking for the means changes no draw


@pytest.mark.parametrize("name", sorted(MEANS_BACKENDS))
def test_conditional_means_with_a_dict_clamp(name):
    build, options, atol = MEANS_BACKENDS[name]
    bqm = _gaussian_bqm(8, seed=2)
    h, J = _spin_arrays(bqm, range(8))
    clamp = {2: -1, 6: 1}
    wanted = [6, 1, 2, 4]
    drawn = build().sample_states(bqm, beta=0.7, num_reads=15, clamp=clamp, seed=1, conditionals=wanted, **options)
    expected = _means(h, J, drawn.states, wanted, 0.7)
    expected[:, 0], expected[:, 2] = 1.0, -1.0  # a clamped spin's conditional mean is its value
    np.testing.assert_allclose(drawn.conditional_means, expected, atol=atol)


@pytest.mark.parametrize("name", sorted(MEANS_BACKENDS))
def test_batched_conditional_means_include_each_rows_fields(name):
    build, options, atol = MEANS_BACKENDS[name]
    bqm = _gaussian_bqm(8, seed=3)
    rng = np.random.default_rng(0)
    clamp = ([7, 4], rng.choice([-1, 1], size=(3, 2)))
    fields = ([0, 1, 4], rng.normal(0.0, 1.0, size=(3, 3)))  # a field on a clamped spin changes no mean
    wanted = [4, 0, 1, 2, 3]
    drawn = build().sample_states(bqm, beta=0.7, num_reads=10, clamp=clamp, fields=fields, seed=2,
                                  conditionals=wanted, **options)
    assert drawn.conditional_means.shape == (3, 10, 5)
    for b in range(3):
        h, J, _ = _row_arrays(bqm, fields, b, range(8))
        expected = _means(h, J, drawn.states[b], wanted, 0.7)
        expected[:, 0] = clamp[1][b, 1]
        np.testing.assert_allclose(drawn.conditional_means[b], expected, atol=atol)


@pytest.mark.parametrize("method", ["sparse", "dense"])
def test_gibbs_batched_rows_across_blocks_of_chains(method):
    """More reads per row than one block of chains holds (128): each read still answers its own row."""
    bqm = _gaussian_bqm(8, seed=5)
    rng = np.random.default_rng(1)
    clamp, fields = ([6], rng.choice([-1, 1], size=(3, 1))), ([0, 2], rng.normal(0.0, 1.0, size=(3, 2)))
    options = {"beta": 0.7, "clamp": clamp, "fields": fields, "num_reads": 150, "num_sweeps": 4, "method": method,
               "seed": 9}
    gibbs = get("gibbs")
    drawn = gibbs.sample_states(bqm, conditionals=[2, 6, 5], **options)
    ss = gibbs.sample(bqm, **options)
    np.testing.assert_array_equal(drawn.states.reshape(450, 8), _spin_columns(ss, drawn.variables))
    for b in range(3):
        h, J, _ = _row_arrays(bqm, fields, b, range(8))
        expected = _means(h, J, drawn.states[b], [2, 6, 5], 0.7)
        expected[:, 1] = clamp[1][b, 0]
        np.testing.assert_allclose(drawn.conditional_means[b], expected, atol=1e-5 if method == "dense" else 1e-9)


def test_batched_conditional_means_of_a_binary_model():
    """A BINARY field offset f on x = (s + 1) / 2 is the spin field f / 2."""
    bqm = _gaussian_bqm(7, seed=4).change_vartype("BINARY", inplace=False)
    fields = ([0, 3], np.array([[1.5, -2.0], [0.0, 0.8]]))
    drawn = get("gibbs").sample_states(bqm, beta=0.7, num_reads=6, num_sweeps=10, fields=fields, seed=3,
                                       conditionals=list(range(7)))
    for b in range(2):
        h, J, _ = _row_arrays(bqm, fields, b, range(7))
        np.testing.assert_allclose(drawn.conditional_means[b], _means(h, J, drawn.states[b], range(7), 0.7),
                                   atol=1e-9)


@pytest.fixture
def layer_spy(monkeypatch):
    """Records whether the Gibbs layer engine handed back its own means (the fast path) or None."""
    calls = []
    original = gibbs_module.last_layer_means

    def spy(engine, conditionals):
        result = original(engine, conditionals)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(gibbs_module, "last_layer_means", spy)
    return calls


NV, NH = W.shape
HIDDEN = np.arange(NV, NV + NH)


@pytest.mark.parametrize("wanted, fast", [
    (HIDDEN, True),                           # an RBM's hidden layer, in order
    (HIDDEN[::-1].copy(), True),              # the same layer, another order
    (np.array([NV + 1, NV + 3]), True),       # part of it
    (np.array([0, NV + 2, 3, NV]), False),    # visible and hidden mixed: computed from the local fields
    (np.arange(NV), False),                   # the layer updated first
])
def test_gibbs_layer_engine_conditional_means(layer_spy, wanted, fast):
    model = CompiledBQM.bipartite(W, B_VIS, C_HID)
    h, J = _bipartite_arrays(W, B_VIS, C_HID)
    gibbs = get("gibbs")
    drawn = gibbs.sample_states(model, beta=0.7, num_reads=16, num_sweeps=6, method="dense", seed=4,
                                conditionals=wanted)
    assert drawn.info["method"] == "dense" and layer_spy == [fast]
    assert drawn.conditional_labels == wanted.tolist() and drawn.conditional_means.shape == (16, wanted.size)
    np.testing.assert_allclose(drawn.conditional_means, _means(h, J, drawn.states, wanted, 0.7), atol=1e-5)
    ss = gibbs.sample(model, beta=0.7, num_reads=16, num_sweeps=6, method="dense", seed=4)
    np.testing.assert_array_equal(drawn.states, _spin_columns(ss, drawn.variables))


def test_gibbs_layer_engine_chosen_by_itself():
    """A bipartite model wide enough that method="auto" picks the dense engine."""
    W_big, b, c = _bipartite(40, 32, seed=5)
    W_big /= 8
    model = CompiledBQM.bipartite(W_big, b, c)
    h, J = _bipartite_arrays(W_big, b, c)
    hidden = np.arange(40, 72)
    drawn = get("gibbs").sample_states(model, beta=0.7, num_reads=8, num_sweeps=3, seed=0, conditionals=hidden)
    assert drawn.info["method"] == "dense"
    np.testing.assert_allclose(drawn.conditional_means, _means(h, J, drawn.states, hidden, 0.7), atol=1e-5)


def test_gibbs_layer_engine_conditional_means_with_a_dict_clamp(layer_spy):
    """Clamped visible and hidden spins: the free hidden means come off the engine, the clamped one is its value."""
    model = CompiledBQM.bipartite(W, B_VIS, C_HID)
    h, J = _bipartite_arrays(W, B_VIS, C_HID)
    clamp = {1: -1, 4: 1, NV + 2: -1}
    drawn = get("gibbs").sample_states(model, beta=0.7, num_reads=12, num_sweeps=6, method="dense", clamp=clamp,
                                       seed=6, conditionals=HIDDEN)
    assert layer_spy == [True]
    expected = _means(h, J, drawn.states, HIDDEN, 0.7)
    expected[:, 2] = -1.0
    np.testing.assert_allclose(drawn.conditional_means, expected, atol=1e-5)
    assert np.all(drawn.states[:, [1, 4, NV + 2]] == [-1, 1, -1])


@pytest.mark.parametrize("wanted, fast", [
    (HIDDEN, True),                         # the last layer (a clamped hidden spin among them)
    (np.array([NV + 3, 2, NV, 0]), False),  # mixed layers, a clamped visible spin among them
])
def test_gibbs_layer_engine_batched_rows(layer_spy, wanted, fast):
    """Every row in one layer engine, each row's clamp and fields as per-chain fields."""
    model = CompiledBQM.bipartite(W, B_VIS, C_HID, 0.1)
    rng = np.random.default_rng(3)
    clamp = ([0, NV + 1], rng.choice([-1, 1], size=(3, 2)))
    fields = ([3, NV, NV + 2], rng.normal(0.0, 1.0, (3, 3)))
    gibbs = get("gibbs")
    options = {"beta": 0.7, "clamp": clamp, "fields": fields, "num_reads": 5, "num_sweeps": 6, "method": "dense",
               "seed": 5}
    drawn = gibbs.sample_states(model, conditionals=wanted, **options)
    assert drawn.info["method"] == "dense" and layer_spy == [fast]
    ss = gibbs.sample(model, **options)
    assert drawn.states.shape == (3, 5, NV + NH)
    np.testing.assert_array_equal(drawn.states.reshape(15, -1), _spin_columns(ss, drawn.variables))
    np.testing.assert_allclose(drawn.energies().ravel(), ss.record.energy, atol=1e-9)
    h, J = _bipartite_arrays(W, B_VIS, C_HID)
    for b in range(3):
        h_row = h.copy()
        h_row[fields[0]] += fields[1][b]
        expected = _means(h_row, J, drawn.states[b], wanted, 0.7)
        for label, value in zip(clamp[0], clamp[1][b]):
            expected[:, wanted == label] = value
        assert np.all(drawn.states[b][:, clamp[0]] == clamp[1][b])
        np.testing.assert_allclose(drawn.conditional_means[b], expected, atol=1e-5)
        np.testing.assert_allclose(drawn.energies()[b], _energies(h_row, J, 0.1, drawn.states[b]), atol=1e-9)


def test_conditional_means_on_a_sparse_gibbs_model_with_string_labels():
    bqm = _regular_bqm(12, 6, labels=LETTERS)
    wanted = [LETTERS[3], LETTERS[0], LETTERS[11]]
    drawn = get("gibbs").sample_states(bqm, beta=0.7, num_reads=10, num_sweeps=10, seed=0, conditionals=wanted)
    assert drawn.variables == list(bqm.variables)
    h, J = _spin_arrays(bqm, drawn.variables)
    positions = [drawn.variables.index(v) for v in wanted]
    np.testing.assert_allclose(drawn.conditional_means, _means(h, J, drawn.states, positions, 0.7), atol=1e-9)


# -- 5. Rao–Blackwellisation, statistically ---------------------------------------------------------
def test_rao_blackwellised_means_match_exact_with_smaller_errors():
    """Averaging E[s_i | rest] instead of s_i is unbiased and lowers the variance (here by about a third)."""
    bqm = random_bqm(10, seed=21)
    exact = get("exact")
    reads = 4000
    drawn = exact.sample_states(bqm, beta=1.0, num_reads=reads, seed=8, conditionals=list(bqm.variables))
    rb = drawn.conditional_means
    rb_stderr = rb.std(axis=0, ddof=1) / np.sqrt(reads)
    raw_stderr = drawn.states.std(axis=0, ddof=1) / np.sqrt(reads)
    truth = exact.moments(bqm, beta=1.0).mean
    z = np.abs(rb.mean(axis=0) - truth) / rb_stderr
    assert z.max() < 5, z
    assert np.all(rb_stderr < 0.8 * raw_stderr), rb_stderr / raw_stderr
    wrong = exact.moments(bqm, beta=2.0).mean  # the test can fail: the means of another temperature
    assert (np.abs(rb.mean(axis=0) - wrong) / rb_stderr).max() > 5


# -- 6. bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("batched", [False, True])
def test_bad_conditionals_are_refused(batched):
    bqm = random_bqm(5, 0, labels=list("abcde"))
    extra = {"clamp": (["e"], np.array([[1], [-1]]))} if batched else {}
    exact = get("exact")
    with pytest.raises(ValueError, match="'q'"):
        exact.sample_states(bqm, num_reads=2, conditionals=["a", "q"], **extra)
    with pytest.raises(TypeError, match="conditionals"):
        exact.sample_states(bqm, num_reads=2, conditionals="ab", **extra)
    model = CompiledBQM.from_arrays(np.zeros(4), np.triu(np.ones((4, 4)), k=1))
    extra = {"clamp": ([3], np.array([[1], [-1]]))} if batched else {}
    for positions, bad in (([0, 4], 4), ([-1, 2], -1)):
        with pytest.raises(ValueError, match=rf"conditionals lists (np\.int64\()?{bad}\b"):
            exact.sample_states(model, num_reads=2, conditionals=np.array(positions), **extra)
    ok = exact.sample_states(model, num_reads=2, seed=0, conditionals=np.array([3, 0]), **extra)
    assert ok.conditional_labels == [3, 0]


# -- backends that check or report more than the base class ------------------------------------
@pytest.mark.parametrize("options", [{"mode": "bogus"}, {"beta_range": (0.1, 1.0)},
                                     {"mode": "anneal", "beta_range": (2.0, 1.0)}])
def test_anneal_sample_states_checks_options_as_sample_does(options):
    bqm = random_bqm(6, 1)
    with pytest.raises(ValueError):  # as get("anneal").sample(bqm, **options) does
        get("anneal").sample_states(bqm, num_reads=2, num_sweeps=5, seed=0, **options)


def test_adapter_sample_states_reports_reproducibility():
    bqm = random_bqm(4, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawn = get(dimod.ExactSolver()).sample_states(bqm, seed=0)
    assert any(issubclass(w.category, NotReproducibleWarning) for w in caught)
    assert drawn.info.get("reproducible") is False


def test_statevector_sample_states_draws_what_sample_draws():
    bqm = random_bqm(4, 1)
    sv = get("statevector")
    drawn = sv.sample_states(bqm, num_reads=5, seed=0)
    np.testing.assert_array_equal(drawn.states, _spin_columns(sv.sample(bqm, num_reads=5, seed=0), drawn.variables))


def test_statevector_sample_states_batches_and_refuses_conditionals():
    bqm = random_bqm(4, 1)
    sv = get("statevector")
    clamp = ([0], np.array([[1], [-1]]))
    drawn = sv.sample_states(bqm, num_reads=5, seed=0, clamp=clamp)
    ss = sv.sample(bqm, num_reads=5, seed=0, clamp=clamp)
    assert drawn.states.shape == (2, 5, 4)
    np.testing.assert_array_equal(drawn.states.reshape(10, 4), _spin_columns(ss, drawn.variables))
    np.testing.assert_allclose(drawn.energies().ravel(), ss.record.energy)
    with pytest.raises(ValueError, match="no conditional means"):
        sv.sample_states(bqm, num_reads=2, conditionals=[0])
