"""PCD-1 through the public backend contract against the Gibbs engine's private door, in one run.

The trainers used to reach the Gibbs layer engine directly
(``GibbsBackend.layer_chains`` fed the RBM's arrays, ``E[h | v]`` read off its
last update).  They now sample through the contract every backend shares:
persistent chains (``Backend.chains(...).run(model, ...)``) on the model's
bipartite array form (:meth:`~isingbridge.ir.CompiledBQM.bipartite`), which
keep the engine between runs.  Timed here on the same machine, taking turns
(A B C C B A, so drift on a shared machine falls on all alike):

* one negative-phase step of a 784×500 RBM (random weights, P chains, one
  sweep): the private door, ``sample_states`` (an engine per call), and
  ``chains().run`` (the engine kept);
* one float32 PCD-1 epoch of a 784×500 RBM on MNIST-5k at batch 10 and 100
  (chains = batch size), the settings of ``benchmarks/rbm.py`` — the same
  trainer, once with its negative phase through the private door (a PCD
  subclass defined below).

Target: the public path at ≥ 0.9× the private one's speed.

Run:  python benchmarks/contract.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np  # noqa: E402

from _common import print_table  # noqa: E402

VISIBLE, HIDDEN = 784, 500
TARGET = 0.9


def private_door_pcd():
    """PCD whose negative phase drives the Gibbs layer engine directly, as the trainers did before the contract."""
    from isingbridge.trainers import PCD

    class PrivateDoorPCD(PCD):
        def _run(self, model, starts, rng, sweeps=None):
            starts = self.chains if starts is None else starts  # None: continue the persistent chains
            nv = model.n_visible
            negated = np.negative(model.W, dtype=np.float32)
            chains = self.backend.layer_chains([np.arange(nv), np.arange(nv, model.width)],
                                               [[(1, negated)], [(0, negated.T)]], [-model.b, -model.c], model.beta,
                                               starts.shape[0], np.random.default_rng(int(rng.integers(2**31))))
            with self.backend.threads():
                chains.load(starts.astype(np.int8))
                chains.run(self.k if sweeps is None else sweeps)
                self.last_means = chains.conditional_means(1).astype(model.dtype)
                self.last_states = chains.states().astype(model.dtype)
            return self.last_states

    return PrivateDoorPCD


def interleaved(*contenders, repeats: int) -> list[list[float]]:
    """Seconds of each contender, taking turns forwards then backwards ``repeats`` times."""
    times: list[list[float]] = [[] for _ in contenders]
    order = list(range(len(contenders)))
    for _ in range(repeats):
        for which in order + order[::-1]:
            start = time.perf_counter()
            contenders[which]()
            times[which].append(time.perf_counter() - start)
    return times


def step_rows(repeats: int) -> list[list]:
    """One negative-phase step both ways, for 10 and 100 chains (ms per step, 20 steps per timing)."""
    from isingbridge import CompiledBQM, get

    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.01, (VISIBLE, HIDDEN)).astype(np.float32)
    b, c = rng.normal(0, 0.1, VISIBLE), np.zeros(HIDDEN)
    gibbs = get("gibbs")
    layers = [np.arange(VISIBLE), np.arange(VISIBLE, VISIBLE + HIDDEN)]
    hidden = layers[1]
    rows = []
    for chains in (10, 100):
        starts = np.where(rng.random((chains, VISIBLE + HIDDEN)) < 0.5, 1, -1).astype(np.int8)

        def private(chains=chains, starts=starts) -> None:
            negated = np.negative(W)
            engine = gibbs.layer_chains(layers, [[(1, negated)], [(0, negated.T)]], [-b, -c], 1.0, chains,
                                        np.random.default_rng(1))
            with gibbs.threads():
                engine.load(starts)
                engine.run(1)
                engine.conditional_means(1), engine.states()

        def public(chains=chains, starts=starts) -> None:
            gibbs.sample_states(CompiledBQM.bipartite(np.negative(W), -b, -c, copy=False), num_reads=chains,
                                initial_states=starts, num_sweeps=1, seed=1, conditionals=hidden)

        persistent = gibbs.chains(chains, conditionals=hidden)

        def kept(persistent=persistent) -> None:
            persistent.run(CompiledBQM.bipartite(np.negative(W), -b, -c, copy=False), num_sweeps=1, seed=1)

        private(), public(), kept()  # numba kernels compiled (or loaded) untimed
        steps = [lambda f=f: [f() for _ in range(20)] for f in (private, public, kept)]
        ms = [np.median(t) / 20 * 1e3 for t in interleaved(*steps, repeats=repeats)]
        rows.append([f"one step, {chains} chains", f"{ms[0]:.2f} ms", f"{ms[1]:.2f} ms ({ms[0] / ms[1]:.2f}x)",
                     f"{ms[2]:.2f} ms ({ms[0] / ms[2]:.2f}x)"])
    return rows


def epoch_rows(repeats: int) -> list[list]:
    """One float32 PCD-1 epoch on MNIST-5k both ways (seconds), at batch 10 and 100."""
    from isingbridge.datasets import load_mnist_subset
    from isingbridge.trainers import PCD, BoltzmannRBM

    X, _ = load_mnist_subset()
    rows = []
    for batch in (10, 100):
        trainers = []
        for estimator in (private_door_pcd()(1, batch, "gibbs"), PCD(1, batch, "gibbs")):
            rbm = BoltzmannRBM(n_hidden=HIDDEN, estimator=estimator, batch_size=batch, learning_rate=0.01,
                               random_state=0, dtype="float32")
            rbm.partial_fit(X[:200])  # compile and warm up
            trainers.append(rbm)
        t_private, t_public = interleaved(lambda rbm=trainers[0]: rbm.partial_fit(X), lambda rbm=trainers[1]: rbm.partial_fit(X),
                                          repeats=repeats)
        ratios = np.array(t_private) / np.array(t_public)
        rows.append([f"PCD-1 epoch, batch {batch}, float32", f"{np.median(t_private):.3f} s", "",
                     f"{np.median(t_public):.3f} s ({np.median(ratios):.2f}x, {ratios.min():.2f}-{ratios.max():.2f})"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="A B B A rounds per timing")
    args = parser.parse_args()
    rows = step_rows(args.repeats) + epoch_rows(args.repeats)
    print(f"{VISIBLE}x{HIDDEN} RBM, {os.cpu_count()} CPU cores; medians of {args.repeats} rounds of turns")
    print_table(["workload", "private door", "sample_states (speed)", "chains().run / trainer (speed)"], rows)
    print(f"speed = private time / public time (target: >= {TARGET}x); the trainer samples through chains().run")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one sweep per call: convergence warnings are beside the point
        main()
