"""The console script."""
import json
import re

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


def test_num_reads_is_refused_where_it_would_be_ignored(model_file, capsys):
    """Exact moments use no reads: a --num-reads there is a mistake to report, not to drop."""
    _, path = model_file
    with pytest.raises(SystemExit) as stop:
        main(["sample", str(path), "--backend", "exact", "--moments", "--num-reads", "1000000000000"])
    assert "--num-reads does not apply to the moments of the exact backend" in str(stop.value.code)


def test_backends_lists_exact_and_anneal(capsys):
    main(["backends"])
    out = capsys.readouterr().out
    assert "exact" in out and "anneal" in out and "30 free spins" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--clamp", "zz=1"], "not a variable"),
        (["--clamp", "a"], "label=\\+1"),
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


def fails(args, capsys=None):
    """main(args)'s SystemExit: (exit status, message); the message is what the user sees on stderr."""
    with pytest.raises(SystemExit) as raised:
        main(args)
    code = raised.value.code
    if isinstance(code, str):  # SystemExit("error: ...") prints the text to stderr and exits with status 1
        return 1, code
    return code, capsys.readouterr().err if capsys is not None else ""


@pytest.fixture
def or_files(tmp_path):
    from isingbridge.circuits import compile_network

    net = [(np.eye(2), np.zeros(2)), (np.array([[1.0, 1.0]]), np.array([0.5]))]
    circuit = tmp_path / "or.json"
    circuit.write_text(json.dumps(compile_network(net).to_serializable()))
    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], float)
    Y = np.array([[-1.0], [1.0], [1.0], [1.0]])
    table = tmp_path / "table.npz"
    np.savez(table, X=X, Y=Y)
    return circuit, table, X, Y


def test_sample_refuses_unreadable_model_files_without_a_traceback(tmp_path):
    binary = tmp_path / "model.bin"
    binary.write_bytes(bytes(range(256)))
    assert fails(["sample", str(binary)]) == (1, f"error: {binary} is not a text file (JSON is UTF-8 text); give the model file")
    assert fails(["sample", str(tmp_path)]) == (1, f"error: {tmp_path} is a folder; give the model file itself")


def test_sample_output_folder_is_checked_before_sampling(model_file, tmp_path):
    _, path = model_file
    missing = tmp_path / "missing" / "out.json"
    assert fails(["sample", str(path), "-o", str(missing)]) == (
        1, f"error: cannot write {str(missing)!r}: its folder {str(missing.parent)!r} does not exist")
    assert fails(["sample", str(path), "-o", str(tmp_path)]) == (
        1, f"error: --output {str(tmp_path)!r} is a folder; give a file name")


def test_sample_writes_its_output_atomically(model_file, tmp_path, monkeypatch):
    import isingbridge.cli as cli

    _, path = model_file
    written = []
    monkeypatch.setattr(cli, "atomic_write_text", lambda target, text: written.append((target, text)))
    out = tmp_path / "s.json"
    assert main(["sample", str(path), "--num-reads", "3", "-o", str(out)]) == 0
    assert written and written[0][0] == str(out) and not out.exists()


def test_sample_refuses_a_billion_reads_before_allocating_them(model_file):
    _, path = model_file
    code, message = fails(["sample", str(path), "--num-reads", "1000000000"])
    assert code == 1 and message.startswith("error: writing 1000000000 reads of 6 spins as JSON would need")
    assert "lower --num-reads" in message


@pytest.mark.parametrize("args, message", [
    (["--num-reads", "1e9"], "argument --num-reads: '1e9' is not an integer"),
    (["--num-reads", "0"], "argument --num-reads: value must be >= 1, got 0"),
    (["--beta", "nan"], "argument --beta: value must be positive and finite, got nan"),
    (["--beta", "-1"], "argument --beta: value must be positive and finite, got -1.0"),
    (["--beta", "inf"], "argument --beta: value must be positive and finite, got inf"),
    (["--seed", "-1"], "argument --seed: value must be an integer >= 0, got -1"),
])
def test_sample_option_values_are_usage_errors(model_file, capsys, args, message):
    _, path = model_file
    code, err = fails(["sample", str(path), *args], capsys)
    assert code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("clamp, message", [
    ("a=5", "clamp value for 'a' is 5; allowed values are -1 or +1"),
    ("a=x", "--clamp value for 'a' must be an integer spin, got 'x'"),
    (",,", "--clamp entries look like label=+1 or label=-1, got ''"),
    ("a=1,a=-1", "--clamp gives 'a' twice"),
])
def test_sample_clamp_garbage(model_file, clamp, message):
    _, path = model_file
    assert fails(["sample", str(path), "--clamp", clamp]) == (1, f"error: {message}")


@pytest.mark.parametrize("spins", ["0", "40"])
def test_demo_spins_out_of_range_names_the_range(capsys, spins):
    code, err = fails(["demo", "--spins", spins], capsys)
    assert code == 2 and f"argument --spins: value must be an integer in [2, 14], got {spins}" in err


def test_demo_functions_validate_their_arguments():
    from isingbridge.demo import demo_model, run_demo, run_pipeline

    with pytest.raises(ValueError, match="num_spins must be an integer in \\[2, 14\\], got 40"):
        run_demo(0, num_spins=40, echo=None)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        run_pipeline(-1, echo=None)
    with pytest.raises(TypeError, match="num_spins must be an integer, got float 2.5"):
        demo_model(2.5)
    with pytest.raises(ValueError, match="beta must be positive and finite, got nan"):
        run_demo(0, beta=float("nan"), echo=None)
    with pytest.raises(TypeError, match="echo must be a function"):
        run_demo(0, echo="print")


def write_table(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d, X, Y: d / "none.npz", "no such file: "),
    (lambda d, X, Y: d, "is a folder; give an .npz holding arrays X (inputs) and Y (outputs)"),
    (lambda d, X, Y: (d / "t.npz").write_bytes(b"not numpy at all") and d / "t.npz", "t.npz is not an .npz archive"),
    (lambda d, X, Y: write_table(d / "t.npz", X=X, Y=Y) and (d / "c.npz").write_bytes((d / "t.npz").read_bytes()[:150])
     and d / "c.npz", "c.npz is not a readable .npz of plain arrays"),
    (lambda d, X, Y: np.save(d / "t.npy", X) or d / "t.npy", "t.npy is not an .npz archive"),
    (lambda d, X, Y: write_table(d / "t.npz", X=X), "t.npz lacks the array(s) Y"),
    (lambda d, X, Y: write_table(d / "t.npz", X=np.zeros_like(X), Y=Y), "does not fit the circuit: X must hold -1/+1 spins"),
    (lambda d, X, Y: write_table(d / "t.npz", X=X, Y=Y[:3]), "does not fit the circuit: X has 4 rows but Y has 3"),
    (lambda d, X, Y: write_table(d / "t.npz", X=X[:0], Y=Y[:0]), "does not fit the circuit: X has no rows"),
    (lambda d, X, Y: write_table(d / "t.npz", X=np.array([None, 1], dtype=object), Y=Y), "Object arrays cannot be loaded"),
])
def test_correctness_refuses_bad_truth_tables_without_a_traceback(or_files, tmp_path, make, message):
    circuit, _, X, Y = or_files
    folder = tmp_path / "tables"
    folder.mkdir()
    code, text = fails(["correctness", str(circuit), str(make(folder, X, Y))])
    assert code == 1 and text.startswith("error: ")
    assert message in text, text


def test_correctness_reads_circuits_with_integer_labels(tmp_path, or_files, capsys):
    from isingbridge.circuits import IsingCircuit

    _, table, _, _ = or_files
    bqm = dimod.BQM({0: 0.0, 1: 0.0, 2: -0.5}, {(0, 2): -1.0, (1, 2): -1.0}, 0.0, dimod.SPIN)
    path = tmp_path / "int.json"
    path.write_text(json.dumps(IsingCircuit(bqm, [0, 1], [], [2], 1.0).to_serializable()))
    assert main(["correctness", str(path), str(table)]) == 0
    assert "worst-case correctness c = " in capsys.readouterr().out
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "inputs": ["0", "1"]}))  # labels turned to text by hand
    assert fails(["correctness", str(path), str(table)]) == (
        1, f"error: cannot read circuit {path}: inputs names '0', which is not a variable of the circuit's BQM")


def test_correctness_library_errors_become_error_lines(or_files):
    circuit, table, _, _ = or_files
    assert fails(["correctness", str(circuit), str(table), "--backend", "nope"])[1].startswith("error: unknown backend 'nope'")
    assert fails(["correctness", str(table), str(table)])[1].startswith(f"error: cannot read circuit {table}: ")


# -- the command itself: version, bare call, help ----------------------------------------------
def test_version_prints_the_package_version(capsys):
    import isingbridge

    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.strip() == f"isingbridge {isingbridge.__version__}"


def test_a_bare_call_prints_the_help_and_succeeds(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: isingbridge") and all(name in out for name in ("sample", "compile", "correctness"))


def test_every_option_of_every_command_has_help():
    import argparse

    from isingbridge.cli import build_parser

    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, command in [("isingbridge", parser), *commands.choices.items()]:
        for action in command._actions:
            if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                assert action.help, f"{name} {action.option_strings or action.dest} has no help text"


# -- correctness on sampling backends: error bars and a verdict that knows noise ---------------
def correctness_files(tmp_path, lam, flip=False):
    from isingbridge.circuits import compile_network

    net = [(np.eye(2), np.zeros(2)), (np.array([[1.0, 1.0]]), np.array([0.5]))]  # OR
    circuit = tmp_path / f"or{lam}.json"
    circuit.write_text(json.dumps(compile_network(net, lam=lam).to_serializable()))
    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], float)
    Y = np.array([[-1.0], [1.0], [1.0], [1.0]]) * (-1 if flip else 1)
    table = tmp_path / f"table{int(flip)}.npz"
    np.savez(table, X=X, Y=Y)
    return str(circuit), str(table)


@pytest.mark.parametrize("seed", range(4))
def test_a_thin_margin_within_noise_is_consistent_with_correct(tmp_path, capsys, seed):
    """OR at lambda=0.1 is correct (exact c = 0.050); 128 annealing reads cannot resolve that margin."""
    circuit, table = correctness_files(tmp_path, 0.1)
    assert main(["correctness", circuit, table, "--backend", "anneal", "--seed", str(seed)]) == 0
    head, verdict = capsys.readouterr().out.splitlines()[:2]
    assert re.search(r"c = [-+]?\d\.\d{4} ± 0\.08\d\d \(standard error, 128 reads per input\) on anneal", head)
    assert verdict.startswith("consistent with correct") and "NOT" not in verdict


def test_clear_margins_give_sure_verdicts_either_way(tmp_path, capsys):
    circuit, table = correctness_files(tmp_path, 1.0)  # exact c = 0.46
    assert main(["correctness", circuit, table, "--backend", "anneal"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("correct: every bit's 95% lower bound is above 0")
    _, wrong = correctness_files(tmp_path, 1.0, flip=True)
    assert main(["correctness", circuit, wrong, "--backend", "gibbs", "--confidence", "0.99"]) == 0
    assert "NOT correct: output bit 0 on input 3 is wrong beyond noise (99% upper bound" in capsys.readouterr().out


def test_correctness_bounds_are_clopper_pearson_with_bonferroni():
    from scipy.stats import binomtest

    from isingbridge.cli import correctness_bounds

    reads, confidence = 50, 0.9
    right = np.array([0, 7, 25, 49, 50])
    lower, upper = correctness_bounds(2.0 * right / reads - 1.0, reads, confidence)
    alpha = (1 - confidence) / right.size
    for k, low, high in zip(right, lower, upper):
        interval = binomtest(int(k), reads).proportion_ci(confidence_level=1 - 2 * alpha, method="exact")
        assert low == pytest.approx(2 * interval.low - 1, abs=1e-9)
        assert high == pytest.approx(2 * interval.high - 1, abs=1e-9)


def test_confidence_outside_zero_one_is_a_usage_error(or_files, capsys):
    circuit, table, _, _ = or_files
    code, err = fails(["correctness", str(circuit), str(table), "--confidence", "1"], capsys)
    assert code == 2 and "--confidence: value must be in (0, 1)" in err
