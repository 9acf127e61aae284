"""The Gibbs (p-bit) backend against the exact backend, and its controls."""
import warnings

import dimod
import numpy as np
import pytest

from conftest import random_bqm
from isingbridge.backends import ConvergenceWarning, get
from isingbridge.backends.gibbs import choose_method
from isingbridge.backends.gibbs_cpu import LayerChains, SparseChains
from isingbridge.backends.gibbs_cuda import gpu_available
from isingbridge.ir import compile_bqm

#: The physics tests run on every device: the CUDA ones are opt-in (-m gpu) and skip without a GPU.
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]


def gibbs_on(device: str, **options):
    if device == "cuda" and not gpu_available():
        pytest.skip("no usable CUDA GPU (CuPy and a device)")
    return get("gibbs", device=device, **options)


def assert_within_5_stderr(m, exact):
    free = m.stderr > 0
    z_mean = np.abs(m.mean - exact.mean)[free] / m.stderr[free]
    assert z_mean.max() < 5, z_mean.max()
    off = ~np.eye(len(m.variables), dtype=bool) & (m.corr_stderr > 0)
    z_corr = np.abs(m.corr - exact.corr)[off] / m.corr_stderr[off]
    assert z_corr.max() < 5, z_corr.max()
    assert abs(m.energy - exact.energy) < 5 * m.info["energy_stderr"]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "seed, beta, clamp, binary",
    [(0, 0.1, None, False), (1, 0.5, {2: 1}, False), (2, 1.0, {0: -1, 5: 1}, True), (3, 3.0, None, False)],
)
def test_real_fields_match_exact(seed, beta, clamp, binary, device):
    bqm = random_bqm(9, seed, field=0.5, coupling=1.0)
    if binary:
        bqm = bqm.change_vartype("BINARY", inplace=False)
        clamp = {k: (v + 1) // 2 for k, v in clamp.items()}
    m = gibbs_on(device).moments(bqm, beta=beta, clamp=clamp, num_reads=64, num_sweeps=3000, seed=seed)
    exact = get("exact").moments(bqm, beta=beta, clamp=clamp)
    assert_within_5_stderr(m, exact)
    if clamp:
        for v, value in clamp.items():
            assert m.mean_of(v) == (1 if value > 0 else -1) and m.stderr[m.index[v]] == 0


def integer_model(seed):
    rng = np.random.default_rng(seed)
    n = 12
    linear = {i: float(rng.integers(-2, 3)) for i in range(n)}
    quadratic = {(i, (i + 1) % n): float(rng.choice([-1, 1])) for i in range(n)}
    quadratic.update({(i, (i + 5) % n): 2.0 * float(rng.choice([-1, 1])) for i in range(0, n, 2)})
    return dimod.BQM(linear, quadratic, 0.0, "SPIN")


@pytest.mark.parametrize("device, scan", [("cpu", "chromatic"), ("cpu", "random"),
                                          pytest.param("cuda", "chromatic", marks=pytest.mark.gpu)])
def test_integer_fields_match_exact(device, scan):
    bqm = integer_model(4)
    m = gibbs_on(device).moments(bqm, beta=0.6, num_reads=64, num_sweeps=3000, seed=1, scan=scan, clamp={3: 1})
    assert_within_5_stderr(m, get("exact").moments(bqm, beta=0.6, clamp={3: 1}))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("beta, field", [(0.3, 2.0), (1.5, -1.0)])
def test_unit_couplings_match_exact(device, beta, field):
    """±J couplings with integer fields: the CUDA engine's byte-SIMD path (CPU: threshold tables)."""
    rng = np.random.default_rng(6)
    n = 14
    quadratic = {(i, j): 0.5 * float(rng.choice([-1, 1])) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.3}
    linear = {i: 0.5 * float(rng.integers(-2, 3)) + (field if i == 0 else 0.0) for i in range(n)}
    bqm = dimod.BQM(linear, quadratic, 0.0, "SPIN")
    m = gibbs_on(device).moments(bqm, beta=beta, num_reads=64, num_sweeps=3000, seed=2)
    assert_within_5_stderr(m, get("exact").moments(bqm, beta=beta))


@pytest.mark.parametrize("device, precision", [("cpu", "half"), pytest.param("cuda", "half", marks=pytest.mark.gpu),
                                               pytest.param("cuda", "single", marks=pytest.mark.gpu)])
def test_dense_layer_engine_matches_exact_on_a_small_rbm(device, precision):
    rng = np.random.default_rng(5)
    nv, nh = 6, 8
    linear = {("v", i): rng.normal(0, 0.3) for i in range(nv)} | {("h", j): rng.normal(0, 0.3) for j in range(nh)}
    quadratic = {(("v", i), ("h", j)): rng.normal(0, 0.5) for i in range(nv) for j in range(nh)}
    bqm = dimod.BQM(linear, quadratic, 0.0, "SPIN")
    m = gibbs_on(device, dense_precision=precision).moments(bqm, num_reads=64, num_sweeps=3000, seed=2, method="dense")
    assert m.info["method"] == "dense" and m.info["device"] == device
    assert_within_5_stderr(m, get("exact").moments(bqm))


def test_auto_method_picks_dense_for_rbm_shapes_and_sparse_otherwise():
    J = np.zeros((150, 150))
    J[:100, 100:] = 0.01
    assert choose_method(compile_bqm(dimod.BQM(np.zeros(150), J, 0.0, "SPIN"))) == "dense"
    assert choose_method(compile_bqm(random_bqm(30, 0))) == "sparse"
    assert choose_method(compile_bqm(random_bqm(200, 0, density=0.02))) == "sparse"


def test_stderr_is_honest_across_many_runs():
    """z-scores of independent runs against exact values are close to standard normal."""
    bqm = random_bqm(6, 7, field=0.6, coupling=1.2)
    exact = get("exact").moments(bqm, beta=1.0)
    gibbs = get("gibbs")
    z = []
    for seed in range(60):
        m = gibbs.moments(bqm, beta=1.0, num_reads=16, num_sweeps=400, seed=seed, compute_corr=False)
        z.append((m.mean - exact.mean) / m.stderr)
    z = np.concatenate(z)  # 360 z-scores
    assert abs(z.mean()) < 0.25
    assert 0.8 < z.std() < 1.25
    assert np.mean(np.abs(z) > 3) < 0.02


def test_few_chains_use_batches_within_chains():
    bqm = random_bqm(5, 8)
    m = get("gibbs").moments(bqm, num_reads=2, num_sweeps=4000, seed=3)
    assert m.info["batches"] == 16
    assert np.all(np.isfinite(m.stderr)) and np.all(m.ess > 10)


@pytest.mark.parametrize("device", DEVICES)
def test_same_seed_same_samples_on_every_engine(device):
    bqm = random_bqm(20, 9, density=0.3)
    gibbs = gibbs_on(device)
    engines = ({}, {"scan": "random"}, {"method": "dense"}) if device == "cpu" else ({}, {"method": "dense"})
    for options in engines:
        a = gibbs.sample(bqm, num_reads=40, num_sweeps=30, seed=11, **options)
        b = gibbs.sample(bqm, num_reads=40, num_sweeps=30, seed=11, **options)
        np.testing.assert_array_equal(a.record.sample, b.record.sample)
        c = gibbs.sample(bqm, num_reads=40, num_sweeps=30, seed=12, **options)
        assert not np.array_equal(a.record.sample, c.record.sample)


def test_results_do_not_depend_on_thread_count():
    bqm = random_bqm(30, 10, density=0.2)
    one = get("gibbs", num_threads=1).sample(bqm, num_reads=300, num_sweeps=20, seed=4)
    many = get("gibbs").sample(bqm, num_reads=300, num_sweeps=20, seed=4)
    np.testing.assert_array_equal(one.record.sample, many.record.sample)


@pytest.mark.parametrize("device", DEVICES)
def test_persistent_chains_continue_where_they_stopped(device):
    ring = dimod.BQM({}, {(i, (i + 1) % 16): -1.0 for i in range(16)}, 0.0, "SPIN")
    gibbs = gibbs_on(device)
    up = gibbs.sample(ring, beta=4.0, num_reads=32, num_sweeps=5, initial_states=np.ones((32, 16)), seed=0)
    down = gibbs.sample(ring, beta=4.0, num_reads=32, num_sweeps=5, initial_states=-np.ones((32, 16)), seed=0)
    assert up.record.sample.mean() > 0.9 and down.record.sample.mean() < -0.9
    again = gibbs.sample(ring, beta=4.0, num_sweeps=5, initial_states=up, seed=1)  # SampleSet in, by label
    assert len(again) == 32 and again.record.sample.mean() > 0.8
    m = gibbs.moments(ring, beta=4.0, num_reads=32, num_sweeps=5, burn_in=0, initial_states=up, seed=2)
    assert m.info["final_states"].shape == (32, 16) and m.mean.mean() > 0.8


@pytest.mark.parametrize("device", DEVICES)
def test_clamped_spins_never_move(device):
    bqm = random_bqm(10, 11)
    clamp = {1: -1, 4: 1}
    gibbs = gibbs_on(device)
    ss = gibbs.sample(bqm, num_reads=50, num_sweeps=20, clamp=clamp, seed=0)
    for v, value in clamp.items():
        assert np.all(ss.record.sample[:, ss.variables.index(v)] == value)
    m = gibbs.moments(bqm, num_reads=10, num_sweeps=20, clamp=clamp, seed=0)
    final = m.info["final_states"]
    assert np.all(final[:, m.index[1]] == -1) and np.all(final[:, m.index[4]] == 1)


def test_clamp_that_empties_the_model():
    bqm = random_bqm(3, 12, offset=0.5)
    clamp = {0: 1, 1: -1, 2: 1}
    ss = get("gibbs").sample(bqm, num_reads=3, clamp=clamp, seed=0)
    assert len(ss) == 3 and ss.first.energy == pytest.approx(bqm.energy(clamp))
    m = get("gibbs").moments(bqm, clamp=clamp)
    assert m.energy == pytest.approx(bqm.energy(clamp))


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"num_sweeps": 0}, ValueError, "num_sweeps must be >= 1"),
        ({"num_sweeps": 10, "burn_in": 10}, ValueError, r"burn_in \(10\) must be smaller than num_sweeps \(10\)"),
        ({"burn_in": -1}, ValueError, "burn_in must be an integer >= 0, got -1"),
        ({"num_sweeps": 10, "burn_in": 5, "thin": 6}, ValueError, "thin"),
        ({"scan": "diagonal"}, ValueError, "scan must be one of"),
        ({"method": "fft"}, ValueError, "method must be one of"),
        ({"scan": "random", "method": "dense"}, ValueError, "scan='chromatic'"),
    ],
)
def test_bad_sampling_controls(options, error, message):
    with pytest.raises(error, match=message):
        get("gibbs").moments(random_bqm(4, 0), **options)


def test_bad_initial_states():
    bqm = random_bqm(4, 1, labels=list("abcd"))
    gibbs = get("gibbs")
    with pytest.raises(ValueError, match=r"shape \(num_reads, 4\)"):
        gibbs.sample(bqm, initial_states=np.ones((3, 5)))
    with pytest.raises(ValueError, match="3 rows but num_reads is 4"):
        gibbs.moments(bqm, initial_states=np.ones((3, 4)), num_reads=4)
    wrong_labels = dimod.SampleSet.from_samples(({"a": 1, "b": 1, "c": 1, "x": 1}), "SPIN", energy=[0])
    with pytest.raises(ValueError, match="lacks variable"):
        gibbs.sample(bqm, initial_states=wrong_labels)


def test_unknown_device_and_cuda_without_gpu():
    with pytest.raises(ValueError, match="device must be one of"):
        get("gibbs", device="tpu")
    if gpu_available():
        pytest.skip("a usable GPU is present")
    with pytest.raises(RuntimeError, match="device='cuda'|isingbridge\\[gpu\\]"):
        get("gibbs", device="cuda")
    assert get("gibbs", device="auto").device == "cpu"


def test_bad_dense_precision():
    with pytest.raises(ValueError, match="dense_precision must be one of"):
        get("gibbs", dense_precision="fp8")


@pytest.mark.gpu
def test_cuda_engines_continue_exactly_and_refuse_random_scan():
    """run(10) + run(10) = run(20): the Philox counter carries the sweep, not a generator state."""
    from isingbridge.backends.gibbs_cuda import CudaLayerChains, CudaSparseChains

    if not gpu_available():
        pytest.skip("no usable CUDA GPU (CuPy and a device)")
    model = compile_bqm(random_bqm(40, 3, density=0.2))
    start = np.where(np.random.default_rng(0).random((37, 40)) < 0.5, 1, -1).astype(np.int8)
    for engine in (CudaSparseChains, CudaLayerChains):
        whole, split = (engine(model, 0.7, 37, np.random.default_rng(5)) for _ in range(2))
        whole.load(start), split.load(start)
        whole.run(20)
        split.run(10)
        split.run(10)
        np.testing.assert_array_equal(whole.states(), split.states())
    with pytest.raises(ValueError, match="device='cpu' only"):
        gibbs_on("cuda").sample(random_bqm(4, 0), scan="random")


@pytest.mark.gpu
def test_cuda_and_cpu_engines_agree_on_a_large_lattice():
    """A 32×32 ferromagnet at β = 0.4 on both devices: energy per spin within errors of each other."""
    L = 32
    quadratic = {(i * L + j, ((i + 1) % L) * L + j): -1.0 for i in range(L) for j in range(L)}
    quadratic.update({(i * L + j, i * L + (j + 1) % L): -1.0 for i in range(L) for j in range(L)})
    bqm = dimod.BQM({}, quadratic, 0.0, "SPIN")
    cpu = get("gibbs").moments(bqm, beta=0.4, num_reads=64, num_sweeps=600, seed=0, compute_corr=False)
    gpu = gibbs_on("cuda").moments(bqm, beta=0.4, num_reads=64, num_sweeps=600, seed=0, compute_corr=False)
    error = np.hypot(cpu.info["energy_stderr"], gpu.info["energy_stderr"])
    assert abs(cpu.energy - gpu.energy) < 5 * error


def test_random_spins_are_fair_and_deterministic():
    from isingbridge.spins import random_spins

    a = random_spins(np.random.default_rng(3), (400, 250))
    assert a.dtype == np.int8 and a.shape == (400, 250) and set(np.unique(a)) == {-1, 1}
    assert abs(a.mean()) < 5 / np.sqrt(a.size)  # a fair coin per spin, 5 standard errors
    assert abs(np.mean(a[:, :-1] * a[:, 1:])) < 5 / np.sqrt(a.size)  # neighbours uncorrelated
    np.testing.assert_array_equal(a, random_spins(np.random.default_rng(3), (400, 250)))


# -- statistics inside the engines, honest errors -------------------------------------------------
def test_edge_pairs_equal_the_entries_of_the_full_matrix_and_match_exact():
    bqm = random_bqm(12, 13, density=0.3)
    gibbs, exact = get("gibbs"), get("exact").moments(bqm, beta=0.8)
    full = gibbs.moments(bqm, beta=0.8, num_reads=64, num_sweeps=2000, seed=5, pairs="all")
    edges = gibbs.moments(bqm, beta=0.8, num_reads=64, num_sweeps=2000, seed=5, pairs="edges")
    assert edges.corr is None and len(edges.pairs) == bqm.num_interactions
    i, j = edges.pairs.T
    np.testing.assert_array_equal(edges.pair_corr, full.corr[i, j])
    np.testing.assert_array_equal(edges.pair_corr_stderr, full.corr_stderr[i, j])
    np.testing.assert_array_equal(edges.mean, full.mean)
    z = np.abs(edges.pair_corr - exact.corr[i, j]) / edges.pair_corr_stderr
    assert z.max() < 5, z.max()
    assert np.all(edges.rhat < 1.01) and edges.rhat.shape == (12,)


def test_label_pairs_and_clamped_models_map_to_full_positions():
    bqm = random_bqm(6, 14, labels=list("abcdef"))
    m = get("gibbs").moments(bqm, num_reads=32, num_sweeps=1000, seed=1, clamp={"b": 1}, pairs=[("f", "a"), ("c", "d")])
    exact = get("exact").moments(bqm, clamp={"b": 1})
    np.testing.assert_array_equal(m.pairs, [[0, 5], [2, 3]])
    z = np.abs(m.pair_corr - exact.corr[m.pairs[:, 0], m.pairs[:, 1]]) / m.pair_corr_stderr
    assert z.max() < 5
    assert m.rhat[m.index["b"]] == 1.0 and m.stderr[m.index["b"]] == 0
    with pytest.raises(ValueError, match="not a free variable"):
        get("gibbs").moments(bqm, clamp={"b": 1}, pairs=[("a", "b")])
    with pytest.raises(ValueError, match="compute_corr=False"):
        get("gibbs").moments(bqm, compute_corr=False, pairs="edges")


def test_large_sparse_models_default_to_edge_pairs():
    ring = dimod.BQM({}, {(i, (i + 1) % 600): -0.5 for i in range(600)}, 0.0, "SPIN")
    m = get("gibbs").moments(ring, num_reads=16, num_sweeps=50, seed=0)
    assert m.corr is None and m.pairs.shape == (600, 2) and m.pair_corr.shape == (600,)


@pytest.mark.parametrize("options", [{}, {"scan": "random"}, {"method": "dense"}, {"num_reads": 8}])
def test_statistics_inside_the_engine_equal_sums_of_copied_states(options):
    """Same seed, same sweeps: the kernel's sums equal sums of the states copied out after every record."""
    from isingbridge.backends.gibbs import coupled_pairs, record_on_host, record_plan
    from isingbridge.spins import random_spins

    model = compile_bqm(random_bqm(20, 15, density=0.3))
    num_reads = options.pop("num_reads", 200)
    engine_type = {"dense": LayerChains}.get(options.pop("method", None), SparseChains)
    batch_of, batches = record_plan(37)
    pairs = np.concatenate([coupled_pairs(model), [[0, 19], [3, 4]]])
    sums = []
    for record in ("engine", "host"):
        engine = engine_type(model, 0.7, num_reads, np.random.default_rng(3), **options)
        engine.load(random_spins(np.random.default_rng(4), (num_reads, 20)))
        if record == "engine":
            sums.append(engine.record(5, 2, batch_of, batches, pairs))
        else:
            sums.append(record_on_host(engine, model.h, 5, 2, batch_of, batches, pairs, engine.pair_group))
    np.testing.assert_array_equal(sums[0].spins, sums[1].spins)
    np.testing.assert_array_equal(sums[0].pairs, sums[1].pairs)
    np.testing.assert_allclose(sums[0].field_sums, sums[1].field_sums, rtol=1e-12)


def test_all_pairs_refused_when_they_do_not_fit():
    from isingbridge.validation import ResourceLimitError

    n = 100_000
    chain = dimod.BQM.from_numpy_vectors(np.zeros(n), (np.arange(n - 1), np.arange(1, n), -np.ones(n - 1)), 0.0, "SPIN")
    with pytest.raises(ResourceLimitError, match=r"pair correlations .* would need .* GiB.*pairs='edges'"):
        get("gibbs").moments(chain, num_reads=2, num_sweeps=2, pairs="all")


def test_one_frozen_chain_reports_infinite_error_and_warns():
    pair = dimod.BQM({}, {(0, 1): -3.0}, 0.0, "SPIN")  # exact mean 0; one chain at beta 3 never leaves its state
    with pytest.warns(ConvergenceWarning, match="never changed"):
        m = get("gibbs").moments(pair, beta=3.0, num_reads=1, seed=0)
    assert np.all(np.abs(m.mean) == 1) and np.all(np.isinf(m.stderr)) and np.all(m.ess == 0)


def test_one_recorded_sweep_per_chain_is_not_called_frozen():
    """With one record per chain nothing says a spin never moves; independent chains still give honest errors."""
    bqm = random_bqm(6, 3, field=0.5, coupling=1.0)
    exact = get("exact").moments(bqm, beta=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        m = get("gibbs").moments(bqm, beta=0.5, num_reads=512, num_sweeps=60, burn_in=59, seed=0)
    assert m.info["num_samples"] == 512 and not np.any(m.info["frozen"])
    z = (m.mean - exact.mean) / m.stderr
    assert np.all(np.isfinite(m.stderr)) and np.abs(z).max() < 5


def test_hard_random_models_are_calibrated_or_warned_every_time():
    """J_ij ~ N(0, 1) on all pairs of 10 spins with N(0, 1) fields at beta 1, default settings."""
    for seed in range(10):
        bqm = random_bqm(10, seed, field=1.0, coupling=np.sqrt(10))
        exact = get("exact").moments(bqm, beta=1.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = get("gibbs").moments(bqm, beta=1.0, seed=seed)
        warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
        z = np.abs(m.mean - exact.mean) / m.stderr
        assert warned or z.max() < 5, (seed, z.max())


def test_well_mixing_models_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        m = get("gibbs").moments(random_bqm(8, 16), beta=0.5, num_reads=32, num_sweeps=1000, seed=0)
    assert np.nanmax(m.rhat) < 1.01 and np.all(m.ess > 1000)


def test_corr_of_reads_the_accumulated_pairs_when_there_is_no_full_matrix():
    """Large sparse models default to edge pairs: corr_of must still answer for couplings, and say how for others."""
    n = 600  # above the all-pairs default
    bqm = dimod.BQM({i: 0.1 for i in range(n)}, {(i, i + 1): -0.5 for i in range(n - 1)}, 0.0, "SPIN")
    m = get("gibbs").moments(bqm, num_reads=32, num_sweeps=60, seed=0)
    assert m.corr is None
    column = [tuple(p) for p in m.pairs.tolist()].index((3, 4))
    assert m.corr_of(3, 4) == m.corr_of(4, 3) == m.pair_corr[column] and m.corr_of(5, 5) == 1.0
    with pytest.raises(KeyError, match=r"was not accumulated; ask the backend for it with pairs=\[\(0, 9\)"):
        m.corr_of(0, 9)
