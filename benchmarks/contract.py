"""The PCD-1 negative phase through the public backend contract against the trainers' private engine door.

One persistent-chain step of a 784×500 RBM (random weights, P chains, one
Gibbs sweep) done two ways on the same Gibbs backend in one run:

* the trainers' fast path today: ``GibbsBackend.layer_chains`` fed the layer
  arrays directly, run one sweep, read the states;
* the public contract: ``sample(CompiledBQM.bipartite(...), initial_states=..., num_sweeps=1)``,
  building the array model anew each step as a training loop would, and once
  more reusing one model object.

The issue's target for the trainers is the public path at ≥ 0.9× the fast one.

Run:  python benchmarks/contract.py
"""
from __future__ import annotations

import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np  # noqa: E402

from _common import print_table  # noqa: E402

VISIBLE, HIDDEN = 784, 500


def best_ms(function, calls: int = 50, repeat: int = 3) -> float:
    """Best mean milliseconds per call over ``repeat`` runs of ``calls`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - start) / calls * 1e3)
    return best


def main() -> None:
    from isingbridge import CompiledBQM, get

    rng = np.random.default_rng(0)
    W, b, c = rng.normal(0, 0.01, (VISIBLE, HIDDEN)), rng.normal(0, 0.1, VISIBLE), np.zeros(HIDDEN)
    gibbs = get("gibbs")
    layers = [np.arange(VISIBLE), np.arange(VISIBLE, VISIBLE + HIDDEN)]
    rows = []
    for chains in (10, 100):
        starts = np.where(rng.random((chains, VISIBLE + HIDDEN)) < 0.5, 1, -1).astype(np.int8)

        def fast() -> np.ndarray:
            negated = np.negative(W, dtype=np.float32)
            engine = gibbs.layer_chains(layers, [[(1, negated)], [(0, negated.T)]], [-b, -c], 1.0, chains,
                                        np.random.default_rng(1))
            with gibbs.threads():
                engine.load(starts)
                engine.run(1)
                return engine.states()

        model = CompiledBQM.bipartite(-W, -b, -c)
        public_new = lambda: gibbs.sample(CompiledBQM.bipartite(-W, -b, -c), num_reads=chains,  # noqa: E731
                                          initial_states=starts, num_sweeps=1, seed=1)
        public_reused = lambda: gibbs.sample(model, num_reads=chains, initial_states=starts,  # noqa: E731
                                             num_sweeps=1, seed=1)
        for function in (fast, public_new, public_reused):
            function()  # numba kernels compiled (or loaded) untimed
        t_fast, t_new, t_reused = best_ms(fast), best_ms(public_new), best_ms(public_reused)
        rows.append([chains, f"{t_fast:.2f}", f"{t_new:.2f}", f"{t_fast / t_new:.2f}x", f"{t_reused:.2f}",
                     f"{t_fast / t_reused:.2f}x"])
    print(f"one PCD-1 step of a {VISIBLE}x{HIDDEN} RBM, {os.cpu_count()} CPU cores; best of 3 x 50 calls, ms per step")
    print_table(["chains", "private door", "public, new model", "speed", "public, same model", "speed"], rows)
    print("speed = private time / public time (the target for the trainers on the public contract: >= 0.9x)")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one sweep per call: convergence warnings are beside the point
        main()
