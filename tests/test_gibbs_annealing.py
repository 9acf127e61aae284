"""Per-chain and per-sweep β in the neighbour-loop engine, and annealing on the gibbs backend."""
import dimod
import networkx as nx
import numpy as np
import pytest
from dwave.samplers import PlanarGraphSolver

from conftest import brute_force, random_bqm
from isingbridge.backends import get
from isingbridge.backends import gibbs_cpu
from isingbridge.backends.gibbs_cpu import SparseChains
from isingbridge.ir import compile_bqm


def planar_pm_j(L: int, seed: int) -> tuple[dimod.BinaryQuadraticModel, dict]:
    """An open L×L ±J lattice (planar, no fields) and its node positions (the labels themselves)."""
    bqm = dimod.generators.ran_r(1, nx.grid_2d_graph(L, L), seed=seed)
    return bqm, {v: v for v in bqm.variables}


def integer_bqm(seed: int, n: int = 9) -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    quadratic = {(i, j): float(rng.choice([-1, 1])) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.4}
    return dimod.BQM({i: float(rng.integers(-1, 2)) for i in range(n)}, quadratic, 0.0, "SPIN")


MODELS = {"integer": integer_bqm(0), "real": random_bqm(9, 0, coupling=2.0)}


def time_average_energy(engine: SparseChains, sweeps: int) -> np.ndarray:
    """Each chain's energy averaged over ``sweeps`` single-sweep runs, ``(num_chains,)``."""
    total = np.zeros(engine.num_chains)
    for _ in range(sweeps):
        engine.run(1)
        total += engine.energies()
    return total / sweeps


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_per_chain_betas_sample_each_boltzmann_law(kind):
    bqm = MODELS[kind]
    model = compile_bqm(bqm)
    betas = np.repeat([0.2, 0.7, 1.5], 48)
    engine = SparseChains(model, betas, betas.size, np.random.default_rng(1))
    assert engine.integer == (kind == "integer")
    engine.load(np.ones((betas.size, model.num_variables), dtype=np.int8))
    engine.run(50)
    per_chain = time_average_energy(engine, 300) + model.offset
    for beta in (0.2, 0.7, 1.5):
        _, p, _, energies = brute_force(bqm, beta)
        chains = per_chain[betas == beta]
        stderr = chains.std(ddof=1) / np.sqrt(chains.size)
        assert abs(chains.mean() - p @ energies) < 5 * stderr, (beta, chains.mean(), p @ energies, stderr)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_fixed_beta_paths_agree_bit_for_bit(kind):
    """A scalar β, the same β per chain, and a schedule of ones draw the same chains."""
    model = compile_bqm(MODELS[kind])

    def final(setup) -> np.ndarray:
        engine = SparseChains(model, 0.8, 40, np.random.default_rng(3))
        engine.load(np.ones((40, model.num_variables), dtype=np.int8))
        setup(engine)
        return engine.states()

    reference = final(lambda e: e.run(25))
    assert np.array_equal(reference, final(lambda e: (e.set_betas(np.full(40, 0.8)), e.run(25))))
    assert np.array_equal(reference, final(lambda e: e.run(25, beta_scale=np.ones(25))))


def test_integer_schedule_in_chunks_is_the_same_schedule(monkeypatch):
    model = compile_bqm(MODELS["integer"])
    schedule = np.geomspace(0.1, 3.0, 37)

    def annealed() -> np.ndarray:
        engine = SparseChains(model, np.repeat([1.0, 0.5], 16), 32, np.random.default_rng(4))
        engine.load(np.ones((32, model.num_variables), dtype=np.int8))
        engine.run(schedule.size, beta_scale=schedule)
        return engine.states()

    whole = annealed()
    monkeypatch.setattr(gibbs_cpu, "TABLE_ENTRIES", 1)  # one sweep per kernel call
    assert np.array_equal(whole, annealed())


def test_schedule_reaches_the_kernel():
    """A cold final sweep aligns every spin with a strong field, a hot one leaves them random."""
    model = compile_bqm(dimod.BQM({i: 1.0 for i in range(64)}, {}, 0.0, "SPIN"))
    engine = SparseChains(model, 1.0, 16, np.random.default_rng(0))
    engine.run(3, beta_scale=np.array([1e-6, 1e-6, 30.0]))
    assert np.all(engine.states() == -1)
    engine.run(1, beta_scale=np.array([1e-9]))
    assert 0.3 < np.mean(engine.states() == 1) < 0.7


def test_float32_bound_holds_for_the_largest_beta():
    """Fields near float32's limit, huge per-chain β and schedules: decisions, never NaN (which flips down)."""
    bqm = dimod.BQM({0: 3.3e36, 1: -2.9e36, 2: 0.1}, {(0, 2): 1.7e36}, 0.0, "SPIN")
    model = compile_bqm(bqm)
    engine = SparseChains(model, np.array([1.0, 1e30]), 2, np.random.default_rng(0))
    assert not engine.integer and engine.offset_scale > 1
    engine.run(4, beta_scale=np.array([1.0, 1e10, 1e30, 1e30]))
    states = engine.states()
    assert np.all(states[:, 0] == -1) and np.all(states[:, 1] == 1)


def test_energies_include_field_offsets():
    bqm = random_bqm(7, 5)
    model = compile_bqm(bqm)
    offsets = np.random.default_rng(0).normal(size=(7, 5))
    engine = SparseChains(model, 1.0, 5, np.random.default_rng(1), field_offsets=offsets)
    engine.run(3)
    states = engine.states().astype(float)
    expected = model.energies(states) - model.offset + np.einsum("ri,ir->r", states, offsets)
    assert np.allclose(engine.energies(), expected)
    assert np.array_equal(engine.chain_states([4, 0]), engine.states()[[4, 0]])


@pytest.mark.parametrize("betas, message", [(np.ones(3), "shape"), (np.array([1.0, 0.0]), "chain 1"),
                                            (np.array([1.0, np.nan]), "positive finite")])
def test_set_betas_refuses_bad_values(betas, message):
    engine = SparseChains(compile_bqm(MODELS["real"]), 1.0, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        engine.set_betas(betas)
    with pytest.raises(ValueError, match="beta_scale"):
        engine.run(2, beta_scale=np.array([1.0, -1.0]))


# -- annealing through the backend -------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_annealing_finds_exact_ground_states(seed):
    bqm = random_bqm(14, seed, field=0.3, coupling=2.0)
    ground = dimod.ExactSolver().sample(bqm).first.energy
    ss = get("gibbs").sample(bqm, beta_range=(0.05, 8.0), num_sweeps=1000, num_reads=32, seed=seed)
    assert np.isclose(ss.first.energy, ground)
    assert np.mean(np.isclose(ss.record.energy, ground)) >= 0.3  # a glassy dense model: a good share of the reads


def test_annealing_reaches_a_planar_spin_glass_ground_state():
    bqm, pos = planar_pm_j(8, 3)
    ground = PlanarGraphSolver().sample(bqm, pos=pos).first.energy
    ss = get("gibbs").sample(bqm, beta_range=(0.1, 4.0), num_sweeps=4000, num_reads=64, seed=0)
    assert ss.first.energy == ground
    assert np.all(ss.record.energy >= ground)


def test_custom_schedule_is_recorded_and_deterministic():
    bqm = integer_bqm(2)
    schedule = np.linspace(0.2, 3.0, 120)
    gibbs = get("gibbs")
    first = gibbs.sample(bqm, beta_schedule=schedule, num_reads=8, seed=5)
    again = gibbs.sample(bqm, beta_schedule=list(schedule), num_reads=8, seed=5)
    assert np.array_equal(first.record.sample, again.record.sample)
    assert first.info["beta"] is None and first.info["schedule"] == "custom" and first.info["num_sweeps"] == 120
    assert np.array_equal(first.info["beta_schedule"], schedule) and first.info["beta_range"] == (0.2, 3.0)
    linear = gibbs.sample(bqm, beta_range=(0.2, 3.0), schedule="linear", num_sweeps=120, num_reads=8, seed=5)
    assert np.array_equal(linear.record.sample, first.record.sample)  # the same schedule, generated
    assert linear.info["schedule"] == "linear" and linear.info["beta_range"] == (0.2, 3.0)


def test_annealing_with_clamps_and_batched_clamps():
    bqm = random_bqm(10, 4, field=0.3, coupling=2.0)
    gibbs = get("gibbs")
    clamp = {0: 1, 3: -1}
    ss = gibbs.sample(bqm, clamp=clamp, beta_range=(0.1, 8.0), num_sweeps=400, num_reads=16, seed=0)
    conditional = bqm.copy()
    conditional.fix_variables(clamp)
    assert np.isclose(ss.first.energy, dimod.ExactSolver().sample(conditional).first.energy)
    assert all(ss.first.sample[v] == value for v, value in clamp.items())
    values = np.array([[1, 1], [-1, 1], [1, -1]])
    batched = gibbs.sample(bqm, clamp=([0, 3], values), beta_range=(0.1, 8.0), num_sweeps=400, num_reads=16,
                           seed=0)
    for row, (a, b) in enumerate(values):
        rows = batched.record.clamp_row == row
        fixed = bqm.copy()
        fixed.fix_variables({0: int(a), 3: int(b)})
        assert np.isclose(batched.record.energy[rows].min(), dimod.ExactSolver().sample(fixed).first.energy)
    drawn = gibbs.sample_states(bqm, clamp=([0, 3], values), beta_range=(0.1, 8.0), num_sweeps=50, num_reads=4,
                                seed=1, conditionals=[1, 2])
    assert drawn.states.shape == (3, 4, 10) and drawn.info["beta"] is None
    fields = compile_bqm(bqm).local_fields(drawn.states.reshape(12, 10).astype(float), np.array([1, 2]))
    assert np.allclose(drawn.conditional_means.reshape(12, 2), -np.tanh(8.0 * fields))  # at the final beta


@pytest.mark.parametrize("options, message", [
    (dict(beta_schedule=[0.1, 1.0], beta_range=(0.1, 1.0)), "not both"),
    (dict(beta_schedule=[0.1, 1.0], schedule="linear"), "not both"),
    (dict(schedule="linear"), "give beta_range"),
    (dict(beta_schedule=[1.0, 0.5]), "non-decreasing"),
    (dict(beta_schedule=[0.0, 0.5]), "positive"),
    (dict(beta_schedule=[0.1, np.inf]), "NaN or infinity"),
    (dict(beta_schedule=[]), "at least 1"),
    (dict(beta_schedule=[0.1, 1.0], num_sweeps=5), "contradicts"),
    (dict(beta_range=(2.0, 1.0)), "low <= high"),
    (dict(beta_range=(0.1, 1.0), schedule="cubic"), "schedule must be one of"),
    (dict(beta_range=(0.1, 1.0), method="dense"), "neighbour-loop"),
])
def test_annealing_refuses_bad_requests(options, message):
    with pytest.raises(ValueError, match=message):
        get("gibbs").sample(MODELS["real"], num_reads=2, seed=0, **options)


def test_moments_and_cuda_refuse_schedules():
    gibbs = get("gibbs")
    with pytest.raises(ValueError, match="sample\\(\\) option"):
        gibbs.moments(MODELS["real"], beta_range=(0.1, 1.0), num_sweeps=10)
    with pytest.raises(ValueError, match="sample\\(\\) option"):
        gibbs.moments(MODELS["real"], clamp=([0], np.array([[1], [-1]])), beta_range=(0.1, 1.0), num_sweeps=10)
    gibbs.device = "cuda"  # what a GPU machine's backend holds; refused before any engine is built
    with pytest.raises(ValueError, match="device='cpu'"):
        gibbs.sample(MODELS["real"], beta_range=(0.1, 1.0), num_sweeps=10)
