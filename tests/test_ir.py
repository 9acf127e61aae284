"""The IR helpers: validation, conversion, compiled arrays, colouring, cache."""
import math

import dimod
import numpy as np
import pytest
import scipy.sparse as sp

from conftest import random_bqm
from isingbridge.ir import CompileCache, as_spin_bqm, check_clamp, clamp_bqm, compile_bqm, graph_coloring


def test_binary_is_converted_to_spin_with_equal_energies():
    binary = dimod.BQM({"a": 1.0, "b": -2.0}, {("a", "b"): 3.0}, 0.5, "BINARY")
    spin = as_spin_bqm(binary)
    assert spin.vartype is dimod.SPIN
    for x in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        s = {v: 2 * xi - 1 for v, xi in zip("ab", x)}
        assert spin.energy(s) == pytest.approx(binary.energy(dict(zip("ab", x))))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nonfinite_linear_bias_names_the_variable(bad):
    bqm = dimod.BQM({"ok": 1.0, "broken": bad}, {}, 0.0, "SPIN")
    with pytest.raises(ValueError, match="'broken'"):
        as_spin_bqm(bqm)


def test_nonfinite_quadratic_bias_names_the_interaction():
    bqm = dimod.BQM({}, {("a", "b"): 1.0, ("b", "c"): math.nan}, 0.0, "SPIN")
    with pytest.raises(ValueError, match=r"'b'.*'c'|'c'.*'b'"):
        as_spin_bqm(bqm)


def test_nonfinite_offset_is_rejected():
    with pytest.raises(ValueError, match="offset"):
        as_spin_bqm(dimod.BQM({"a": 1.0}, {}, math.inf, "SPIN"))


def test_not_a_bqm_is_a_type_error():
    with pytest.raises(TypeError, match="BinaryQuadraticModel"):
        as_spin_bqm({"a": 1.0})


def test_clamp_validation():
    bqm = random_bqm(3, seed=0)
    assert check_clamp(bqm, {0: 1, 1: -1.0}) == {0: 1, 1: -1}
    with pytest.raises(ValueError, match="'zz'.*not a variable"):
        check_clamp(bqm, {"zz": 1})
    with pytest.raises(ValueError, match="allowed values are -1 or \\+1"):
        check_clamp(bqm, {0: 0})
    with pytest.raises(ValueError, match="allowed"):
        check_clamp(bqm, {0: "up"})
    with pytest.raises(TypeError, match="mapping"):
        check_clamp(bqm, [(0, 1)])
    binary = bqm.change_vartype("BINARY", inplace=False)
    assert check_clamp(binary, {0: 0, 1: 1}) == {0: -1, 1: 1}


def test_clamped_model_energy_equals_full_energy():
    bqm = random_bqm(6, seed=3, offset=0.7)
    reduced = clamp_bqm(bqm, {1: 1, 4: -1})
    rng = np.random.default_rng(0)
    for _ in range(10):
        s = dict(zip(reduced.variables, rng.choice([-1, 1], reduced.num_variables)))
        full = {**s, 1: 1, 4: -1}
        assert reduced.energy(s) == pytest.approx(bqm.energy(full))


def test_compile_roundtrip_and_energies_with_mixed_labels():
    labels = ["a", 2, ("x", 1), 3.5, frozenset({1})]
    bqm = random_bqm(5, seed=4, labels=labels, offset=-1.25)
    model = compile_bqm(bqm)
    assert model.variables == tuple(labels)
    back = model.to_bqm()
    dimod.testing.assert_bqm_almost_equal(back, bqm)
    states = np.random.default_rng(1).choice([-1, 1], (20, 5))
    np.testing.assert_allclose(model.energies(states), bqm.energies((states, labels)))
    assert abs(model.J - model.J.T).max() == 0 and np.all(model.J.diagonal() == 0)


def test_compile_keeps_insertion_order_of_sortable_labels():
    bqm = random_bqm(6, seed=9, labels=[5, 3, 9, 0, "z", "a"][:4] + [7, 1])
    model = compile_bqm(bqm)
    assert model.variables == tuple(bqm.variables)
    np.testing.assert_array_equal(model.h, [bqm.linear[v] for v in bqm.variables])
    states = np.random.default_rng(3).choice([-1, 1], (10, 6))
    np.testing.assert_allclose(model.energies(states), bqm.energies((states, list(bqm.variables))))


def test_compile_accepts_binary():
    bqm = random_bqm(4, seed=5).change_vartype("BINARY", inplace=False)
    model = compile_bqm(bqm)
    states = np.random.default_rng(2).choice([-1, 1], (8, 4))
    binary_states = (states + 1) // 2
    np.testing.assert_allclose(model.energies(states), bqm.energies((binary_states, list(bqm.variables))))


def _is_proper(adjacency, colors):
    coo = sp.coo_matrix(adjacency)
    return np.all(colors[coo.row] != colors[coo.col])


def test_coloring_is_proper_and_two_colours_bipartite_graphs():
    lattice = dimod.BQM.from_ising({}, {((i, j), ((i + 1) % 8, j)): 1 for i in range(8) for j in range(8)}
                                   | {((i, j), (i, (j + 1) % 8)): 1 for i in range(8) for j in range(8)})
    model = compile_bqm(lattice)
    assert model.num_colors == 2 and _is_proper(model.J, model.colors)
    dense = compile_bqm(random_bqm(12, seed=6))
    assert dense.num_colors == 12 and _is_proper(dense.J, dense.colors)
    sparse = compile_bqm(random_bqm(200, seed=7, density=0.02))
    assert _is_proper(sparse.J, sparse.colors)
    assert sparse.num_colors <= int(np.diff(sparse.J.indptr).max()) + 1
    assert graph_coloring(sp.csr_matrix((0, 0))).size == 0


def test_cache_returns_same_object_and_reuses_colouring_on_new_biases():
    cache = CompileCache(maxsize=4)
    bqm = random_bqm(10, seed=8, density=0.4)
    first = cache.compile(bqm)
    assert cache.compile(bqm.copy()) is first
    changed = bqm.copy()
    changed.set_linear(0, 5.0)
    second = cache.compile(changed)
    assert second is not first and second.h[0] == 5.0
    assert second.colors is first.colors
    changed.add_interaction(0, 9, 0.1) if (0, 9) not in changed.quadratic else changed.set_quadratic(0, 9, 2.0)
    third = cache.compile(changed)
    assert third.h[0] == 5.0
    assert _is_proper(third.J, third.colors)


def test_cache_size_must_be_positive():
    with pytest.raises(ValueError, match="maxsize"):
        CompileCache(0)


def test_empty_model_compiles():
    model = compile_bqm(dimod.BQM("SPIN"))
    assert model.num_variables == 0 and model.num_colors == 0
