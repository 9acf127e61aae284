"""The array form of the IR: CompiledBQM.from_arrays / .bipartite go to every backend as a BQM does."""
import dimod
import numpy as np
import pytest
import scipy.sparse as sp

from conftest import brute_force
from isingbridge.backends import get
from isingbridge.backends.gibbs_cpu import layer_arrays
from isingbridge.ir import CompiledBQM, EnergyOverflowError, compile_bqm


def _arrays(n=9, seed=0, density=0.5):
    rng = np.random.default_rng(seed)
    h = rng.normal(0, 0.5, n)
    upper = np.triu(rng.normal(0, 1 / np.sqrt(n), (n, n)) * (rng.random((n, n)) < density), 1)
    return h, upper


def _bqm(h, upper, offset=0.0, labels=None):
    labels = list(range(len(h))) if labels is None else labels
    bqm = dimod.BQM("SPIN")  # variables in array order (dimod's constructor may reorder them)
    bqm.add_linear_from(zip(labels, h))
    bqm.add_quadratic_from((labels[i], labels[j], upper[i, j]) for i, j in zip(*np.nonzero(upper)))
    bqm.offset = offset
    return bqm


def _assert_same_model(a, b):
    assert a.variables == b.variables and a.offset == b.offset
    np.testing.assert_array_equal(a.h, b.h)
    assert (a.J != b.J).nnz == 0 and a.J.has_sorted_indices and b.J.has_sorted_indices
    np.testing.assert_array_equal(a.colors, b.colors)


@pytest.mark.parametrize("form", ["upper", "symmetric", "csr", "coo-upper"])
def test_from_arrays_equals_compiled_bqm(form):
    h, upper = _arrays()
    J = {"upper": upper, "symmetric": upper + upper.T, "csr": sp.csr_matrix(upper + upper.T),
         "coo-upper": sp.coo_matrix(upper)}[form]
    labels = list("abcdefghi")
    model = CompiledBQM.from_arrays(h, J, 0.25, variables=labels)
    _assert_same_model(model, compile_bqm(_bqm(h, upper, 0.25, labels)))
    assert model.to_bqm() == _bqm(h, upper, 0.25, labels)


def test_array_model_gives_identical_gibbs_samples_and_exact_moments():
    h, upper = _arrays(10, seed=1)
    bqm, model = _bqm(h, upper, 0.5), CompiledBQM.from_arrays(h, upper, 0.5)
    gibbs, exact = get("gibbs"), get("exact")
    for method in ("sparse", "dense"):
        a = gibbs.sample(bqm, num_reads=16, num_sweeps=30, method=method, seed=7)
        b = gibbs.sample(model, num_reads=16, num_sweeps=30, method=method, seed=7)
        np.testing.assert_array_equal(a.record.sample, b.record.sample)
        np.testing.assert_allclose(a.record.energy, b.record.energy, rtol=1e-12)
    m_bqm, m_arr = gibbs.moments(bqm, num_reads=16, num_sweeps=1000, seed=3), \
        gibbs.moments(model, num_reads=16, num_sweeps=1000, seed=3)
    np.testing.assert_array_equal(m_bqm.mean, m_arr.mean)
    for kwargs in ({}, {"clamp": {2: 1, 7: -1}},
                   {"clamp": ([2, 7], np.array([[1, -1], [-1, -1]])), "fields": ([0, 3], np.array([[0.5, 0], [0, -1.]]))}):
        a, b = exact.moments(bqm, beta=0.8, **kwargs), exact.moments(model, beta=0.8, **kwargs)
        np.testing.assert_allclose(b.mean, a.mean, atol=1e-12)
        np.testing.assert_allclose(b.corr, a.corr, atol=1e-12)
        np.testing.assert_allclose(b.log_z, a.log_z, atol=1e-12)
        np.testing.assert_allclose(b.energy, a.energy, atol=1e-12)


def test_array_model_clamps_and_energies_against_brute_force():
    h, upper = _arrays(7, seed=2, density=1.0)
    bqm, model = _bqm(h, upper, -0.3), CompiledBQM.from_arrays(h, upper + upper.T, -0.3)
    states = np.array(np.meshgrid(*[[-1, 1]] * 7)).reshape(7, -1).T
    np.testing.assert_allclose(model.energies(states), bqm.energies((states, list(range(7)))), atol=1e-12)
    free = model.condition({1: 1, 4: -1})
    reduced = bqm.copy()
    reduced.fix_variables({1: 1, 4: -1})
    s, p, log_z, _ = brute_force(reduced, 1.0)
    m = get("exact").moments(free, beta=1.0)
    columns = [free.index[v] for v in reduced.variables]
    np.testing.assert_allclose(m.mean[columns], p @ s, atol=1e-12)
    assert abs(m.log_z - log_z) < 1e-12


def _rbm(nv=6, nh=4, seed=0, scale=0.6):
    rng = np.random.default_rng(seed)
    return rng.normal(0, scale, (nv, nh)), rng.normal(0, 0.3, nv), rng.normal(0, 0.3, nh)


def _rbm_bqm(W, b, c, offset=0.0):
    nv, nh = W.shape
    upper = np.zeros((nv + nh, nv + nh))
    upper[:nv, nv:] = W
    return _bqm(np.concatenate([b, c]), upper, offset)


def test_bipartite_model_is_the_rbm_bqm_and_maps_to_layers_without_n_by_n():
    W, b, c = _rbm()
    model = CompiledBQM.bipartite(W, b, c, 0.1)
    reference = compile_bqm(_rbm_bqm(W, b, c, 0.1))
    assert model.num_colors == 2 and model.num_interactions == W.size
    assert model._J is None  # nothing built yet
    groups, blocks, fields = layer_arrays(model)
    assert model._J is None and model._dense is None  # the layer engine got W itself
    np.testing.assert_array_equal(blocks[0][0][1], W.astype(np.float32))
    np.testing.assert_array_equal(groups[1], np.arange(6, 10))
    _assert_same_model(model, reference)  # .J built on demand equals dimod's
    states = np.random.default_rng(1).choice([-1, 1], (20, 10))
    np.testing.assert_allclose(model.energies(states), reference.energies(states), atol=1e-12)


def test_bipartite_model_gives_identical_results_to_its_bqm():
    W, b, c = _rbm(40, 36, scale=0.1)  # mean degree >= 32: the dense layer engine
    model, bqm = CompiledBQM.bipartite(W, b, c), _rbm_bqm(W, b, c)
    gibbs = get("gibbs")
    x = gibbs.sample(bqm, num_reads=12, num_sweeps=20, seed=4)
    y = gibbs.sample(model, num_reads=12, num_sweeps=20, seed=4)
    assert y.info["method"] == "dense"
    np.testing.assert_array_equal(x.record.sample, y.record.sample)
    W, b, c = _rbm(5, 4, seed=3)
    model, bqm = CompiledBQM.bipartite(W, b, c), _rbm_bqm(W, b, c)
    clamp, fields = ([0, 1, 6], np.array([[1, -1, 1], [-1, 1, 1]])), ([2, 7], np.array([[0.4, 0.0], [-0.5, 1.0]]))
    a = get("exact").moments(bqm, beta=1.1, clamp=clamp, fields=fields)
    e = get("exact").moments(model, beta=1.1, clamp=clamp, fields=fields)
    np.testing.assert_allclose(e.mean, a.mean, atol=1e-12)
    np.testing.assert_allclose(e.log_z, a.log_z, atol=1e-12)


def test_bipartite_clamped_visible_layer_matches_exact_on_gibbs():
    W, b, c = _rbm(6, 5, seed=5)
    model = CompiledBQM.bipartite(W, b, c)
    rows = np.random.default_rng(0).choice([-1, 1], (4, 6))
    clamp = (list(range(6)), rows)
    exact = get("exact").moments(model, clamp=clamp)
    m = get("gibbs").moments(model, clamp=clamp, num_reads=32, num_sweeps=300, seed=2)
    z = np.abs(m.mean[:, 6:] - exact.mean[:, 6:]) / np.maximum(m.stderr[:, 6:], 1e-3)
    assert z.max() < 5, z


@pytest.mark.parametrize("name", ["anneal", "exact"])
def test_other_backends_take_an_array_model(name):
    h, upper = _arrays(6, seed=4)
    model = CompiledBQM.from_arrays(h, upper)
    ss = get(name).sample(model, num_reads=3, seed=0)
    assert ss.vartype is dimod.SPIN and len(ss) == 3
    np.testing.assert_allclose(ss.record.energy, _bqm(h, upper).energies(ss), atol=1e-12)


@pytest.mark.parametrize("args, error, match", [
    (([0.0, 0.0], [[0.0, 1.0], [2.0, 0.0]]), ValueError, "neither symmetric nor upper-triangular"),
    (([0.0, 0.0], [[1.0, 0.0], [0.0, 0.0]]), ValueError, "diagonal"),
    (([0.0, np.nan], [[0.0, 0.0], [0.0, 0.0]]), ValueError, "NaN"),
    (([0.0, 0.0], [[0.0, np.inf], [0.0, 0.0]]), ValueError, "NaN or infinity"),
    (([0.0, 0.0], sp.csr_matrix(np.array([[0.0, np.nan], [0.0, 0.0]]))), ValueError, "NaN or infinity"),
    (([0.0, 0.0, 0.0], [[0.0, 1.0], [0.0, 0.0]]), ValueError, r"shape \(3, 3\)"),
    (([[0.0, 0.0]], [[0.0, 1.0], [0.0, 0.0]]), ValueError, "1-D"),
    (([0.0, 0.0], [["a", "b"], ["c", "d"]]), TypeError, "numeric"),
    (([1e300, 1e300], [[0.0, 0.0], [0.0, 0.0]]), EnergyOverflowError, "rescale"),
])
def test_from_arrays_refuses_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        CompiledBQM.from_arrays(*args)


def test_bad_labels_and_bipartite_shapes_are_refused():
    with pytest.raises(ValueError, match="repeats a label"):
        CompiledBQM.from_arrays([0.0, 0.0], np.zeros((2, 2)), variables=["a", "a"])
    with pytest.raises(ValueError, match="2 labels for 3"):
        CompiledBQM.from_arrays(np.zeros(3), np.zeros((3, 3)), variables=["a", "b"])
    with pytest.raises(ValueError, match="visible_bias needs 2"):
        CompiledBQM.bipartite(np.zeros((2, 3)), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="repeats a label"):
        CompiledBQM.bipartite(np.zeros((1, 1)), [0.0], [0.0], visible=["x"], hidden=["x"])
    with pytest.raises(TypeError, match="offset"):
        CompiledBQM.bipartite(np.zeros((1, 1)), [0.0], [0.0], offset="1")
    with pytest.raises(ValueError, match="not a variable"):
        get("exact").moments(CompiledBQM.from_arrays([0.0], np.zeros((1, 1))), clamp={5: 1})


def test_nearly_symmetric_input_is_averaged():
    J = np.array([[0.0, 1.0], [1.0 + 1e-15, 0.0]])
    model = CompiledBQM.from_arrays([0.0, 0.0], J)
    assert model.num_interactions == 1 and abs(model.J[0, 1] - 1.0) < 1e-14


def test_local_fields_match_a_dense_reference_and_refuse_the_wrong_width():
    import numpy as np
    import pytest

    from isingbridge import CompiledBQM

    rng = np.random.default_rng(3)
    W, b, c = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3)
    J = np.zeros((7, 7))
    J[:4, 4:], J[4:, :4] = W, W.T
    states = rng.choice([-1, 1], (5, 7))
    expected = np.concatenate([b, c]) + states @ J
    for model in (CompiledBQM.bipartite(W, b, c), CompiledBQM.from_arrays(np.concatenate([b, c]), J)):
        np.testing.assert_allclose(model.local_fields(states), expected, atol=1e-12)
        np.testing.assert_allclose(model.local_fields(states, [6, 0, 5]), expected[:, [6, 0, 5]], atol=1e-12)
        with pytest.raises(ValueError, match="states have 6 columns; the model has 7 variables"):
            model.local_fields(states[:, :6])
    with pytest.raises(TypeError, match="copy must be True or False"):
        CompiledBQM.bipartite(W, b, c, copy="no")


def test_check_size_is_part_of_the_contract():
    import pytest

    from isingbridge.backends import get
    from isingbridge.backends.exact import ModelTooLargeError

    get("gibbs").check_size(10**6)
    get("exact").check_size(20)
    with pytest.raises(ModelTooLargeError, match="at most 30 free spins and this model has 31"):
        get("exact").check_size(31)
    for backend in ("gibbs", "exact"):
        with pytest.raises((TypeError, ValueError), match="num_variables"):
            get(backend).check_size(-1)
        with pytest.raises((TypeError, ValueError), match="num_variables"):
            get(backend).check_size(2.5)
