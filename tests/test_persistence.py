"""Checkpoints and network files without pickle: round trips, hostile and damaged files, kills mid-write."""
from __future__ import annotations

import json
import os
import pickle
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dimod
import numpy as np
import pytest

import isingbridge.trainers  # noqa: F401 - registers every Checkpointing subclass
from isingbridge.cli import main
from isingbridge.persistence import FORMAT_VERSION, load_network, load_state, save_state
from isingbridge.trainers import CD, PCD, RAPID, BoltzmannClassifier, BoltzmannRBM, ExactGradient, LangevinSGD, \
    TwoLobe
from isingbridge.trainers.fit.loop import Checkpointing
from isingbridge.trainers import EqPropClassifier, IsingEqPropClassifier, LowTemperatureRule, \
    QuantumEqPropClassifier

X4 = (np.random.default_rng(0).random((20, 4)) < 0.5).astype(int)
Y4 = np.array([0, 1] * 10)


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub] + _all_subclasses(sub)
    return found


CHECKPOINTING = sorted(set(_all_subclasses(Checkpointing)), key=lambda c: c.__qualname__)


class _Payload:
    """Unpickling this creates ``marker``: proof that a loader ran code from the file."""

    def __init__(self, marker: Path, how: str):
        self.marker, self.how = marker, how

    def __reduce__(self):
        if self.how == "system":
            return os.system, (f"touch {self.marker}",)
        return open, (str(self.marker), "w")


def _hostile(tmp_path: Path, name: str, how: str = "open") -> tuple[Path, Path]:
    marker = tmp_path / f"ran-{name}"
    path = tmp_path / name
    path.write_bytes(pickle.dumps(_Payload(marker, how)))
    return path, marker


def test_the_crafted_pickle_does_run_code_when_unpickled(tmp_path):
    for how in ("open", "system"):
        path, marker = _hostile(tmp_path, f"probe-{how}.pkl", how)
        pickle.loads(path.read_bytes())
        assert marker.exists()  # so the tests below, where the marker never appears, mean something


@pytest.mark.parametrize("how", ["open", "system"])
@pytest.mark.parametrize("suffix", [".pkl", ".ckpt", ".json", ".npz", ""])
def test_a_crafted_pickle_runs_no_code_in_any_checkpoint_loader(tmp_path, suffix, how):
    path, marker = _hostile(tmp_path, f"state{suffix}", how)
    for cls in CHECKPOINTING:
        with pytest.raises(ValueError, match=f"not an? {cls.__name__} checkpoint: it is a Python pickle, and "
                                             "isingbridge never loads pickles because unpickling can run"):
            cls.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("suffix", [".pkl", ".ckpt", ".json", ".npz", ".skops"])
def test_a_crafted_pickle_runs_no_code_in_the_compile_command(tmp_path, suffix):
    path, marker = _hostile(tmp_path, f"net{suffix}", "system")
    with pytest.raises(SystemExit, match="error: .* is a Python pickle; isingbridge never loads pickles.*"
                                         r"Save the network as \.npz .*\.json .*\.skops"):
        main(["compile", str(path), "-o", str(tmp_path / "c.json")])
    assert not marker.exists()


def test_a_pickle_hidden_in_an_npz_entry_runs_no_code(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "state.npz"
    np.savez(path, __header__=np.frombuffer(b"{}", np.uint8),
             a0=np.array([_Payload(marker, "open")], dtype=object))
    with pytest.raises(ValueError, match="not a BoltzmannRBM checkpoint"):
        BoltzmannRBM.load(path)
    net = tmp_path / "net.npz"
    np.savez(net, W1=np.array([_Payload(marker, "open")], dtype=object), b1=np.zeros(1))
    with pytest.raises(SystemExit, match="error: .*not a readable .npz of plain arrays"):
        main(["compile", str(net)])
    assert not marker.exists()


# -- round trips: fit 2 epochs with a checkpoint, load, warm-start to 4 == 4 epochs in one go ----------------------

def _rbm(estimator, **options):
    return lambda n_epochs: (BoltzmannRBM(3, estimator=estimator(), n_epochs=n_epochs, random_state=0, batch_size=5,
                                          **options), (X4,))


def _classifier(estimator=None, y=Y4, **options):
    return lambda n_epochs: (BoltzmannClassifier(3, estimator=None if estimator is None else estimator(),
                                                 n_epochs=n_epochs, random_state=0, batch_size=5, **options), (X4, y))


TRAINERS = {
    "rbm-exact-momentum": _rbm(ExactGradient, momentum=0.5),
    "rbm-exact-float32": _rbm(ExactGradient, dtype="float32", optimizer="adam"),
    "rbm-cd-gibbs-adam": _rbm(lambda: CD(1, "gibbs"), optimizer="adam"),
    "rbm-cd-anneal": _rbm(lambda: CD(1, "anneal")),
    "rbm-pcd-exact": _rbm(lambda: PCD(2, 8, "exact")),
    "rbm-twolobe-langevin": lambda n: (BoltzmannRBM(3, estimator=TwoLobe(1, 8), n_epochs=n, random_state=0, batch_size=5,
                                                    optimizer=LangevinSGD(0.01, 0.1, seed=3)), (X4,)),
    "rbm-rapid": lambda n: (BoltzmannRBM(12, estimator=RAPID(2, gibbs_steps=1), n_epochs=n, random_state=0), (X4,)),
    "rbm-rapid-clip": lambda n: (BoltzmannRBM(12, estimator=RAPID(2, discretize="clip", clip=0.5, learn_biases=True,
                                                                  centered=True), n_epochs=n, random_state=0), (X4,)),
    "rbm-random-state-generator": lambda n: (BoltzmannRBM(3, estimator=PCD(1, 8), n_epochs=n,
                                                  random_state=np.random.default_rng(4)), (X4,)),
    "classifier-discriminative": _classifier(),
    "classifier-twolobe": _classifier(lambda: TwoLobe(1, 8)),
    "classifier-pcd-string-labels": _classifier(lambda: PCD(1, 8), y=np.array(["a", "b"] * 10), optimizer="adam"),
    "eqprop": lambda n: (EqPropClassifier((4,), n_epochs=n, random_state=0, batch_size=5), (X4, Y4)),
    "eqprop-tanh-sgd": lambda n: (EqPropClassifier((4,), activation="tanh", optimizer="sgd", momentum=0.5,
                                                   n_epochs=n, random_state=0, batch_size=5), (X4[:8], Y4[:8])),
    "eqprop-low-temperature": lambda n: (EqPropClassifier((4,), estimator=LowTemperatureRule(), n_epochs=n, random_state=0,
                                                          batch_size=5), (X4, Y4)),
    "ising-eqprop": lambda n: (IsingEqPropClassifier((4,), replicas=1, num_reads=2, num_sweeps=3, nudge_sweeps=2,
                                                     n_epochs=n, random_state=0, batch_size=10), (X4, Y4)),
    "quantum-eqprop": lambda n: (QuantumEqPropClassifier(2, n_epochs=n, random_state=0), (X4[:4] * 2 - 1, Y4[:4])),
}


def _saved(path: Path) -> tuple[dict, dict]:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return json.loads(arrays.pop("__header__").tobytes()), arrays


def assert_same_state(path_a: Path, path_b: Path) -> None:
    """Two saved states are the same bit for bit: equal trees (parameters, RNG states, history) and arrays."""
    (header_a, arrays_a), (header_b, arrays_b) = _saved(path_a), _saved(path_b)
    assert header_a == header_b
    assert arrays_a.keys() == arrays_b.keys()
    for name in arrays_a:
        assert arrays_a[name].dtype == arrays_b[name].dtype
        np.testing.assert_array_equal(arrays_a[name], arrays_b[name], err_msg=name)


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_every_trainer_round_trips_and_warm_starts_bit_for_bit(tmp_path, name):
    straight, data = TRAINERS[name](4)
    straight.fit(*data)
    first, _ = TRAINERS[name](2)
    first.fit(*data, checkpoint=tmp_path / "ckpt")
    resumed = type(first).load(tmp_path / "ckpt")
    assert type(resumed) is type(first) and resumed.epochs_done_ == 2 and resumed.warm_start is False
    assert resumed.set_params(n_epochs=4, warm_start=True) is resumed
    resumed.fit(*data)
    assert resumed.epochs_done_ == 4
    straight.set_params(warm_start=True)  # the one hyper-parameter that differs by design
    straight.save(tmp_path / "straight")
    resumed.save(tmp_path / "resumed")
    assert_same_state(tmp_path / "straight", tmp_path / "resumed")
    np.testing.assert_array_equal(resumed.predict(data[0]) if len(data) == 2 else resumed.transform(data[0]),
                                  straight.predict(data[0]) if len(data) == 2 else straight.transform(data[0]))


@pytest.mark.parametrize("name", ["rbm-exact-momentum", "classifier-discriminative", "eqprop", "ising-eqprop",
                                  "quantum-eqprop"])
def test_without_warm_start_fit_starts_afresh(tmp_path, name):
    """warm_start=False (the default): fitting a fitted or loaded estimator again retrains it from scratch."""
    fresh, data = TRAINERS[name](2)
    fresh.fit(*data, checkpoint=tmp_path / "ckpt")
    fresh.save(tmp_path / "fresh")
    refit, _ = TRAINERS[name](2)
    refit.fit(*data).fit(*data)
    loaded = type(fresh).load(tmp_path / "ckpt").fit(*data)
    for again in (refit, loaded):
        assert again.epochs_done_ == 2 and len(again.history_) == len(fresh.history_)
        again.save(tmp_path / "again")
        assert_same_state(tmp_path / "fresh", tmp_path / "again")
    warm = type(fresh).load(tmp_path / "ckpt").set_params(warm_start=True).fit(*data)  # n_epochs reached: no epoch
    assert warm.epochs_done_ == 2 and warm.history_ == fresh.history_


def test_shared_objects_stay_shared(tmp_path):
    rbm = BoltzmannRBM(3, estimator=PCD(1, 8), n_epochs=1, random_state=np.random.default_rng(1)).fit(X4)
    rbm.save(tmp_path / "s")
    loaded = BoltzmannRBM.load(tmp_path / "s")
    assert loaded.estimator is loaded.estimator_ and loaded.random_state is loaded.rng_
    assert loaded.estimator_.chains is loaded.estimator_.last_states


class _SeededSampler(dimod.Sampler):
    """A third-party sampler: random spins, reproducible from ``seed``."""

    parameters = {"num_reads": [], "seed": []}
    properties: dict = {}

    def sample(self, bqm, num_reads=1, seed=None):
        spins = np.random.default_rng(seed).choice([-1, 1], size=(num_reads, bqm.num_variables))
        return dimod.SampleSet.from_samples_bqm((spins, list(bqm.variables)), bqm)


def test_a_third_party_sampler_is_given_back_at_load(tmp_path):
    make = lambda n: BoltzmannRBM(3, estimator=CD(1, _SeededSampler()), n_epochs=n, random_state=0)  # noqa: E731
    straight = make(4).fit(X4)
    make(2).fit(X4, checkpoint=tmp_path / "ckpt")
    with pytest.raises(ValueError, match="wrapping a third-party sampler .*_SeededSampler.*"
                                         r"BoltzmannRBM.load\(path, backend=<sampler>\)"):
        BoltzmannRBM.load(tmp_path / "ckpt")
    resumed = BoltzmannRBM.load(tmp_path / "ckpt", backend=_SeededSampler()).set_params(n_epochs=4, warm_start=True)
    resumed.fit(X4)
    np.testing.assert_array_equal(resumed.model_.W, straight.model_.W)
    with pytest.raises(ValueError, match="built-in backends only"):
        BoltzmannRBM.load(_checkpoint(tmp_path), backend=_SeededSampler())
    with pytest.raises(TypeError, match="backend must be an isingbridge Backend or a dimod.Sampler"):
        BoltzmannRBM.load(tmp_path / "ckpt", backend="gibbs")


def test_what_cannot_be_stored_is_named_at_save(tmp_path):
    rbm = BoltzmannRBM(3, estimator=ExactGradient(), n_epochs=1, random_state=0).fit(X4)
    rbm.model_.note = object()
    with pytest.raises(TypeError, match="cannot save BoltzmannRBM.model_.note: a builtins.object cannot be stored"):
        rbm.save(tmp_path / "x")
    rbm.model_.note = np.array([None, 1])
    with pytest.raises(TypeError, match=r"cannot save BoltzmannRBM.model_.note: .*dtype object"):
        rbm.save(tmp_path / "x")
    rbm.model_.note = lambda: 0
    with pytest.raises(TypeError, match="cannot save BoltzmannRBM.model_.note: the function"):
        rbm.save(tmp_path / "x")
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValueError, match="does not exist"):
        BoltzmannRBM(3).save(tmp_path / "missing" / "x")


# -- damaged, foreign and mismatched files ---------------------------------------------------------------------------

def _checkpoint(tmp_path: Path, cls=BoltzmannRBM) -> Path:
    path = tmp_path / f"{cls.__name__}.ckpt"
    if not path.exists():
        options = {"n_epochs": 1, "random_state": 0, **({"estimator": PCD(1, 8)} if cls is BoltzmannRBM else {})}
        estimator = cls(3, **options)
        estimator.fit(X4, *(() if cls is BoltzmannRBM else (Y4,)), checkpoint=path)
    return path


def _rewrite(source: Path, target: Path, edit) -> Path:
    header, arrays = _saved(source)
    edit(header, arrays)
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    with open(target, "wb") as handle:  # numpy would append .npz to a name without it
        np.savez(handle, **arrays)
    return target


@pytest.mark.parametrize("cut", [0.0, 0.01, 0.3, 0.6, 0.9, 0.999])
def test_a_truncated_checkpoint_is_a_clear_error(tmp_path, cut):
    data = _checkpoint(tmp_path).read_bytes()
    path = tmp_path / "cut.ckpt"
    path.write_bytes(data[:int(len(data) * cut)])
    expected = "the file is empty" if cut == 0 else "the archive is truncated or corrupted"
    with pytest.raises(ValueError, match=f"{path} is not a BoltzmannRBM checkpoint: {expected}"):
        BoltzmannRBM.load(path)


def test_a_corrupted_checkpoint_is_a_clear_error(tmp_path):
    data = bytearray(_checkpoint(tmp_path).read_bytes())
    header_at = data.index(b'"format"')
    for where in (header_at + 20, len(data) // 2, len(data) - 200):
        damaged = bytearray(data)
        damaged[where] ^= 0xFF
        path = tmp_path / f"damaged-{where}.ckpt"
        path.write_bytes(bytes(damaged))
        with pytest.raises(ValueError, match=f"{path} is not a BoltzmannRBM checkpoint: .*(corrupted|garbled)"):
            BoltzmannRBM.load(path)


def test_foreign_garbled_newer_and_wrong_class_files_are_clear_errors(tmp_path):
    good = _checkpoint(tmp_path)
    text = tmp_path / "notes.ckpt"
    text.write_text("epoch 3 of 10\n")
    cases = {text: "it is not an .npz archive"}
    plain = tmp_path / "plain.npz"
    np.savez(plain, W=np.ones(2))
    cases[plain] = r"the archive has no isingbridge header \('__header__'\)"
    garbled = tmp_path / "garbled.npz"
    np.savez(garbled, __header__=np.frombuffer(b"{not json", np.uint8))
    cases[garbled] = "its header is garbled"
    cases[_rewrite(good, tmp_path / "foreign.npz", lambda h, a: h.update(format="someone-else"))] = \
        "its header names the format 'someone-else', not 'isingbridge-state'"
    cases[_rewrite(good, tmp_path / "newer.npz", lambda h, a: h.update(version=FORMAT_VERSION + 1, library="9.0"))] = \
        (f"it was written in format version {FORMAT_VERSION + 1} \\(by isingbridge 9.0\\); this isingbridge .* reads "
         f"versions up to {FORMAT_VERSION}: upgrade isingbridge")
    cases[_rewrite(good, tmp_path / "os.npz", lambda h, a: h.update({"class": "os:system"}))] = \
        "its header names no isingbridge class"
    cases[_rewrite(good, tmp_path / "popen.npz", lambda h, a: h["tree"].update({"$object": "subprocess:Popen"}))] = \
        "its contents are garbled .*subprocess:Popen"
    cases[_rewrite(good, tmp_path / "array.npz", lambda h, a: a.pop("a0"))] = "its contents are garbled .*missing array"
    cases[_rewrite(good, tmp_path / "main.npz",
                   lambda h, a: h["tree"].update({"$object": "isingbridge.__main__:main"}))] = "its contents are garbled"
    cases[_rewrite(good, tmp_path / "deep.npz", lambda h, a: h.update(tree={"$list": [[]] * 2, "$id": 0}))] = \
        "its contents are garbled"
    deep = tmp_path / "nested.npz"
    np.savez(deep, __header__=np.frombuffer(b'{"format": "isingbridge-state", "version": 1, "class": '
                                            b'"isingbridge.trainers.boltzmann:BoltzmannRBM", "tree": '
                                            + b"[" * 100000 + b"]" * 100000 + b"}", np.uint8))
    cases[deep] = "its contents are garbled .*RecursionError"
    for path, message in cases.items():
        with pytest.raises(ValueError, match=f"{path} is not a BoltzmannRBM checkpoint: {message}"):
            BoltzmannRBM.load(path)
    with pytest.raises(ValueError, match=f"{good} is not a BoltzmannClassifier checkpoint: it holds a BoltzmannRBM "
                                         r"\(load it with BoltzmannRBM.load\)"):
        BoltzmannClassifier.load(good)
    with pytest.raises(ValueError, match="is a folder"):
        BoltzmannRBM.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        BoltzmannRBM.load(tmp_path / "absent.ckpt")


def test_a_backend_this_machine_cannot_build_is_named(tmp_path):
    def to_cuda(header, arrays):
        backend = header["tree"]["state"]["estimator"]["state"]["backend"]
        backend["options"]["$dict"] = [["device", "cuda"] if key == "device" else [key, value]
                                       for key, value in backend["options"]["$dict"]]

    path = _rewrite(_checkpoint(tmp_path), tmp_path / "gpu.ckpt", to_cuda)
    pytest.importorskip("isingbridge.backends.gibbs_cuda")
    from isingbridge.backends import gibbs_cuda

    if gibbs_cuda.gpu_available():
        assert BoltzmannRBM.load(path).estimator_.backend.device == "cuda"
    else:
        with pytest.raises(ValueError, match=f"{path} cannot be loaded on this machine: its 'gibbs' backend cannot "
                                             "be built here with .*'device': 'cuda'"):
            BoltzmannRBM.load(path)


def test_activation_functions_are_stored_by_name(tmp_path):
    from isingbridge.trainers import HopfieldNetwork

    for activation in ("hard_sigmoid", "tanh"):
        network = HopfieldNetwork.random(3, 4, 2, activation=activation, seed=0)
        save_state(network, tmp_path / activation)
        loaded = load_state(tmp_path / activation, HopfieldNetwork)
        assert (loaded.rho, loaded.rho_slope) == (network.rho, network.rho_slope)
        np.testing.assert_array_equal(loaded.W, network.W)


def test_load_state_rebuilds_generators_bqms_and_numpy_types_exactly(tmp_path):
    from isingbridge.trainers.optim import SGD

    holder = SGD(0.1)
    generators = [np.random.Generator(getattr(np.random, name)(5)) for name in ("PCG64", "MT19937", "Philox", "SFC64")]
    for generator in generators:
        generator.random(3)
    bqm = dimod.BQM({("v", 0): 0.5, "b": -1.0}, {(("v", 0), "b"): 2.0}, 0.25, "SPIN")
    holder.velocity = {"rngs": generators, "bqm": bqm, "types": (np.float32, np.dtype("int8"), np.float32(0.1)),
                       (1, "key"): [float("nan"), float("inf"), 2**80, None, True],
                       "sequence": np.random.SeedSequence(7, spawn_key=(1,))}
    save_state(holder, tmp_path / "h")
    loaded = load_state(tmp_path / "h", SGD).velocity
    for original, copy in zip(generators, loaded["rngs"]):
        assert type(copy.bit_generator) is type(original.bit_generator)
        np.testing.assert_array_equal(copy.random(5), original.random(5))
    assert loaded["bqm"] == bqm and list(loaded["bqm"].variables) == list(bqm.variables)
    assert loaded["types"][0] is np.float32 and loaded["types"][1] == np.int8
    assert type(loaded["types"][2]) is np.float32 and loaded["types"][2] == np.float32(0.1)
    nan, inf, big, none, true = loaded[(1, "key")]
    assert np.isnan(nan) and inf == float("inf") and big == 2**80 and none is None and true is True
    assert loaded["sequence"].generate_state(4).tolist() == np.random.SeedSequence(7, spawn_key=(1,)).generate_state(4).tolist()


# -- isingbridge compile: safe network formats --------------------------------------------------------------------

def _or_network():
    return [(np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([0.5, 0.0])), (np.array([[1.0, 0.5]]), np.array([0.2]))]


def test_compile_reads_npz_json_and_skops(tmp_path):
    import skops.io
    from sklearn.neural_network import MLPClassifier

    from isingbridge.circuits import compile_network

    layers = _or_network()
    expected = compile_network(layers, lam=0.1).to_serializable()
    npz = tmp_path / "net.npz"
    np.savez(npz, W1=layers[0][0], b1=layers[0][1], W2=layers[1][0], b2=layers[1][1])
    js = tmp_path / "net.json"
    js.write_text(json.dumps({"layers": [{"W": W.tolist(), "b": b.tolist()} for W, b in layers]}))
    for path in (npz, js):
        out = tmp_path / f"{path.suffix[1:]}-circuit.json"
        assert main(["compile", str(path), "--lam", "0.1", "-o", str(out)]) == 0
        assert json.loads(out.read_text())["bqm"] == json.loads(json.dumps(expected))["bqm"]
    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]] * 5, float)
    mlp = MLPClassifier((3,), activation="tanh", max_iter=20, random_state=0)
    with pytest.warns(Warning):
        mlp.fit(X, (X[:, 0] > 0) | (X[:, 1] > 0))
    skops.io.dump(mlp, tmp_path / "mlp.skops")
    network = load_network(tmp_path / "mlp.skops")
    np.testing.assert_array_equal(network.coefs_[0], mlp.coefs_[0])
    assert main(["compile", str(tmp_path / "mlp.skops"), "-o", str(tmp_path / "mlp.json")]) == 0


def test_compile_refuses_untrusted_skops_types_and_bad_files_with_clear_errors(tmp_path):
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    skops.io.dump(FunctionTransformer(func=os.getcwd), tmp_path / "func.skops")
    with pytest.raises(SystemExit, match=r"error: .*func.skops holds types isingbridge does not load: \['posix.getcwd'\]"):
        main(["compile", str(tmp_path / "func.skops")])
    (tmp_path / "junk.skops").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "junk.json").write_text("{")
    (tmp_path / "shape.json").write_text(json.dumps({"layers": [{"W": [1, 2], "b": [0]}]}))
    (tmp_path / "layout.json").write_text(json.dumps([[1, 2]]))
    (tmp_path / "net.txt").write_text("1 2 3")
    cases = {"junk.skops": "is not a readable .skops file", "junk.npz": "is not a readable .npz of plain arrays",
             "junk.json": "is not JSON", "shape.json": "shape.json: W1 must be a 2-D array",
             "layout.json": 'must hold {"layers"', "net.txt": r"isingbridge reads networks from \.npz"}
    for name, message in cases.items():
        with pytest.raises(SystemExit, match=f"error: .*{message}"):
            main(["compile", str(tmp_path / name)])
    with pytest.raises(SystemExit, match="error: .*is a folder"):
        main(["compile", str(tmp_path)])
    np.savez(tmp_path / "ok.npz", **{k: v for i, (W, b) in enumerate(_or_network(), 1) for k, v in
                                     ((f"W{i}", W), (f"b{i}", b))})
    with pytest.raises(SystemExit, match="error: cannot write .*its folder .* does not exist"):
        main(["compile", str(tmp_path / "ok.npz"), "-o", str(tmp_path / "no" / "c.json")])


# -- SIGKILL while checkpointing ----------------------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    from isingbridge.trainers import BoltzmannRBM, ExactGradient

    path = sys.argv[1]
    X = (np.random.default_rng(0).random((8, 4)) < 0.5).astype(int)
    try:
        rbm = BoltzmannRBM.load(path).set_params(warm_start=True)
    except FileNotFoundError:
        rbm = BoltzmannRBM(2, estimator=ExactGradient(), optimizer="adam", learning_rate=0.05, batch_size=4,
                           n_epochs=10**7, random_state=5)
    print("training", flush=True)
    rbm.fit(X, checkpoint=path)
""")


def _straight_run(epochs: int) -> BoltzmannRBM:
    X = (np.random.default_rng(0).random((8, 4)) < 0.5).astype(int)
    return BoltzmannRBM(2, estimator=ExactGradient(), optimizer="adam", learning_rate=0.05, batch_size=4,
                        n_epochs=epochs, random_state=5).fit(X), X


def _kill_repeatedly(tmp_path: Path, kills: int, longest_s: float) -> None:
    """Start the trainer, SIGKILL it at a random moment, check the checkpoint loads; ``kills`` times in a row."""
    script, path = tmp_path / "train.py", tmp_path / "rbm.ckpt"
    script.write_text(CHILD)
    moments = random.Random(20240515)
    done = 0
    for _ in range(kills):
        child = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        assert child.stdout.readline() == b"training\n", child.communicate()[1].decode()[-2000:]
        time.sleep(moments.uniform(0.0, longest_s))
        child.send_signal(signal.SIGKILL)
        child.communicate()
        if path.exists():  # absent only when the kill came before the first epoch ended
            state = BoltzmannRBM.load(path)
            assert state.epochs_done_ >= done
            done = state.epochs_done_
    assert done > 0
    resumed = BoltzmannRBM.load(path).set_params(n_epochs=done + 3, warm_start=True)
    straight, X = _straight_run(done + 3)
    resumed.fit(X)
    for name in ("W", "b", "c"):
        np.testing.assert_array_equal(getattr(resumed.model_, name), getattr(straight.model_, name))
    assert resumed.rng_.bit_generator.state == straight.rng_.bit_generator.state


def test_sigkill_while_checkpointing_always_leaves_a_loadable_checkpoint(tmp_path):
    _kill_repeatedly(tmp_path, kills=10, longest_s=0.3)


@pytest.mark.slow
def test_sigkill_while_checkpointing_many_times(tmp_path):
    _kill_repeatedly(tmp_path, kills=60, longest_s=0.6)


def test_stale_temporaries_of_killed_writers_are_removed(tmp_path):
    """A write removes the .NAME.*.tmp files a killed writer left a while ago, and keeps young ones."""
    import os
    import time

    from isingbridge.files import atomic_write_text

    old = tmp_path / ".state.npz.abc123.tmp"
    young = tmp_path / ".state.npz.def456.tmp"
    other = tmp_path / ".other.npz.abc123.tmp"
    for stray in (old, young, other):
        stray.write_text("partial")
    long_ago = time.time() - 3600
    os.utime(old, (long_ago, long_ago))
    os.utime(other, (long_ago, long_ago))
    atomic_write_text(tmp_path / "state.npz", "complete")
    assert not old.exists() and young.exists() and other.exists()
    assert (tmp_path / "state.npz").read_text() == "complete"


# -- a crafted archive cannot crash, hang, exhaust memory or rewire the loaded object --------------------------------

def _holder_with(tmp_path: Path, value) -> Path:
    from isingbridge.trainers.optim import SGD

    holder = SGD(0.1)
    holder.velocity = {"x": value}
    save_state(holder, tmp_path / "holder.npz")
    return tmp_path / "holder.npz"


def _value_node(header: dict) -> dict:
    return header["tree"]["state"]["velocity"]["$dict"][0][1]


@pytest.mark.parametrize("edit, message", [
    (lambda node, arrays: arrays.__setitem__(node["$bqm"]["$dict"][3][1]["$tuple"][1]["$array"], np.array([-5])),
     "interaction indices out of range"),
    (lambda node, arrays: arrays.__setitem__(node["$bqm"]["$dict"][3][1]["$tuple"][0]["$array"], np.array([10**6])),
     "interaction indices out of range"),
    (lambda node, arrays: arrays.__setitem__(node["$bqm"]["$dict"][2][1]["$array"], np.zeros(5)),
     "biases or labels do not match"),
])
def test_a_crafted_bqm_is_refused_before_dimod_builds_it(tmp_path, edit, message):
    """dimod's constructor trusts its indices; a negative one used to crash the interpreter (segfault)."""
    path = _holder_with(tmp_path, dimod.BQM({"a": 0.5, "b": -1.0}, {("a", "b"): 2.0}, 0.25, "SPIN"))
    from isingbridge.trainers.optim import SGD

    crafted = _rewrite(path, tmp_path / "crafted.npz", lambda h, a: edit(_value_node(h), a))
    with pytest.raises(ValueError, match=f"its contents are garbled .*{message}"):
        load_state(crafted, SGD)


def test_a_crafted_seed_sequence_cannot_stall_the_loader(tmp_path):
    from isingbridge.trainers.optim import SGD

    path = _holder_with(tmp_path, np.random.SeedSequence(7))

    def huge_pool(header, arrays):
        for pair in _value_node(header)["$seed_sequence"]["$dict"]:
            if pair[0] == "pool_size":
                pair[1] = 10**7
    with pytest.raises(ValueError, match="out-of-range entropy, spawn key, pool size or child count"):
        load_state(_rewrite(path, tmp_path / "pool.npz", huge_pool), SGD)


def test_compressed_archives_are_refused_unopened(tmp_path):
    """A few hundred kilobytes of deflated zeros would unpack to hundreds of megabytes."""
    from isingbridge.trainers.optim import SGD

    header, arrays = _saved(_holder_with(tmp_path, np.zeros(3)))
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    bomb = tmp_path / "bomb.npz"
    np.savez_compressed(bomb, **arrays)
    with pytest.raises(ValueError, match="are compressed; save\\(\\) writes uncompressed archives"):
        load_state(bomb, SGD)


@pytest.mark.parametrize("key", ["step", "__class__", "load_state"])
def test_a_state_cannot_replace_a_method(tmp_path, key):
    """An instance attribute named like a method would make the object call whatever the file put there."""
    from isingbridge.trainers.optim import SGD

    def shadow(header, arrays):
        header["tree"]["state"][key] = {"$ufunc": "tanh"}
    with pytest.raises(ValueError, match=f"state sets '{key}', which is not a data attribute"):
        load_state(_rewrite(_holder_with(tmp_path, 1.0), tmp_path / "shadow.npz", shadow), SGD)


def test_a_file_can_name_only_activation_functions(tmp_path):
    from isingbridge.trainers.optim import SGD

    def any_function(header, arrays):
        header["tree"]["state"]["velocity"]["$dict"][0][1] = {"$function": "isingbridge.files:atomic_write_text"}
    with pytest.raises(ValueError, match="is not one of the activation functions a file may name"):
        load_state(_rewrite(_holder_with(tmp_path, 1.0), tmp_path / "function.npz", any_function), SGD)


def test_atomic_writes_keep_permissions_follow_links_and_write_devices(tmp_path):
    import os
    import stat

    from isingbridge.files import atomic_write_text

    shared = tmp_path / "circuit.json"
    shared.write_text("old")
    shared.chmod(0o644)
    atomic_write_text(shared, "new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644 and shared.read_text() == "new"
    link = tmp_path / "latest.json"
    link.symlink_to(shared)
    atomic_write_text(link, "through the link")
    assert link.is_symlink() and shared.read_text() == "through the link"
    fresh = tmp_path / "fresh.json"
    atomic_write_text(fresh, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    atomic_write_text("/dev/null", "a device is written directly")


def test_a_backend_asked_for_auto_is_saved_as_auto(tmp_path):
    """device='auto' resolves to 'cuda' on a GPU machine; the file must say 'auto' so it loads on a CPU one."""
    from isingbridge.backends import get

    rbm = BoltzmannRBM(3, estimator=CD(1, get("gibbs", device="auto")), n_epochs=1, random_state=0).fit(X4)
    rbm.estimator_.backend.device = "cuda"  # as on a GPU machine; the request stays "auto"
    rbm.save(tmp_path / "auto.npz")
    header, _ = _saved(tmp_path / "auto.npz")
    assert '"device", "auto"' in json.dumps(header).replace("[", "").replace("]", "")
    assert BoltzmannRBM.load(tmp_path / "auto.npz").estimator_.backend.device in ("cpu", "cuda")
