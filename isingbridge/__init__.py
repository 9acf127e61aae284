"""isingbridge: machine learning on Ising-type machines.

Every model compiles to one intermediate representation, a SPIN
``dimod.BinaryQuadraticModel`` with energy E(s) = Σ h_i s_i + Σ J_ij s_i s_j +
offset and Boltzmann weight exp(−βE), and is sampled by pluggable backends
(:mod:`isingbridge.backends`): exact enumeration, simulated annealing, a Gibbs
p-bit emulator, a qubit statevector simulator, or any dimod sampler.

>>> import dimod, isingbridge
>>> bqm = dimod.BQM({"a": 0.5}, {("a", "b"): -1.0}, 0.0, "SPIN")
>>> m = isingbridge.get("exact").moments(bqm, beta=1.0)
>>> m.variables
['a', 'b']
"""
import os

# numba's OpenMP threads and BLAS threads take turns in the Gibbs and exact
# backends; GNU OpenMP's default busy-wait after each parallel region steals the
# cores from the next BLAS call (measured 2x slower GEMMs on 2 cores).  Must be
# set before numba first starts its OpenMP pool; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from isingbridge.backends import Backend, ConvergenceWarning, Moments, available, get  # noqa: E402
from isingbridge.ir import CompileCache, CompiledBQM, as_spin_bqm, compile_bqm  # noqa: E402
from isingbridge.quantum import TransverseIsing  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "CompileCache",
    "CompiledBQM",
    "ConvergenceWarning",
    "Moments",
    "TransverseIsing",
    "as_spin_bqm",
    "available",
    "compile_bqm",
    "get",
]
