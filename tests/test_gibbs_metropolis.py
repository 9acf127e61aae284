"""Metropolis updates of the gibbs backend's neighbour-loop engine (``proposal_acceptance_criteria``)."""
import dimod
import numpy as np
import pytest
from dwave.samplers import PlanarGraphSolver

from conftest import random_bqm
from isingbridge.backends import get
from isingbridge.backends.gibbs_cpu import SparseChains
from isingbridge.ir import compile_bqm
from test_gibbs_annealing import integer_bqm, planar_pm_j

METROPOLIS = {"proposal_acceptance_criteria": "Metropolis"}
#: Frustrated models with fields: ±1 couplings and fields in {−1, 0, 1} (integer tables), N(0, 1) ones (float32 path).
MODELS = {"integer": integer_bqm(1, n=8), "real": random_bqm(8, 5, coupling=2.0)}


def uses_integer_tables(bqm: dimod.BinaryQuadraticModel) -> bool:
    return SparseChains(compile_bqm(bqm), 1.0, 8, np.random.default_rng(0)).integer


def assert_close(estimate, stderr, exact, what: str) -> None:
    """Every entry within 5 standard errors of the exact value."""
    stderr = np.asarray(stderr)
    assert np.all(np.isfinite(stderr) & (stderr > 0)), what  # inf: a spin that never moved, no error bar at all
    z = (np.asarray(estimate) - np.asarray(exact)) / stderr
    assert np.all(np.abs(z) < 5), (what, np.round(z, 2))


@pytest.mark.parametrize("scan", ["chromatic", "random"])
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_fixed_beta_moments_match_exact_enumeration(kind, scan):
    bqm = MODELS[kind]
    assert uses_integer_tables(bqm) == (kind == "integer")
    m = get("gibbs").moments(bqm, beta=0.9, num_reads=64, num_sweeps=2000, seed=3, scan=scan, **METROPOLIS)
    exact = get("exact").moments(bqm, beta=0.9)
    upper = np.triu_indices(bqm.num_variables, k=1)
    assert m.info["method"] == "sparse"
    assert_close(m.mean, m.stderr, exact.mean, "means")
    assert_close(m.corr[upper], m.corr_stderr[upper], exact.corr[upper], "correlations")
    assert_close(m.energy, m.info["energy_stderr"], exact.energy, "energy")


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_batched_rows_match_exact_enumeration(kind):
    """Rows of a batch run in one engine with per-chain field offsets (clamped neighbours)."""
    bqm = MODELS[kind]
    values = np.array([[1], [-1]])
    m = get("gibbs").moments(bqm, beta=0.9, num_reads=32, num_sweeps=2000, seed=4, clamp=([0], values), **METROPOLIS)
    for row, value in enumerate(values[:, 0]):
        exact = get("exact").moments(bqm, beta=0.9, clamp={0: int(value)})
        assert_close(m.mean[row, 1:], m.stderr[row, 1:], exact.mean[1:], f"means of row {row}")


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_per_chain_betas_follow_their_boltzmann_laws(kind):
    """set_betas on a Metropolis engine: each chain samples at its own β (chain means against exact ones)."""
    bqm = MODELS[kind]
    model = compile_bqm(bqm)
    betas = np.repeat([0.3, 1.2], 32)
    engine = SparseChains(model, betas, betas.size, np.random.default_rng(2), acceptance="Metropolis")
    engine.load(np.ones((betas.size, model.num_variables), dtype=np.int8))
    engine.run(100)
    sums = engine.record(0, 1, np.repeat(np.arange(2), 1000), 2, np.zeros((0, 2), dtype=np.int64))
    chain_means = sums.spins.sum(axis=1) / 2000
    for beta in (0.3, 1.2):
        chains = chain_means[betas == beta]
        exact = get("exact").moments(bqm, beta=beta).mean
        assert_close(chains.mean(axis=0), chains.std(axis=0, ddof=1) / np.sqrt(chains.shape[0]), exact, f"beta {beta}")


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_metropolis_thresholds_take_every_flip_that_does_not_raise_the_energy(kind):
    """A spin with zero local field flips at every visit: one sweep turns it over, two bring it back."""
    bqm = MODELS[kind].copy()
    bqm.add_variable("free", 0.0)  # no field, no couplings
    states = np.ones((16, bqm.num_variables), dtype=np.int8)
    column = list(bqm.variables).index("free")
    for sweeps, expected in ((1, -1), (2, 1), (7, -1)):
        drawn = get("gibbs").sample_states(bqm, num_reads=16, num_sweeps=sweeps, initial_states=states, seed=sweeps,
                                           **METROPOLIS)
        assert np.all(drawn.states[:, column] == expected), sweeps


def test_integer_tables_hold_the_metropolis_stay_probability():
    model = compile_bqm(MODELS["integer"])
    engine = SparseChains(model, 0.7, 8, np.random.default_rng(0), acceptance="Metropolis")
    top = engine._top
    m = np.arange(-top, top + 1)  # s·f in units of the quantum
    stay = np.where(m < 0, 1.0 - np.exp(2 * 0.7 * engine.offset_scale * m), 0.0)
    assert np.array_equal(engine.thresholds[0, 0], np.floor(stay * 2.0**32 + 0.5).astype(np.uint32))
    assert np.all(engine.thresholds[0, 0, top:] == 0)  # downhill and zero-cost flips: always


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_same_seed_same_states(kind):
    bqm = MODELS[kind]
    gibbs = get("gibbs")
    for options in ({"beta": 1.1, "num_sweeps": 50}, {"beta_range": (0.1, 3.0), "num_sweeps": 80}):
        first = gibbs.sample(bqm, num_reads=24, seed=7, **options, **METROPOLIS)
        again = gibbs.sample(bqm, num_reads=24, seed=7, **options, **METROPOLIS)
        heat_bath = gibbs.sample(bqm, num_reads=24, seed=7, **options)
        assert np.array_equal(first.record.sample, again.record.sample)
        assert not np.array_equal(first.record.sample, heat_bath.record.sample)  # the option reaches the kernel


#: Spins of 4 reads after 30 sweeps at β = 1 with seed 0, drawn before the option existed: the default is unchanged.
DEFAULT_DRAWS = {
    "integer": [[1, -1, -1, 1, -1, 1, 1, -1], [-1, 1, 1, -1, -1, -1, 1, -1],
                [-1, 1, -1, -1, -1, -1, -1, 1], [1, -1, -1, 1, 1, 1, -1, 1]],
    "real": [[-1, 1, -1, -1, -1, -1, -1, 1], [-1, -1, -1, 1, -1, -1, 1, 1],
             [-1, 1, -1, -1, -1, -1, -1, 1], [1, 1, 1, 1, 1, 1, 1, -1]],
}


@pytest.mark.filterwarnings("ignore::isingbridge.backends.ConvergenceWarning")  # short runs: only the draws matter
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_default_is_the_heat_bath_bit_for_bit(kind):
    bqm = MODELS[kind]
    gibbs = get("gibbs")
    default = gibbs.sample_states(bqm, num_reads=4, num_sweeps=30, seed=0).states
    named = gibbs.sample_states(bqm, num_reads=4, num_sweeps=30, seed=0, proposal_acceptance_criteria="Gibbs").states
    assert np.array_equal(default, named)
    assert default.tolist() == DEFAULT_DRAWS[kind]
    moments = gibbs.moments(bqm, num_reads=16, num_sweeps=200, seed=1)
    named_moments = gibbs.moments(bqm, num_reads=16, num_sweeps=200, seed=1, proposal_acceptance_criteria="Gibbs")
    assert np.array_equal(moments.mean, named_moments.mean) and np.array_equal(moments.corr, named_moments.corr)


@pytest.mark.parametrize("seed", [1, 4])
def test_annealing_reaches_planar_ground_states_in_most_reads(seed):
    bqm, pos = planar_pm_j(8, seed)
    ground = PlanarGraphSolver().sample(bqm, pos=pos).first.energy
    ss = get("gibbs").sample(bqm, beta_range=(0.1, 4.0), num_sweeps=4000, num_reads=64, seed=0, **METROPOLIS)
    assert np.all(ss.record.energy >= ground)
    assert np.mean(ss.record.energy == ground) > 0.5


def test_annealing_on_real_couplings_reaches_the_ground_state():
    """Couplings ±1 and ±√2 (the float32 path): the best reads reach the exact ground energy."""
    bqm, pos = planar_pm_j(8, 1)
    rng = np.random.default_rng(1)
    bqm = dimod.BQM({}, {edge: bias * rng.choice([1.0, np.sqrt(2)]) for edge, bias in bqm.quadratic.items()}, 0.0,
                    "SPIN")
    assert not uses_integer_tables(bqm)
    ground = PlanarGraphSolver().sample(bqm, pos=pos).first.energy
    ss = get("gibbs").sample(bqm, beta_range=(0.1, 4.0), num_sweeps=4000, num_reads=64, seed=0, **METROPOLIS)
    assert np.all(ss.record.energy >= ground - 1e-9)
    assert np.mean(ss.record.energy <= ground + 1e-9) > 0.2


def test_chains_run_metropolis_on_the_neighbour_loop_engine():
    """A bipartite model would take the dense layer engine; Metropolis chains take the neighbour loops instead."""
    from isingbridge import CompiledBQM

    rng = np.random.default_rng(0)
    model = CompiledBQM.bipartite(rng.normal(0, 0.1, (40, 40)), rng.normal(0, 0.1, 40), np.zeros(40))
    chains = get("gibbs").chains(8, **METROPOLIS)
    drawn = chains.run(model, num_sweeps=3, seed=1)
    assert drawn.info["method"] == "sparse"
    direct = get("gibbs").sample_states(model, num_reads=8, num_sweeps=3, seed=1, **METROPOLIS)
    assert np.array_equal(drawn.states, direct.states)
    again = chains.run(model, num_sweeps=3, seed=2)
    direct = get("gibbs").sample_states(model, num_reads=8, num_sweeps=3, seed=2, initial_states=drawn.states,
                                        **METROPOLIS)
    assert np.array_equal(again.states, direct.states)
    assert get("gibbs").chains(8).run(model, num_sweeps=3, seed=1).info["method"] == "dense"


@pytest.mark.parametrize("value", ["metropolis", "Heat bath", 1, None])
def test_bad_rules_are_refused_naming_the_option_and_choices(value):
    bqm = MODELS["integer"]
    gibbs = get("gibbs")
    pattern = "proposal_acceptance_criteria must be one of 'Gibbs', 'Metropolis'"
    calls = [lambda: gibbs.sample(bqm, num_sweeps=5, proposal_acceptance_criteria=value),
             lambda: gibbs.sample_states(bqm, num_sweeps=5, proposal_acceptance_criteria=value),
             lambda: gibbs.moments(bqm, num_sweeps=5, proposal_acceptance_criteria=value),
             lambda: gibbs.chains(4, proposal_acceptance_criteria=value)]
    for call in calls:
        with pytest.raises(ValueError, match=pattern):
            call()


def test_dense_and_cuda_engines_refuse_metropolis():
    bqm = MODELS["real"]
    gibbs = get("gibbs")
    with pytest.raises(ValueError, match="method='sparse'"):
        gibbs.sample(bqm, method="dense", **METROPOLIS)
    with pytest.raises(ValueError, match="method='sparse'"):
        gibbs.moments(bqm, method="dense", **METROPOLIS)
    with pytest.raises(ValueError, match="method='sparse'"):
        gibbs.chains(4, method="dense", **METROPOLIS)
    on_gpu = get("gibbs")
    on_gpu.device = "cuda"  # what a GPU machine's backend holds; refused before any engine is built
    with pytest.raises(ValueError, match="device='cpu'"):
        on_gpu.sample(bqm, **METROPOLIS)
