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
from isingbridge.backends import Backend, ConvergenceWarning, Moments, available, get
from isingbridge.ir import CompileCache, CompiledBQM, as_spin_bqm, compile_bqm
from isingbridge.quantum import TransverseIsing

__version__ = "0.1.0"  # the one place the version is written: pyproject.toml reads it

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
