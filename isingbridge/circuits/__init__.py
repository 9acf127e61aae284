"""Neural network → Ising compiler: compile, measure correctness, tune, quantise.

>>> import numpy as np
>>> from isingbridge.circuits import compile_network, correctness
>>> W1, b1 = np.eye(2), np.zeros(2)
>>> W2, b2 = np.array([[1.0, 1.0]]), np.array([0.5])           # OR of two bits
>>> X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
>>> Y = np.array([[-1], [1], [1], [1]])
>>> circuit = compile_network([(W1, b1), (W2, b2)], beta=1.0, lam=0.1)
>>> correctness(circuit, X, Y).correct
True
"""
from isingbridge.circuits.compile import HardwareRun, IsingCircuit, compile_network
from isingbridge.circuits.correctness import (
    Correctness, CorrectnessMap, correctness, correctness_map, mean_field_means, plot_spin_correctness,
)
from isingbridge.circuits.network import FeedForward, as_network
from isingbridge.circuits.quantize import (
    QuantizedCircuit, enumerated_worst, integer_circuit, optq, quantize_network, refine_integers, round_to_nearest,
)
from isingbridge.circuits.tune import TuneResult, tune

__all__ = [
    "Correctness", "CorrectnessMap", "FeedForward", "HardwareRun", "IsingCircuit", "QuantizedCircuit", "TuneResult",
    "as_network", "compile_network", "correctness", "correctness_map", "enumerated_worst", "integer_circuit",
    "mean_field_means", "optq", "refine_integers",
    "plot_spin_correctness", "quantize_network", "round_to_nearest", "tune",
]
