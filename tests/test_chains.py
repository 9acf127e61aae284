"""Persistent chains of the contract (Backend.chains): same draws as sample_states, right law, clear errors."""
from __future__ import annotations

import dimod
import numpy as np
import pytest

from isingbridge import CompiledBQM, get
from isingbridge.backends.chains import Chains
from isingbridge.backends.gibbs_chains import GibbsChains

from conftest import EnumerationPlugin


def _layered(step: int, nv: int = 40, nh: int = 30) -> CompiledBQM:
    """A bipartite model whose weights change with ``step``, as a trainer's do."""
    rng = np.random.default_rng(step)
    W = (0.2 * rng.normal(size=(nv, nh))).astype(np.float32)
    return CompiledBQM.bipartite(W, 0.1 * rng.normal(size=nv), 0.1 * rng.normal(size=nh), copy=False)


@pytest.mark.parametrize("restart_every", [0, 2])
def test_gibbs_chains_draw_what_sample_states_draws(restart_every):
    """Same seeds and starting states, same states and conditional means, whether the engine is kept or not."""
    gibbs = get("gibbs")
    hidden = np.arange(40, 70)
    chains = gibbs.chains(12, conditionals=hidden, method="dense")
    assert isinstance(chains, GibbsChains)
    states = None
    data = np.where(np.random.default_rng(9).random((12, 70)) < 0.5, 1, -1).astype(np.int8)
    for step in range(5):
        model = _layered(step)
        restart = restart_every and step % restart_every == 0
        kept = chains.run(model, num_sweeps=2, seed=step, initial_states=data if restart else None)
        starts = data if restart else states
        fresh = gibbs.sample_states(model, num_reads=12, num_sweeps=2, seed=step, conditionals=hidden, method="dense",
                                    **({} if starts is None else {"initial_states": starts}))
        np.testing.assert_array_equal(kept.states, fresh.states)
        np.testing.assert_allclose(kept.conditional_means, fresh.conditional_means, rtol=1e-6)
        np.testing.assert_allclose(kept.energies(), fresh.energies())
        states = fresh.states
    np.testing.assert_array_equal(chains.states, states)


def test_gibbs_chains_sample_the_boltzmann_law():
    """Many one-sweep runs of a kept engine (reseeded every run) average to the exact ⟨s⟩ within standard errors."""
    model = CompiledBQM.bipartite(np.array([[0.6, -0.4, 0.3], [-0.5, 0.2, 0.7], [0.4, 0.5, -0.3], [0.1, -0.6, 0.2]]),
                                  np.array([0.2, -0.1, 0.0, 0.3]), np.array([-0.2, 0.1, 0.25]))
    exact = get("exact").moments(model, beta=1.0).mean
    chains = get("gibbs").chains(64, method="dense")
    means = np.array([chains.run(model, num_sweeps=1, seed=t).states.mean(axis=0) for t in range(1200)])[200:]
    batches = means.reshape(20, -1, means.shape[1]).mean(axis=1)  # batch means: runs are correlated
    estimate, stderr = batches.mean(axis=0), batches.std(axis=0, ddof=1) / np.sqrt(len(batches))
    z = (estimate - exact) / stderr
    assert np.all(np.abs(z) < 4.5), z
    assert np.all(stderr < 0.02)  # and the check is not vacuous


def test_chains_continue_only_where_the_backend_can():
    """A backend without initial_states gives fresh samples (the exact law); one with it is continued."""
    model = _layered(0, nv=4, nh=3)
    exact_chains = get("exact").chains(5)
    assert type(exact_chains) is Chains and not exact_chains.continues
    assert exact_chains.run(model, seed=1).states.shape == (5, 7)
    plugin = EnumerationPlugin().chains(3, conditionals=[4, 5])
    drawn = plugin.run(model, seed=2)
    np.testing.assert_allclose(drawn.conditional_means,
                               -np.tanh(model.local_fields(drawn.states, np.array([4, 5]))), rtol=1e-6)
    assert get("gibbs").chains(3).continues


def test_chains_on_other_models_and_shapes():
    """A sparse model goes through sample_states; a model of another width starts the chains afresh."""
    gibbs = get("gibbs")
    chains = gibbs.chains(4, method="dense")
    chains.run(_layered(0), num_sweeps=1, seed=0)
    wider = chains.run(_layered(1, nv=50), num_sweeps=1, seed=1)
    assert wider.states.shape == (4, 80)
    sparse = gibbs.chains(4)
    ring = np.zeros((6, 6))
    ring[np.arange(6), (np.arange(6) + 1) % 6] = -1.0
    ring = CompiledBQM.from_arrays(np.zeros(6), np.triu(ring + ring.T))
    first = sparse.run(ring, num_sweeps=3, seed=0)
    again = gibbs.sample_states(ring, num_reads=4, num_sweeps=3, seed=1, initial_states=first.states)
    np.testing.assert_array_equal(sparse.run(ring, num_sweeps=3, seed=1).states, again.states)


def test_chains_errors():
    gibbs = get("gibbs")
    with pytest.raises(TypeError, match="belong to each run"):
        gibbs.chains(4, num_sweeps=3)
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning, match="'sweeps'"):
        assert gibbs.chains(4, sweeps=3).options == {}
    with pytest.raises(ValueError, match="num_reads"):
        gibbs.chains(0)
    chains = gibbs.chains(4, method="dense")
    with pytest.raises(ValueError, match="initial_states"):
        chains.run(_layered(0), initial_states=np.ones((3, 70)))
    with pytest.raises(ValueError, match="initial_states"):
        chains.run(_layered(0), initial_states=np.zeros((4, 70)))
    with pytest.raises(ValueError, match="beta"):
        chains.run(_layered(0), beta=-1.0)
    with pytest.raises(ValueError, match="num_sweeps"):
        chains.run(_layered(0), num_sweeps=0)
    chains.run(_layered(0), seed=0)
    chains.reset()
    assert chains.states is None


def test_backends_that_draw_fresh_samples_take_their_run_length_once():
    """Tempering cannot continue chains: continuation() asks nothing of it, and chains() takes its rounds once."""
    tempering = get("tempering")
    assert not tempering.continues_chains and tempering.continuation(3, np.ones((2, 4))) == {}
    assert get("gibbs").continuation(3) == {"num_sweeps": 3}
    chains = tempering.chains(4, num_sweeps=60)
    drawn = chains.run(_layered(0, nv=4, nh=3), num_sweeps=1, seed=0)  # a run's num_sweeps is not used here
    assert drawn.states.shape == (4, 7) and drawn.info["num_sweeps"] == 60
    with pytest.raises(TypeError, match="belong to each run"):
        get("gibbs").chains(4, num_sweeps=3)
