"""Trainable qubit networks: layered qubits ('in', i) → ('hid', j) → ('out', k) (Massar & Mognetti 2024, Eq. 16).

:class:`QuantumNetwork` has a ZZ coupling b and an XX coupling a on every edge
between consecutive layers (and, optionally, among hidden qubits) and a Z field
h on every hidden and output qubit; inputs enter as Z fields u_i = −s·x_i (so
Z_in follows x).  It builds the :class:`~isingbridge.TransverseIsing` of Eq. 16
and maps an EP gradient back onto its parameter arrays.

>>> from isingbridge.trainers.models import QuantumNetwork
>>> net = QuantumNetwork.layered(2, 3, 1, seed=0)
>>> len(net.to_model().variables), sorted(net.parameters())
(6, ['a', 'b', 'h'])
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np

from isingbridge.quantum import TransverseIsing
from isingbridge.validation import as_rng, check_bool, check_nonnegative, check_positive_int

__all__ = ["QuantumNetwork"]


@dataclass
class QuantumNetwork:
    """Edges (pairs of labels) with ZZ couplings ``b`` and XX couplings ``a``; Z fields ``h`` on non-inputs."""

    n_inputs: int
    n_hidden: int
    n_outputs: int
    edges: list
    b: np.ndarray
    a: np.ndarray
    h: np.ndarray

    @classmethod
    def layered(cls, n_inputs: int, n_hidden: int, n_outputs: int = 1, *, connect_hidden: bool = False,
                scale: float = 0.5, seed=None) -> QuantumNetwork:
        """A layered network with random couplings: every input to every hidden qubit, every hidden to every output.

        Parameters
        ----------
        n_inputs, n_hidden : int
            Numbers of input and hidden qubits.
        n_outputs : int, default 1
            Number of output qubits.
        connect_hidden : bool, default False
            Also couple every pair of hidden qubits.
        scale : float, default 0.5
            Standard deviation of the ZZ and XX couplings (the Z fields get a tenth of it).
        seed : int, numpy.random.Generator or None
            Source of randomness.

        Returns
        -------
        QuantumNetwork

        Examples
        --------
        >>> from isingbridge.trainers.models import QuantumNetwork
        >>> net = QuantumNetwork.layered(2, 3, seed=0)
        >>> net.sizes, len(net.edges), net.outputs
        ([2, 3, 1], 9, [('out', 0)])
        """
        n_inputs, n_hidden = check_positive_int(n_inputs, "n_inputs"), check_positive_int(n_hidden, "n_hidden")
        n_outputs = check_positive_int(n_outputs, "n_outputs")
        connect_hidden, scale = check_bool(connect_hidden, "connect_hidden"), check_nonnegative(scale, "scale")
        rng = as_rng(seed)
        inputs = [("in", i) for i in range(n_inputs)]
        hidden = [("hid", j) for j in range(n_hidden)]
        outputs = [("out", k) for k in range(n_outputs)]
        edges = [(u, v) for u in inputs for v in hidden] + [(u, v) for u in hidden for v in outputs]
        if connect_hidden:
            edges += [(hidden[i], hidden[j]) for i in range(n_hidden) for j in range(i + 1, n_hidden)]
        m = len(edges)
        return cls(n_inputs, n_hidden, n_outputs, edges, rng.normal(0, scale, m), rng.normal(0, scale, m),
                   rng.normal(0, 0.1 * scale, n_hidden + n_outputs))

    @property
    def sizes(self) -> list[int]:
        """[inputs, hidden, outputs] qubit counts."""
        return [self.n_inputs, self.n_hidden, self.n_outputs]

    @property
    def inputs(self) -> list:
        """Labels of the input qubits, ('in', i)."""
        return [("in", i) for i in range(self.n_inputs)]

    @property
    def outputs(self) -> list:
        """Labels of the output qubits, ('out', k)."""
        return [("out", k) for k in range(self.n_outputs)]

    @property
    def biased(self) -> list:
        """Labels of the qubits with a trained Z field (hidden, then outputs), in the order of ``h``."""
        return [("hid", j) for j in range(self.n_hidden)] + self.outputs

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays ``b`` (ZZ), ``a`` (XX) and ``h`` (Z), by name (views: optimizers update them in place)."""
        return {"b": self.b, "a": self.a, "h": self.h}

    def to_model(self) -> TransverseIsing:
        """The Hamiltonian of Eq. 16 with no input fields: ZZ couplings ``b`` and fields ``h`` as a SPIN BQM, XX couplings ``a``.

        Inputs are applied by the estimator as Z fields on the input qubits.
        """
        linear = {label: 0.0 for label in self.inputs} | dict(zip(self.biased, self.h))
        bqm = dimod.BQM(linear, {edge: value for edge, value in zip(self.edges, self.b)}, 0.0, "SPIN")
        return TransverseIsing(bqm, xx={edge: value for edge, value in zip(self.edges, self.a)})

    def arrays(self, gradient: Any) -> dict[str, np.ndarray]:
        """A :class:`~isingbridge.trainers.estimators.base.Gradient` of :meth:`to_model` (``values`` keyed
        "zz", "xx", "z", "x") as arrays aligned with :meth:`parameters`."""
        values = gradient.values
        return {"b": np.array([values["zz"][edge] for edge in self.edges]),
                "a": np.array([values["xx"].get(edge, 0.0) for edge in self.edges]),
                "h": np.array([values["z"][label] for label in self.biased])}
