"""The console script."""
import json

import dimod
import numpy as np
import pytest

from conftest import random_bqm
from isingbridge.cli import main
from isingbridge.backends import get


@pytest.fixture
def model_file(tmp_path):
    bqm = random_bqm(6, 0, labels=["a", "b", "c", "d", "e", "f"])
    path = tmp_path / "model.json"
    path.write_text(json.dumps(bqm.to_serializable()))
    return bqm, path


def test_sample_writes_a_dimod_sampleset(model_file, tmp_path):
    bqm, path = model_file
    out = tmp_path / "samples.json"
    assert main(["sample", str(path), "--backend", "exact", "--beta", "0.5", "--num-reads", "7",
                 "--clamp", "a=1,c=-1", "--seed", "3", "-o", str(out)]) == 0
    ss = dimod.SampleSet.from_serializable(json.loads(out.read_text()))
    assert len(ss) == 7
    assert np.all(ss.record.sample[:, ss.variables.index("a")] == 1)
    dimod.testing.assert_sampleset_energies(ss, bqm)


def test_moments_output_matches_the_library(model_file, capsys):
    bqm, path = model_file
    main(["sample", str(path), "--backend", "exact", "--beta", "2", "--moments"])
    data = json.loads(capsys.readouterr().out)
    expected = get("exact").moments(bqm, beta=2.0)
    np.testing.assert_allclose(data["mean"], expected.mean)
    assert data["log_z"] == pytest.approx(expected.log_z)


def test_backends_lists_exact_and_anneal(capsys):
    main(["backends"])
    out = capsys.readouterr().out
    assert "exact" in out and "anneal" in out and "30 free spins" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--clamp", "zz=1"], "not a variable"),
        (["--clamp", "a"], "label=\\+1"),
        (["--beta", "-1"], "beta must be positive"),
        (["--backend", "nope"], "unknown backend"),
        (["--device", "cuda"], "--device applies to the gibbs backend only"),
    ],
)
def test_sample_errors_are_clear(model_file, args, message):
    _, path = model_file
    with pytest.raises(SystemExit, match=message):
        main(["sample", str(path), *args])


def test_missing_or_malformed_model_file(tmp_path):
    with pytest.raises(SystemExit, match="no such model file"):
        main(["sample", str(tmp_path / "none.json")])
    bad = tmp_path / "bad.json"
    bad.write_text("{\"x\": 1}")
    with pytest.raises(SystemExit, match="not a dimod-serialised BQM"):
        main(["sample", str(bad)])


def test_demo_compares_every_backend_with_exact(capsys):
    from isingbridge.demo import run_demo

    rows = run_demo(seed=0, echo=None)
    names = [r.backend for r in rows]
    assert names[0] == "exact" and "anneal" in names
    for row in rows:
        if row.backend in ("anneal", "gibbs"):
            assert row.mean_error < 0.1 and row.worst_z < 5


def test_compile_and_correctness_commands(tmp_path, capsys):
    import itertools

    W1, b1 = np.eye(2), np.zeros(2)
    W2, b2 = np.array([[1.0, 1.0]]), np.array([0.5])  # OR
    network = tmp_path / "or.npz"
    np.savez(network, W1=W1, b1=b1, W2=W2, b2=b2)
    circuit_file = tmp_path / "or.json"
    assert main(["compile", str(network), "--lam", "0.1", "-o", str(circuit_file)]) == 0
    X = np.array(list(itertools.product([-1, 1], repeat=2)), float)
    Y = np.array([[-1.0], [1.0], [1.0], [1.0]])
    table = tmp_path / "table.npz"
    np.savez(table, X=X, Y=Y)
    capsys.readouterr()
    assert main(["correctness", str(circuit_file), str(table)]) == 0
    out = capsys.readouterr().out
    from isingbridge.circuits import IsingCircuit, compile_network, correctness

    expected = correctness(compile_network([(W1, b1), (W2, b2)], lam=0.1), X, Y).worst
    assert f"c = {expected:.6f} (correct)" in out
    loaded = IsingCircuit.from_serializable(json.loads(circuit_file.read_text()))
    assert loaded.inputs == [("in", 0), ("in", 1)] and loaded.outputs == [("out", 0)]


def test_compile_errors(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, W1=np.ones((2, 2)), b1=np.zeros(2), W2=np.ones((1, 3)), b2=np.zeros(1))
    with pytest.raises(SystemExit, match="takes 3 inputs but layer 0 has 2"):
        main(["compile", str(bad)])
    missing = tmp_path / "missing.npz"
    np.savez(missing, W1=np.ones((2, 2)))
    with pytest.raises(SystemExit, match="missing"):
        main(["compile", str(missing)])
    with pytest.raises(SystemExit, match="no such network file"):
        main(["compile", str(tmp_path / "none.npz")])


def test_demo_pipeline_circuits_are_correct_and_backends_agree():
    from isingbridge.demo import run_pipeline

    results = run_pipeline(seed=0, echo=None)
    exact_float, exact_integer = results["exact"]
    assert exact_float > 0 and exact_integer > 0
    for name in ("gibbs", "statevector"):
        assert abs(results[name][0] - exact_float) < 0.05 and abs(results[name][1] - exact_integer) < 0.05


def test_sample_on_a_gibbs_device(model_file, tmp_path):
    from isingbridge.backends.gibbs_cuda import gpu_available

    _, path = model_file
    out = tmp_path / "s.json"
    main(["sample", str(path), "--backend", "gibbs", "--device", "auto", "--num-reads", "8", "--seed", "1", "-o", str(out)])
    assert len(dimod.SampleSet.from_serializable(json.loads(out.read_text()))) == 8
    if not gpu_available():
        with pytest.raises(SystemExit, match="device='cuda'"):
            main(["sample", str(path), "--backend", "gibbs", "--device", "cuda"])
