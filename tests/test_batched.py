"""Batched clamps and per-row fields: one call, B conditional problems, on every backend."""
import warnings

import dimod
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler, TabuSampler

from conftest import EnumerationPlugin, brute_force, random_bqm
from isingbridge import TransverseIsing
from isingbridge.backends import get




def _request(num_spins=8, num_clamped=3, rows=6, seed=0):
    """A model, a batch clamp of its last spins and fields on two free spins (one row per problem)."""
    bqm = random_bqm(num_spins, seed, offset=0.25)
    rng = np.random.default_rng(seed)
    clamp = (list(range(num_spins - num_clamped, num_spins)), rng.choice([-1, 1], size=(rows, num_clamped)))
    fields = ([0, 1], rng.normal(0.0, 0.7, size=(rows, 2)))
    return bqm, clamp, fields


def _row_model(bqm, fields, b):
    """Row b's fields added by hand."""
    row = bqm.copy()
    for label, value in zip(fields[0], fields[1][b]):
        row.add_linear(label, float(value))
    return row


def _row_clamp(clamp, b):
    return dict(zip(clamp[0], clamp[1][b].tolist()))


# -- exact: every row equals its single-clamp call ---------------------------------------------
@pytest.mark.parametrize("num_spins, num_clamped", [(8, 3), (20, 6), (16, 0)])
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_exact_rows_equal_single_clamp_calls(num_spins, num_clamped, vartype):
    bqm, clamp, fields = _request(num_spins, num_clamped, rows=5, seed=num_spins)
    bqm = bqm.change_vartype(vartype, inplace=False)
    if vartype == "BINARY":
        clamp = (clamp[0], (clamp[1] + 1) // 2)
    exact = get("exact")
    batched = exact.moments(bqm, beta=0.9, clamp=clamp, fields=fields)
    assert batched.batch_size == 5 and batched.corr.shape == (5, num_spins, num_spins)
    for b in range(5):
        single = exact.moments(_row_model(bqm, fields, b), beta=0.9, clamp=_row_clamp(clamp, b))
        row = batched.row(b)
        np.testing.assert_allclose(row.mean, single.mean, atol=1e-9)
        np.testing.assert_allclose(row.corr, single.corr, atol=1e-9)
        assert abs(row.energy - single.energy) < 1e-9 and abs(row.log_z - single.log_z) < 1e-9


def test_exact_rows_match_brute_force_with_fields_on_clamped_spins():
    bqm, clamp, _ = _request(7, 2, rows=3, seed=4)
    fields = ([0, 6], np.array([[0.5, 2.0], [-1.0, 0.0], [0.0, -3.0]]))  # spin 6 is clamped: a constant
    batched = get("exact").moments(bqm, beta=1.3, clamp=clamp, fields=fields)
    for b in range(3):
        row = _row_model(bqm, fields, b)
        row.fix_variables(_row_clamp(clamp, b))
        states, p, log_z, energies = brute_force(row, 1.3)
        free = [batched.variables.index(v) for v in row.variables]
        np.testing.assert_allclose(batched.mean[b, free], p @ states, atol=1e-9)
        assert abs(batched.log_z[b] - log_z) < 1e-9 and abs(batched.energy[b] - p @ energies) < 1e-9


def test_exact_fields_alone_and_dict_clamp_with_fields():
    bqm, clamp, fields = _request(9, 2, rows=4, seed=7)
    exact = get("exact")
    alone = exact.moments(bqm, fields=fields)
    shared = exact.moments(bqm, clamp={8: -1}, fields=fields)
    for b in range(4):
        row = _row_model(bqm, fields, b)
        np.testing.assert_allclose(alone.mean[b], exact.moments(row).mean, atol=1e-9)
        np.testing.assert_allclose(shared.corr[b], exact.moments(row, clamp={8: -1}).corr, atol=1e-9)


def test_dict_clamp_keeps_its_meaning():
    bqm, _, _ = _request()
    m = get("exact").moments(bqm, clamp={7: 1})
    assert m.batch_size is None and m.mean.shape == (8,) and isinstance(m.energy, float)
    assert isinstance(m.mean_of(0), float)


def test_exact_batched_sample_rows_follow_each_row():
    bqm, clamp, fields = _request(6, 2, rows=3, seed=3)
    ss = get("exact").sample(bqm, beta=1.0, clamp=clamp, fields=fields, num_reads=4000, seed=5)
    rows = ss.record.clamp_row
    assert rows.tolist() == np.repeat(np.arange(3), 4000).tolist()
    columns = [ss.variables.index(v) for v in clamp[0]]
    for b in range(3):
        samples = ss.record.sample[rows == b]
        assert np.all(samples[:, columns] == clamp[1][b])
        model = _row_model(bqm, fields, b)
        np.testing.assert_allclose(ss.record.energy[rows == b], model.energies((samples, list(ss.variables))))
        exact = get("exact").moments(model, clamp=_row_clamp(clamp, b))
        mean = samples.mean(axis=0)
        expected = np.array([exact.mean_of(v) for v in ss.variables])
        assert np.all(np.abs(mean - expected) <= 5 * np.sqrt((1 - expected**2) / 4000) + 1e-9)


# -- sampling backends: within 5 standard errors of exact --------------------------------------
SAMPLERS = {
    "anneal": (lambda: get("anneal"), {"num_reads": 600, "num_sweeps": 40}),
    "gibbs": (lambda: get("gibbs"), {"num_reads": 64, "num_sweeps": 400}),
    "adapter": (lambda: get(SimulatedAnnealingSampler(), beta_eff=1.0),
                {"num_reads": 600, "beta_schedule_type": "custom", "beta_schedule": [1.0],
                 "num_sweeps_per_beta": 40, "proposal_acceptance_criteria": "Gibbs"}),
    "plugin": (EnumerationPlugin, {"num_reads": 600}),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_sampling_backends_rows_within_five_stderr(name):
    build, options = SAMPLERS[name]
    bqm, clamp, fields = _request(6, 2, rows=3, seed=9)
    exact = get("exact").moments(bqm, beta=1.0, clamp=clamp, fields=fields)
    m = build().moments(bqm, beta=1.0, clamp=clamp, fields=fields, seed=1, **options)
    assert m.mean.shape == m.stderr.shape == (3, 6) and m.energy.shape == (3,)
    free = [m.variables.index(v) for v in range(4)]
    z = np.abs(m.mean[:, free] - exact.mean[:, free]) / np.maximum(m.stderr[:, free], 1e-3)
    assert z.max() < 5, z
    assert np.all(m.mean[:, 4:] == clamp[1]) and np.all(m.stderr[:, 4:] == 0)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_sampling_backends_batched_sample_shape_and_energies(name):
    build, options = SAMPLERS[name]
    options = dict(options, num_reads=5)
    bqm, clamp, fields = _request(6, 2, rows=3, seed=2)
    binary = bqm.change_vartype("BINARY", inplace=False)
    ss = build().sample(binary, clamp=(clamp[0], (clamp[1] + 1) // 2), fields=fields, seed=0, **options)
    assert ss.vartype is dimod.BINARY and len(ss) == 15
    assert ss.record.clamp_row.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    for b in range(3):
        rows = ss.record.clamp_row == b
        model = _row_model(binary, fields, b)
        np.testing.assert_allclose(ss.record.energy[rows], model.energies((ss.record.sample[rows], list(ss.variables))))


def test_gibbs_persistent_chains_per_row():
    bqm, clamp, _ = _request(6, 2, rows=3, seed=5)
    gibbs = get("gibbs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 20 sweeps: too short to converge, long enough to move
        m = gibbs.moments(bqm, clamp=clamp, num_reads=8, num_sweeps=20, seed=0)
    final = m.info["final_states"]
    assert final.shape == (3, 8, 6)
    assert np.all(final[:, :, 4:] == clamp[1][:, None, :])
    again = gibbs.sample(bqm, clamp=clamp, initial_states=final, num_sweeps=1, seed=0)
    assert len(again) == 24
    back = gibbs.sample(bqm, clamp=clamp, initial_states=again, num_sweeps=1, seed=0)  # a batched SampleSet
    assert back.record.clamp_row.tolist() == again.record.clamp_row.tolist()
    with pytest.raises(ValueError, match=r"initial_states must have shape \(3, num_reads, 6\)"):
        gibbs.sample(bqm, clamp=clamp, initial_states=np.ones((2, 8, 6), dtype=int))


class CountingSampler(SimulatedAnnealingSampler):
    calls = 0

    def sample(self, bqm, **kwargs):
        self.calls += 1
        return super().sample(bqm, **kwargs)


def test_adapter_places_all_rows_in_one_call_unless_structured():
    bqm, clamp, fields = _request(6, 2, rows=4, seed=1)
    counting = CountingSampler()
    ss = get(counting).sample(bqm, clamp=clamp, fields=fields, num_reads=3, seed=0)
    assert counting.calls == 1 and ss.info["copies"] == 4
    structured = dimod.StructureComposite(TabuSampler(), list(bqm.variables), list(bqm.quadratic))
    looped = get(structured, timeout=5).sample(bqm, clamp=clamp, num_reads=2)
    assert looped.record.clamp_row.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert "copies" not in looped.info


def test_statevector_rows_equal_single_calls():
    bqm, clamp, fields = _request(5, 1, rows=3, seed=6)
    model = TransverseIsing(bqm, x={0: -0.4, 1: -0.3})
    sv = get("statevector")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batched = sv.moments(model, clamp=clamp, fields=fields, temperature=0.7)
        for b in range(3):
            single = sv.moments(TransverseIsing(_row_model(bqm, fields, b), x={0: -0.4, 1: -0.3}),
                                clamp=_row_clamp(clamp, b), temperature=0.7)
            np.testing.assert_allclose(batched.mean[b], single.mean, atol=1e-9)
            np.testing.assert_allclose(batched.x_mean[b], single.x_mean, atol=1e-9)
            assert abs(batched.log_z[b] - single.log_z) < 1e-9
        ss = sv.sample(model, clamp=clamp, fields=fields, num_reads=2, seed=0)
    assert ss.record.clamp_row.tolist() == [0, 0, 1, 1, 2, 2]


# -- refused requests: each error names the argument ---------------------------------------------
@pytest.mark.parametrize("clamp, fields, error, match", [
    (([6, 7], np.ones((2, 3), dtype=int)), None, ValueError, "clamp values have 3 column"),
    (([6, 7], np.ones((2, 2))), None, TypeError, "clamp values must be an integer array"),
    (([6, 7], np.array([[1, 2], [1, 1]])), None, ValueError, "clamp values must hold -1/\\+1"),
    (([6, 7], np.array([[1, 0], [1, 1]])), None, ValueError, "clamp values must hold"),
    (([6, 7], np.zeros((0, 2), dtype=int)), None, ValueError, "clamp values have no rows"),
    (([6, 7], np.array([1, -1])), None, ValueError, "clamp values must be a 2-D array"),
    ((["q", 7], np.ones((2, 2), dtype=int)), None, ValueError, "clamp label 'q' is not a variable"),
    (([7, 7], np.ones((2, 2), dtype=int)), None, ValueError, "clamp label 7 is repeated"),
    (([7], np.ones((2, 1), dtype=int), 3), None, TypeError, "clamp must be a pair"),
    ("ab", None, TypeError, "clamp must be a pair"),
    (None, ([0], np.array([[np.nan], [0.0]])), ValueError, "fields values contains NaN"),
    (None, ([0], np.array([["a"], ["b"]])), TypeError, "fields values must be numeric"),
    (None, ([0], np.zeros((0, 1))), ValueError, "fields values have no rows"),
    (None, ([0, 0], np.zeros((2, 2))), ValueError, "fields label 0 is repeated"),
    (None, (["x"], np.zeros((2, 1))), ValueError, "fields label 'x' is not a variable"),
    (None, ([0], np.full((1, 1), 1e301)), ValueError, r"Σ\|fields\| of a row"),
    (([7], np.ones((2, 1), dtype=int)), ([0], np.zeros((3, 1))), ValueError, "clamp has 2 rows but fields has 3"),
])
@pytest.mark.parametrize("backend", ["exact", "gibbs", "statevector"])
def test_bad_batches_are_refused_naming_the_argument(backend, clamp, fields, error, match):
    bqm, _, _ = _request()
    with pytest.raises(error, match=match):
        get(backend).moments(bqm, clamp=clamp, fields=fields)
    with pytest.raises(error, match=match):
        get(backend).sample(bqm, clamp=clamp, fields=fields, num_reads=2)


def test_binary_model_refuses_mixed_bits_and_spins():
    bqm = random_bqm(4, 0).change_vartype("BINARY", inplace=False)
    with pytest.raises(ValueError, match="clamp values mixes 0 and -1"):
        get("exact").moments(bqm, clamp=([3], np.array([[0], [-1]])))


def test_exact_refuses_a_batch_beyond_memory():
    from isingbridge.validation import ResourceLimitError

    bqm = random_bqm(24, 0, density=0.1)
    with pytest.raises(ResourceLimitError, match="give fewer rows per call"):
        get("exact").moments(bqm, clamp=([23], np.ones((10**7, 1), dtype=np.int8)))


# -- gibbs: all rows in one engine ----------------------------------------------------------------
@pytest.mark.parametrize("num_reads", [32, 200])  # several rows per block of chains; a row across blocks
def test_gibbs_native_rows_match_exact_and_single_clamp_calls(num_reads):
    bqm, clamp, fields = _request(8, 3, rows=5, seed=3)
    exact = get("exact").moments(bqm, beta=1.0, clamp=clamp, fields=fields)
    gibbs = get("gibbs")
    m = gibbs.moments(bqm, beta=1.0, clamp=clamp, fields=fields, num_reads=num_reads, num_sweeps=1500, seed=1)
    assert m.info["method"] == "sparse" and m.info["final_states"].shape == (5, num_reads, 8)
    free = list(range(5))
    z = np.abs(m.mean[:, free] - exact.mean[:, free]) / m.stderr[:, free]
    assert z.max() < 5, z
    assert np.all(np.abs(m.energy - exact.energy) < 5 * m.info["energy_stderr"]), (m.energy, exact.energy)
    floor = np.median(m.corr_stderr[:, :5, :5])  # a few batch means per pair: guard against a lucky small one
    assert np.all(np.abs(m.corr - exact.corr) < 5 * np.maximum(m.corr_stderr, floor))
    for b in (0, 4):
        single = gibbs.moments(_row_model(bqm, fields, b), clamp=_row_clamp(clamp, b), num_reads=num_reads,
                               num_sweeps=1500, seed=10 + b)
        both = np.hypot(single.stderr[free], m.stderr[b, free])
        assert np.all(np.abs(single.mean[free] - m.mean[b, free]) < 5 * both)


def test_gibbs_native_integer_model_edge_pairs_and_persistent_chains():
    rng = np.random.default_rng(2)
    n = 20
    bqm = dimod.BQM({i: float(rng.integers(-1, 2)) for i in range(n)},
                    {(i, (i + 1) % n): float(rng.choice([-1, 1])) for i in range(n)}, 0.0, "SPIN")
    clamp = (list(range(0, n, 4)), rng.choice([-1, 1], size=(6, n // 4)))  # chains of 3 free spins between clamps
    exact = get("exact").moments(bqm, beta=0.7, clamp=clamp)
    m = get("gibbs").moments(bqm, beta=0.7, clamp=clamp, num_reads=24, num_sweeps=800, pairs="edges", seed=3)
    free = np.setdiff1d(np.arange(n), clamp[0])
    assert np.all(np.abs(m.mean[:, free] - exact.mean[:, free]) < 5 * m.stderr[:, free])
    i, j = m.pairs.T
    assert m.pair_corr.shape == (6, len(m.pairs)) and m.corr is None
    floor = np.median(m.pair_corr_stderr)
    assert np.all(np.abs(m.pair_corr - exact.corr[:, i, j]) < 5 * np.maximum(m.pair_corr_stderr, floor))
    ss = get("gibbs").sample(bqm, clamp=clamp, initial_states=m.info["final_states"], num_sweeps=1, seed=0)
    assert ss.record.clamp_row.tolist() == np.repeat(np.arange(6), 24).tolist()
    np.testing.assert_allclose(ss.record.energy, bqm.energies(ss))
    assert np.all(ss.record.sample[:, clamp[0]] == np.repeat(clamp[1], 24, axis=0))


def test_gibbs_native_batch_refuses_bad_pairs_in_sample_too():
    bqm, clamp, _ = _request(6, 2, rows=2, seed=1)
    with pytest.raises(ValueError, match="pairs"):
        get("gibbs").sample(bqm, clamp=clamp, num_reads=2, num_sweeps=2, pairs="some")


def test_gibbs_dense_layer_engine_batches_rows_in_one_engine():
    """A bipartite model on the layer engine: each row's clamp and fields as per-chain fields, rows match exact."""
    from isingbridge import CompiledBQM

    rng = np.random.default_rng(0)
    nv, nh, rows, reads = 16, 8, 3, 2000
    W, b, c = rng.normal(0, 0.3, (nv, nh)), rng.normal(0, 0.3, nv), rng.normal(0, 0.3, nh)
    model = CompiledBQM.bipartite(W, b, c)
    clamp = ([0, 1], np.array([[1, -1], [-1, -1], [1, 1]]))
    fields = ([2, 10, nv + 3], rng.normal(0, 1, (rows, 3)))
    gibbs = get("gibbs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ss = gibbs.sample(model, clamp=clamp, fields=fields, num_reads=reads, num_sweeps=40, seed=1, method="dense")
    assert ss.info["method"] == "dense"
    states = ss.record.sample.reshape(rows, reads, nv + nh)  # reads come in row order
    assert np.all(states[:, :, :2] == clamp[1][:, None, :])
    exact = get("exact").moments(model, clamp=clamp, fields=fields)
    stderr = states.std(axis=1) / np.sqrt(reads)
    free = np.arange(2, nv + nh)
    assert np.all(np.abs(states.mean(axis=1)[:, free] - exact.mean[:, free]) < 5 * stderr[:, free])
    truth = np.array([_row_energies(model, fields, clamp, r, states[r]) for r in range(rows)]).ravel()
    np.testing.assert_allclose(ss.record.energy, truth, atol=1e-9)


def _row_energies(model, fields, clamp, r, states):
    """Row r's energies with plain numpy: E = h·s + vᵀ W h over the bipartite model, plus the row's fields."""
    visible, hidden, W = model.layers
    h = model.h.copy()
    h[fields[0]] += fields[1][r]
    s = states.astype(float)
    return s @ h + np.einsum("ki,ki->k", s[:, visible] @ W, s[:, hidden])
