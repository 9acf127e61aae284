"""CoreBudget: BLAS threads follow the cores other processes leave free."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import isingbridge.cores as cores
from isingbridge.cores import CoreBudget


class FakeMachine:
    """A clock, this process's CPU time and every process's CPU time, advanced by hand."""

    def __init__(self, monkeypatch, cpus: int):
        self.wall = self.own = self.busy = 0.0
        monkeypatch.setattr(cores, "_allowed_cpus", lambda: list(range(cpus)))
        monkeypatch.setattr(cores, "_busy_seconds", lambda _: self.busy)
        monkeypatch.setattr(cores, "_running_elsewhere", lambda: 0)
        monkeypatch.setattr(cores.time, "perf_counter", lambda: self.wall)
        monkeypatch.setattr(cores.time, "process_time", lambda: self.own)

    def run(self, seconds: float, own_cores: float, other_cores: float) -> None:
        self.wall += seconds
        self.own += seconds * own_cores
        self.busy += seconds * (own_cores + other_cores)


@pytest.mark.parametrize("cpus, others, expected", [(2, 0.0, 2), (2, 0.05, 2), (2, 1.0, 1), (2, 1.4, 1), (2, 2.0, 1),
                                                    (16, 2.0, 14), (16, 0.0, 16), (16, 15.5, 1)])
def test_threads_are_the_cores_the_others_leave(monkeypatch, cpus, others, expected):
    machine = FakeMachine(monkeypatch, cpus)
    budget = CoreBudget(interval=0.25)
    assert budget.threads() == cpus  # no interval measured yet: all allowed cores
    machine.run(0.5, own_cores=1.0, other_cores=others)
    assert budget.threads() == expected


def test_the_first_decision_counts_threads_running_elsewhere(monkeypatch):
    FakeMachine(monkeypatch, 4)
    monkeypatch.setattr(cores, "_running_elsewhere", lambda: 3)
    assert CoreBudget().threads() == 1
    monkeypatch.setattr(cores, "_running_elsewhere", lambda: 1)
    assert CoreBudget().threads() == 3


def test_the_run_queue_is_read_from_the_kernel():
    assert cores._running_elsewhere() >= 0  # 0 where /proc/loadavg does not exist


def test_own_work_never_counts_as_load(monkeypatch):
    machine = FakeMachine(monkeypatch, 2)
    budget = CoreBudget()
    budget.threads()
    machine.run(1.0, own_cores=2.0, other_cores=0.0)  # this process kept both cores busy
    assert budget.threads() == 2


def test_decision_holds_within_an_interval_and_follows_the_load_after(monkeypatch):
    machine = FakeMachine(monkeypatch, 4)
    budget = CoreBudget(interval=1.0)
    budget.threads()
    machine.run(1.0, own_cores=1.0, other_cores=3.0)
    assert budget.threads() == 1
    machine.run(0.5, own_cores=1.0, other_cores=0.0)
    assert budget.threads() == 1  # half an interval: the last decision holds
    machine.run(1.0, own_cores=1.0, other_cores=0.0)
    assert budget.threads() == 4  # the competitor left


def test_max_threads_caps_the_budget(monkeypatch):
    FakeMachine(monkeypatch, 8)
    assert CoreBudget(3).threads() == 3
    assert CoreBudget(100).max_threads == 8
    with pytest.raises(ValueError, match="max_threads"):
        CoreBudget(0)
    with pytest.raises(ValueError, match="interval"):
        CoreBudget(interval=-1.0)


def test_a_copy_in_another_process_measures_afresh(monkeypatch):
    machine = FakeMachine(monkeypatch, 2)
    budget = CoreBudget()
    budget.threads()
    machine.run(1.0, own_cores=0.0, other_cores=2.0)
    assert budget.threads() == 1
    monkeypatch.setattr(cores.os, "getpid", lambda: -1)  # as in a forked worker: counters are not comparable
    assert budget.threads() == 2


def test_copies_and_pickles_drop_the_measurements():
    budget = CoreBudget()
    with budget.limit():
        pass
    for clone in (copy.deepcopy(budget), pickle.loads(pickle.dumps(budget))):
        assert not hasattr(clone, "_reading") and not hasattr(clone, "_blas")
        assert clone.max_threads == budget.max_threads and 1 <= clone.threads() <= clone.max_threads


def _blas_threads() -> list[int]:
    return [library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"]


def test_limit_lowers_blas_threads_inside_and_restores_them(monkeypatch):
    before = _blas_threads()
    if not before or max(before) < 2:
        pytest.skip("BLAS runs one thread here: nothing to lower")
    machine = FakeMachine(monkeypatch, max(before))
    budget = CoreBudget()
    budget.threads()
    machine.run(1.0, own_cores=0.0, other_cores=float(max(before)))
    with budget.limit() as threads:
        assert threads == 1 and max(_blas_threads()) == 1
        a = np.ones((64, 64))
        assert np.array_equal(a @ a, np.full((64, 64), 64.0))
    assert _blas_threads() == before


def test_limit_never_raises_blas_threads():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        with CoreBudget().limit():
            assert max(_blas_threads(), default=1) == 1


def test_trainer_state_files_hold_no_measurements(tmp_path):
    from isingbridge.persistence import load_state
    from isingbridge.trainers import CD, BoltzmannRBM

    X = np.random.default_rng(0).integers(0, 2, (40, 6))
    rbm = BoltzmannRBM(4, estimator=CD(1, "exact"), n_epochs=1, random_state=0).fit(X)
    assert isinstance(rbm._cores, CoreBudget)
    rbm.save(tmp_path / "rbm.npz")
    loaded = load_state(tmp_path / "rbm.npz", BoltzmannRBM)
    assert not hasattr(loaded, "_cores")
    loaded.partial_fit(X)  # builds its own budget on the next step
    rbm.partial_fit(X)
    np.testing.assert_array_equal(loaded.model_.W, rbm.model_.W)
