"""Guards of the backends and the IR: every bad input a clear error, no NaN from finite input,
no allocation or enumeration beyond what the machine can do without saying so."""
import itertools
import time
import tracemalloc
import warnings

import dimod
import numpy as np
import pytest
from dwave.samplers import TabuSampler

from conftest import random_bqm
from isingbridge import TransverseIsing
from isingbridge.backends import NotReproducibleWarning, ResourceLimitError, SlowEnumerationWarning, exact, get
from isingbridge.ir import ENERGY_LIMIT, CompileCache, check_clamp

BACKENDS = ["exact", "anneal", "gibbs", "statevector", "tabu"]


def _backend(name):
    return get(TabuSampler()) if name == "tabu" else get(name)


def _huge_fields(num_spins=4):
    """Every bias finite, their sum not: the energy of the all-up state overflows float64."""
    return dimod.BQM({i: 1e308 for i in range(num_spins)}, {}, 0.0, "SPIN")


# -- 1. energies that overflow -------------------------------------------------
@pytest.mark.parametrize("name", BACKENDS)
def test_overflowing_energy_sum_is_refused_with_the_cure(name):
    backend = _backend(name)
    with pytest.raises(ValueError, match=r"Σ\|h\| \+ Σ\|J\| \+ \|offset\| = inf.*bqm.scale\(1 / c\).*multiply beta"):
        backend.sample(_huge_fields(), num_reads=2)
    with pytest.raises(ValueError, match="rescale"):
        backend.moments(_huge_fields())


def test_couplings_and_offset_count_toward_the_bound():
    couplings = dimod.BQM({}, {(0, 1): 0.6 * ENERGY_LIMIT, (1, 2): 0.6 * ENERGY_LIMIT}, 0.0, "SPIN")
    with pytest.raises(ValueError, match="1.2e\\+300"):
        get("exact").moments(couplings)
    offset = dimod.BQM({0: 0.6 * ENERGY_LIMIT}, {}, 0.6 * ENERGY_LIMIT, "SPIN")
    with pytest.raises(ValueError, match="rescale"):
        get("exact").moments(offset)
    get("exact").moments(dimod.BQM({0: 0.4 * ENERGY_LIMIT}, {}, 0.4 * ENERGY_LIMIT, "SPIN"))  # within: accepted


def test_transverse_fields_count_toward_the_bound():
    bqm = dimod.BQM({0: 0.6 * ENERGY_LIMIT, 1: 0.0}, {}, 0.0, "SPIN")
    with pytest.raises(ValueError, match=r"Σ\|g\| \+ Σ\|a\|.*rescale"):
        TransverseIsing(bqm, x={1: 0.6 * ENERGY_LIMIT})
    with pytest.raises(ValueError, match="rescale"):
        TransverseIsing(bqm, xx={(0, 1): 1e308, (1, 0): 1e308})  # the two orders add up to inf


def test_huge_but_representable_energies_give_exact_moments():
    """Near the limit the exact backend still agrees with the scaled model (β·E is what matters)."""
    small = random_bqm(5, 3)
    c = 1e295
    big = small.copy()
    big.scale(c)
    reference = get("exact").moments(small, beta=0.7)
    result = get("exact").moments(big, beta=0.7 / c)
    np.testing.assert_allclose(result.mean, reference.mean, atol=1e-12)
    np.testing.assert_allclose(result.corr, reference.corr, atol=1e-12)
    assert np.isfinite(result.energy)


def test_exact_samples_at_a_huge_beta_are_ground_states_not_nan():
    """-β·E overflows at β = 1e308, but the weights relative to the ground energy do not."""
    bqm = dimod.BQM({i: -1.0 for i in range(14)}, {}, 0.0, "SPIN")  # > 12 spins: several row blocks
    ss = get("exact").sample(bqm, beta=1e308, num_reads=20, seed=0)
    assert np.all(ss.record.sample == 1)
    m = get("exact").moments(bqm, beta=1e300)
    assert np.all(m.mean == 1.0) and m.energy == -14.0 and np.isfinite(m.log_z)


@pytest.mark.parametrize("name", ["exact", "statevector"])
def test_log_z_that_overflows_is_refused_naming_beta(name):
    """log Z = -β E_ground + ... is not representable at β = 1e308 with E_ground = -14: say so, never inf."""
    bqm = dimod.BQM({i: -1.0 for i in range(14 if name == "exact" else 4)}, {}, 0.0, "SPIN")
    model = bqm if name == "exact" else TransverseIsing(bqm, {0: 0.5})
    with pytest.raises(ValueError, match="log Z overflows float64 at beta=1e\\+308"):
        get(name).moments(model, beta=1e308)
    if name == "exact":
        with pytest.raises(ValueError, match="lower beta"):
            get(name).log_partition(bqm, beta=1e308)


@pytest.mark.parametrize("kwargs, message", [
    ({"x": [("a", 0.3)]}, "x must be a mapping {label: field}, got list"),
    ({"x": "a"}, "x must be a mapping {label: field}, got str"),
    ({"xx": [((0, 1), 1.0)]}, "xx must be a mapping {\\(u, v\\): coupling}, got list"),
])
def test_transverse_ising_refuses_fields_that_are_not_mappings(kwargs, message):
    with pytest.raises(TypeError, match=message):
        TransverseIsing(dimod.BQM({0: 1.0, 1: 0.0}, {}, 0.0, "SPIN"), **kwargs)


def test_statevector_huge_fields_do_not_warn_of_false_degeneracy():
    bqm = dimod.BQM({0: 1e299, 1: -1e299}, {(0, 1): 1e298}, 0.0, "SPIN")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = get("statevector").moments(TransverseIsing(bqm, x={0: 1.0}))
    assert m.mean_of(0) == pytest.approx(-1.0) and m.mean_of(1) == pytest.approx(1.0)
    assert m.info["degeneracy"] == 1


# -- 2. num_reads in moments ----------------------------------------------------
@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("num_reads, error, message", [
    (0, ValueError, "num_reads must be >= 1, got 0"),
    (-5, ValueError, "num_reads must be >= 1, got -5"),
    (2.5, TypeError, "num_reads must be an integer, got float 2.5"),
    ("x", TypeError, "num_reads must be an integer, got str"),
])
def test_moments_refuse_bad_num_reads(name, num_reads, error, message):
    with pytest.raises(error, match=message):
        _backend(name).moments(random_bqm(3, 0), num_reads=num_reads)


def test_anneal_moments_use_the_reads_asked_for():
    m = get("anneal").moments(random_bqm(3, 0), num_reads=7, num_sweeps=10, seed=0)
    assert m.info["num_samples"] == 7


# -- 3. anneal: beta_range and beta per mode -----------------------------------------
@pytest.mark.parametrize("beta_range, error, message", [
    ((np.nan, 1.0), ValueError, r"beta_range\[0\] must be a finite number, got nan"),
    ((0.1, np.inf), ValueError, r"beta_range\[1\] must be a finite number, got inf"),
    ((0.0, 1.0), ValueError, r"beta_range\[0\] must be > 0"),
    ((2.0, 1.0), ValueError, "low <= high"),
    ((0.1, 1j), TypeError, r"beta_range\[1\] must be a real number"),
    ((0.1,), TypeError, "pair"),
    ("ab", TypeError, "pair"),
])
def test_anneal_bad_beta_range(beta_range, error, message):
    with pytest.raises(error, match=message):
        get("anneal").sample(random_bqm(3, 0), mode="anneal", beta_range=beta_range, num_reads=2)


def test_anneal_refuses_beta_range_where_it_would_be_ignored_and_reports_no_beta_when_annealing():
    anneal = get("anneal")
    with pytest.raises(ValueError, match="beta_range is used only in mode='anneal'"):
        anneal.sample(random_bqm(3, 0), beta_range=(0.1, 1.0))
    with pytest.raises(ValueError, match="beta must be positive and finite"):
        anneal.sample(random_bqm(3, 0), mode="anneal", beta=-2.0)
    ss = anneal.sample(random_bqm(3, 0), mode="anneal", beta_range=(0.1, 5), num_reads=2, num_sweeps=20, seed=0)
    assert ss.info["beta"] is None and ss.info["beta_range"] == (0.1, 5.0)


def test_callers_that_pass_beta_to_every_backend_can_anneal():
    """Trainers and circuits pass their beta whatever the backend; annealing must not refuse it."""
    from isingbridge.trainers import BoltzmannRBM, ExactGradient

    rbm = BoltzmannRBM(2, estimator=ExactGradient(), n_epochs=1, random_state=0).fit(np.array([[1, 0, 1], [0, 1, 0]] * 3))
    assert rbm.sample(4, backend="anneal", mode="anneal", seed=0, num_sweeps=20).shape == (4, 3)
    ss = get("anneal").sample(random_bqm(3, 0), mode="anneal", beta=2.0, num_reads=2, num_sweeps=20, seed=0)
    assert ss.info["beta"] is None


# -- 4. expectation terms ----------------------------------------------------------
def _model():
    bqm = dimod.BQM({"a": 0.3, "b": -0.2}, {("a", "b"): -1.0}, 0.0, "SPIN")
    return TransverseIsing(bqm, x={"a": 0.5, "b": 0.4})


@pytest.mark.parametrize("operator, error, message", [
    ([("Z", ["a", "b"], 1)], ValueError, "1 letter.* but 2 label"),
    ([("ZZ", ["a"], 1)], ValueError, "2 letter.* but 1 label"),
    ([("ZZ", ["a", "a"], 1)], ValueError, "more than once"),
    ([("Q", ["a"], 1)], ValueError, "I, X, Y, Z"),
    ([("Z", "a", 1)], TypeError, r"write \['a'\]"),
    ([("Z", ["a"], 1j)], TypeError, "coefficient of operator term 0 must be a real number"),
    ([("Z", ["a"], np.nan)], ValueError, "coefficient of operator term 0 must be a finite number"),
    ([("Z", ["a"])], TypeError, "operator term 0 must be a tuple"),
    ("ZZZ", ValueError, "3 letter"),
    (42, TypeError, "Pauli string, a qiskit SparsePauliOp"),
    ([], TypeError, "non-empty list"),
])
def test_expectation_refuses_malformed_terms(operator, error, message):
    with pytest.raises(error, match=message):
        get("statevector").expectation(_model(), operator)


def test_expectation_refuses_a_non_hermitian_operator_and_reads_terms_by_label():
    from qiskit.quantum_info import SparsePauliOp

    sv = get("statevector")
    with pytest.raises(ValueError, match="Hermitian"):
        sv.expectation(_model(), SparsePauliOp(["ZZ"], coeffs=[1j]))
    m = sv.moments(_model())
    assert sv.expectation(_model(), [("ZZ", ["a", "b"], 1.0)]) == pytest.approx(m.corr_of("a", "b"), abs=1e-10)
    # qiskit is little-endian: "XZ" puts X on qubit 1 ("b") and Z on qubit 0 ("a")
    assert sv.expectation(_model(), [("XZ", ["b", "a"], 2.0)]) == pytest.approx(
        2.0 * sv.expectation(_model(), SparsePauliOp("XZ")), abs=1e-12)


# -- 5. v0 --------------------------------------------------------------------------
@pytest.mark.parametrize("dense_qubits", [0, 10])  # Lanczos and dense eigh both check it
@pytest.mark.parametrize("v0, error, message", [
    (np.ones(3), ValueError, r"v0 must have 2\^2 = 4 entries"),
    (np.array([1.0, np.nan, 0.0, 0.0]), ValueError, "v0 contains NaN"),
    (np.zeros(4), ValueError, "all zeros"),
    (np.ones(4) * 1j, TypeError, "v0 must be real"),
    (["a", "b", "c", "d"], TypeError, "v0 must be numeric"),
])
def test_bad_start_vector(dense_qubits, v0, error, message):
    with pytest.raises(error, match=message):
        get("statevector", dense_qubits=dense_qubits).eigenstates(_model(), v0=v0)


def test_good_start_vector_gives_the_dense_answer():
    model = TransverseIsing(random_bqm(6, 2), x={i: 0.5 for i in range(6)})
    dense = get("statevector").eigenstates(model).energies[0]
    lanczos = get("statevector", dense_qubits=0).eigenstates(model, v0=np.ones(64)).energies[0]
    assert lanczos == pytest.approx(dense, abs=1e-9)


# -- 6. complex input --------------------------------------------------------------
def test_complex_input_is_refused_not_truncated():
    bqm = random_bqm(3, 0)
    with pytest.raises(TypeError, match="beta must be a positive real number, got complex"):
        get("exact").moments(bqm, beta=1 + 0j)
    with pytest.raises(TypeError, match="initial_states must be real"):
        get("gibbs").sample(bqm, initial_states=np.ones((2, 3), dtype=complex))
    with pytest.raises(TypeError, match="temperature must be a real number"):
        get("statevector").moments(bqm, temperature=1 + 0j)
    with pytest.raises(TypeError, match="Z field of 0 must be a real number"):
        TransverseIsing(bqm).with_fields({0: np.complex128(0.5)})


# -- 7. the dimod adapter and seeds ----------------------------------------------
def test_seedless_sampler_warns_once_and_says_so_in_info():
    backend = get(dimod.ExactSolver())
    bqm = random_bqm(3, 0)
    with pytest.warns(NotReproducibleWarning, match="ExactSolver takes no seed, so seed=7"):
        ss = backend.sample(bqm, seed=7)
    assert ss.info["reproducible"] is False
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotReproducibleWarning)
        again = backend.sample(bqm, seed=7)  # second time: no warning
        unseeded = get(dimod.ExactSolver()).sample(bqm)  # no seed asked for: nothing to warn about
        m = backend.moments(bqm, seed=7)
    assert again.info["reproducible"] is False and unseeded.info["reproducible"] is False
    assert m.info["reproducible"] is False


def test_seeded_sampler_gets_the_seed_and_repeats():
    backend = get(TabuSampler(), timeout=5)
    bqm = random_bqm(12, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotReproducibleWarning)
        first, second = (backend.sample(bqm, num_reads=3, seed=11) for _ in range(2))
    assert first.info["reproducible"] is True
    np.testing.assert_array_equal(first.record.sample, second.record.sample)


# -- 8. seeds on every backend and entry point -----------------------------------------
@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("seed, error, message", [
    (-1, ValueError, "seed must be an integer >= 0 .*got -1"),
    ("x", TypeError, "seed must be None, an integer >= 0 or a numpy.random.Generator, got str"),
    (2.5, TypeError, "seed must be None, an integer >= 0 or a numpy.random.Generator, got float"),
])
def test_bad_seed_everywhere(name, seed, error, message):
    backend = _backend(name)
    for call in (backend.sample, backend.moments):
        with pytest.raises(error, match=message):
            call(random_bqm(3, 0), seed=seed)


def test_bad_seed_in_estimate_beta_eff():
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        get(TabuSampler()).estimate_beta_eff(random_bqm(3, 0), seed=-1)


# -- 9. memory and time ------------------------------------------------------------------
def _brute_ground_states(bqm):
    labels = list(bqm.variables)
    states = np.array(list(itertools.product([-1, 1], repeat=len(labels))))
    energies = bqm.energies((states, labels))
    return {tuple(s) for s in states[np.isclose(energies, energies.min())]}, energies.min()


def test_ground_states_stream_across_chunks(monkeypatch):
    """Small chunks force many passes, the minimum moving between them; the buffer never exceeds max_states."""
    monkeypatch.setattr(exact, "CHUNK_STATES", 1 << 13)
    ring = dimod.BQM({i: 0.0 for i in range(16)}, {(i, (i + 1) % 16): -1.0 for i in range(16)}, 0.0, "SPIN")
    frustrated = random_bqm(16, 4)
    frustrated.set_linear(15, 0.0)
    for bqm in (ring, frustrated, dimod.BQM({i: 0.0 for i in range(15)}, {(0, 14): 1.0}, 0.0, "SPIN")):
        expected, energy = _brute_ground_states(bqm)
        for max_states in (1, 2, 5, 1 << 16):
            ss = get("exact").ground_states(bqm, max_states=max_states)
            found = {tuple(int(ss.record.sample[k, ss.variables.index(v)]) for v in bqm.variables)
                     for k in range(len(ss))}
            assert len(ss) == min(max_states, len(expected)) and found <= expected
            assert ss.info["ground_energy"] == pytest.approx(energy)


def test_ground_states_of_a_degenerate_model_stay_within_the_buffer():
    """2^20 degenerate ground states, 10 kept: the peak stays near one chunk's energies, not 2^20 rows."""
    zero = dimod.BQM({i: 0.0 for i in range(20)}, {}, 0.0, "SPIN")
    get("exact").ground_states(zero, max_states=1)  # compile the kernels outside the measurement
    tracemalloc.start()
    ss = get("exact").ground_states(zero, max_states=10)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(ss) == 10 and np.all(ss.record.energy == 0.0)
    assert peak < 40e6, f"peak {peak / 1e6:.0f} MB"  # the full set of rows would take hundreds of MB


def test_ground_states_refuse_a_buffer_that_cannot_fit():
    zero = dimod.BQM({i: 0.0 for i in range(40)}, {}, 0.0, "SPIN")
    with pytest.raises(ResourceLimitError, match="lower max_states"):
        get("exact", max_variables=40).ground_states(zero, max_states=2**38)


def test_long_enumeration_warns_with_its_estimate():
    bqm = dimod.BQM({i: 0.1 for i in range(40)}, {(i, i + 1): -1.0 for i in range(39)}, 0.0, "SPIN")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowEnumerationWarning)  # the warning aborts the hours-long run
        with pytest.raises(SlowEnumerationWarning, match=r"2\^40 = 1.1e\+12 states; at the .* states/s .*(hours|days)"):
            get("exact", max_variables=40).moments(bqm)
    assert exact.enumeration_rate() > 1e6


def test_short_enumeration_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowEnumerationWarning)
        get("exact").moments(random_bqm(16, 0))


@pytest.mark.parametrize("name", ["exact", "anneal", "gibbs", "statevector", "tabu"])
def test_huge_num_reads_refused_before_allocating(name):
    start = time.perf_counter()
    with pytest.raises(ResourceLimitError, match=r"1000000000000 reads of 10 spins .* would need .* GiB.*lower num_reads"):
        _backend(name).sample(random_bqm(10, 0), num_reads=10**12)
    assert time.perf_counter() - start < 5


def test_gibbs_refuses_huge_chain_counts_and_correlation_matrices():
    with pytest.raises(ResourceLimitError, match="lower num_reads"):
        get("gibbs").sample(random_bqm(10, 0), num_reads=10**9)
    with pytest.raises(ResourceLimitError, match="lower num_reads"):
        get("gibbs").moments(random_bqm(10, 0), num_reads=10**11)
    n = 200_000
    chain = dimod.BQM.from_numpy_vectors(np.zeros(n), (np.arange(n - 1), np.arange(1, n), -np.ones(n - 1)), 0.0, "SPIN")
    with pytest.raises(ResourceLimitError, match="ask for fewer correlations: pairs='edges'"):
        get("gibbs").moments(chain, num_reads=2, num_sweeps=2, pairs="all")
    m = get("gibbs").moments(chain, num_reads=2, num_sweeps=2, seed=0)  # the default, edge pairs, fits
    assert m.corr is None and m.pair_corr.shape == (n - 1,)


# -- 10. one ±1 validator -----------------------------------------------------------------
@pytest.mark.parametrize("value", [True, np.nan, 1j, "1", None, 0.5])
def test_clamp_values_other_than_spins_are_refused(value):
    with pytest.raises(ValueError, match="clamp value for 0 is .*; allowed values are -1 or \\+1"):
        check_clamp(random_bqm(2, 0), {0: value})


def test_initial_states_mixing_bits_and_spins_are_refused():
    binary = random_bqm(3, 0).change_vartype("BINARY", inplace=False)
    with pytest.raises(ValueError, match="mixes 0 and -1"):
        get("gibbs").sample(binary, initial_states=[[0, -1, 1]])
    with pytest.raises(ValueError, match="rectangular"):
        get("gibbs").sample(random_bqm(3, 0), initial_states=[[1, 1, 1], [1, 1]])


# -- 11. constructor and option checks ------------------------------------------------------
@pytest.mark.parametrize("name, options, error, message", [
    ("exact", {"max_variables": "x"}, TypeError, "max_variables must be an integer"),
    ("exact", {"max_variables": 0}, ValueError, "max_variables must be >= 1"),
    ("exact", {"cache_size": 0}, ValueError, "cache_size must be >= 1"),
    ("anneal", {"cache_size": 2.5}, TypeError, "cache_size must be an integer"),
    ("gibbs", {"device": None}, ValueError, "device must be one of 'cpu', 'cuda', 'auto'; got None"),
    ("gibbs", {"num_threads": 0}, ValueError, "num_threads must be >= 1"),
    ("gibbs", {"dense_precision": 16}, ValueError, "dense_precision must be one of"),
    ("statevector", {"max_qubits": -1}, ValueError, "max_qubits must be >= 1"),
    ("statevector", {"dense_qubits": np.nan}, TypeError, "dense_qubits must be an integer"),
])
def test_bad_constructor_options(name, options, error, message):
    with pytest.raises(error, match=message):
        get(name, **options)


@pytest.mark.parametrize("options, error, message", [
    ({"compute_corr": "yes"}, TypeError, "compute_corr must be True or False"),
    ({"scan": None}, ValueError, "scan must be one of"),
    ({"burn_in": 2.5}, TypeError, "burn_in must be an integer"),
    ({"thin": 0}, ValueError, "thin must be >= 1"),
    ({"num_sweeps": np.inf}, TypeError, "num_sweeps must be an integer"),
])
def test_bad_gibbs_options(options, error, message):
    with pytest.raises(error, match=message):
        get("gibbs").moments(random_bqm(3, 0), **options)


def test_bad_statevector_arguments():
    sv = get("statevector")
    with pytest.raises(ValueError, match="state=4 asks for an eigenstate that does not exist"):
        sv.moments(_model(), state=4)
    with pytest.raises(TypeError, match="previous must be the Eigenstates"):
        sv.eigenstates(_model(), previous="ground")
    with pytest.raises(ValueError, match="beta=1e-320 is too small"):
        sv.moments(_model(), beta=1e-320)
    with pytest.raises(ValueError, match="max_states must be >= 1"):
        get("exact").ground_states(random_bqm(3, 0), max_states=0)
    with pytest.raises(TypeError, match="maxsize must be an integer"):
        CompileCache("big")


def test_no_nan_from_finite_extremes():
    """Extreme but finite β: infinite temperature gives ⟨s⟩ = 0, zero temperature the ground state."""
    bqm = random_bqm(6, 5)
    hot = get("exact").moments(bqm, beta=1e-300)
    np.testing.assert_allclose(hot.mean, 0.0, atol=1e-12)
    cold = get("exact").moments(bqm, beta=1e300)
    (ground,), energy = _brute_ground_states(bqm)
    np.testing.assert_array_equal(cold.mean, ground)
    assert cold.energy == pytest.approx(energy) and not np.isnan(cold.log_z)


@pytest.mark.parametrize("method", ["sparse", "dense"])
def test_gibbs_fields_beyond_float32_give_the_boltzmann_answer(method):
    """Biases of 1e39 overflow float32 (and inf - inf made a spin always flip down): only β·E matters."""
    small = dimod.BQM({0: 1.0, 1: 0.3}, {(0, 1): -1.0}, 0.0, "SPIN")  # not integer multiples: the float path
    big = small.copy()
    big.scale(1e39)
    reference = get("exact").moments(small, beta=0.5)
    m = get("gibbs").moments(big, beta=0.5e-39, num_reads=256, num_sweeps=400, seed=1, method=method)
    assert np.all(np.abs(m.mean - reference.mean) < 5 * m.stderr)


@pytest.mark.parametrize("name", ["anneal", "gibbs"])
def test_initial_states_without_rows_are_named(name):
    with pytest.raises(ValueError, match="initial_states has no rows"):
        get(name).moments(random_bqm(5, 0), initial_states=np.ones((0, 5)))


def test_ground_energy_is_the_minimum_even_after_the_buffer_filled():
    """A later block lower by less than the tolerance must still lower the reported energy."""
    n = 14  # > 12 spins: several blocks of high spins
    h = {i: 0.0 for i in range(n)}
    h[n - 1] = -1e-12  # the last spin's + state is lower by far less than rtol: same degenerate set
    bqm = dimod.BQM(h, {}, 0.0, "SPIN")
    states, energy = exact.ground_states(get("exact").prepare(bqm).free, max_states=4)
    assert energy == pytest.approx(-1e-12, abs=0) and len(states) == 4
