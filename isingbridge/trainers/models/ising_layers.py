"""A layered ±1 network, the model of Laydevant et al. (2024): input → hidden layers → outputs.

Energy E = −Σ_k s_{k+1}ᵀ W_k s_k − Σ_k b_kᵀ s_{k+1} (weights W = −J in dimod's
sign) with the inputs clamped.  The model gives what a sampler needs: the free
spins as an array model (:meth:`IsingLayers.sampling_model`), the inputs'
fields on the first hidden layer (:meth:`IsingLayers.input_fields`) and, for
one input, the dimod BQM (:meth:`IsingLayers.to_bqm`).  Training it is
:class:`~isingbridge.trainers.estimators.ising.LayeredIsingEqProp`.

>>> import numpy as np
>>> from isingbridge.trainers.models import IsingLayers
>>> net = IsingLayers.random([4, 3, 2], seed=0)
>>> net.sampling_model().num_variables, net.input_fields(np.ones((2, 4))).shape
(5, (2, 3))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np
import scipy.sparse as sp

from isingbridge.ir import CompiledBQM
from isingbridge.validation import as_rng, check_beta, check_layer_sizes

__all__ = ["IsingLayers"]


@dataclass
class IsingLayers:
    """Weights ``W[k]`` (n_{k+1} × n_k) and biases ``b[k]`` (n_{k+1}) of a layered ±1 network at inverse temperature ``beta``."""

    W: list[np.ndarray]
    b: list[np.ndarray]
    beta: float = 1.0

    def __post_init__(self) -> None:
        self.beta = check_beta(self.beta, "beta")

    @classmethod
    def random(cls, sizes: list[int], *, seed: Any = None, beta: float = 1.0) -> IsingLayers:
        """Uniform weights in ±1/√fan_in, zero biases."""
        sizes = check_layer_sizes(sizes, "sizes")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output layer, got {sizes}")
        rng = as_rng(seed)
        W = [rng.uniform(-1, 1, size=(n_out, n_in)) / np.sqrt(n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        return cls(W, [np.zeros(n) for n in sizes[1:]], check_beta(beta))

    @property
    def sizes(self) -> list[int]:
        """Layer sizes, input first."""
        return [self.W[0].shape[1]] + [W.shape[0] for W in self.W]

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays by name (views, so optimizers update them in place)."""
        return {**{f"W{k}": W for k, W in enumerate(self.W)}, **{f"b{k}": b for k, b in enumerate(self.b)}}

    def free_slices(self) -> list[slice]:
        """Each free layer's columns (hidden layers, then outputs) in the free-spin order of :meth:`sampling_model`.

        Examples
        --------
        >>> from isingbridge.trainers.models import IsingLayers
        >>> IsingLayers.random([4, 3, 2], seed=0).free_slices()
        [slice(0, 3, None), slice(3, 5, None)]
        """
        edges = np.cumsum([0] + self.sizes[1:])
        return [slice(int(a), int(z)) for a, z in zip(edges[:-1], edges[1:])]

    def _fields(self, X: np.ndarray, output_shift: np.ndarray | None) -> list[np.ndarray]:
        """Each free layer's field b + (clamped input drive) in the W sign, per chain where it varies."""
        fields = [b.copy() for b in self.b]
        fields[0] = (X @ self.W[0].T + self.b[0]).T  # (n_1, chains)
        if output_shift is not None:  # (.T of the 1-D bias is the bias itself)
            fields[-1] = (fields[-1].T + output_shift).T
        return fields

    def to_bqm(self, x: np.ndarray, output_shift: np.ndarray | None = None) -> dimod.BinaryQuadraticModel:
        """The free spins' BQM for one clamped input (labels 0 … N−1 in free-layer order), dimod's sign."""
        fields = self._fields(np.atleast_2d(x), None if output_shift is None else np.atleast_2d(output_shift))
        bqm = dimod.BQM(-np.concatenate([np.ravel(f) for f in fields]), {}, 0.0, "SPIN")
        slices = self.free_slices()
        for k in range(1, len(self.W)):
            rows, cols = np.nonzero(self.W[k])
            bqm.add_quadratic_from(zip((slices[k].start + rows).tolist(), (slices[k - 1].start + cols).tolist(),
                                       (-self.W[k][rows, cols]).tolist()))
        return bqm

    def sampling_model(self) -> CompiledBQM:
        """The free spins (hidden layers, then outputs) as an array model in dimod's sign, inputs left out.

        Labels are positions in free-layer order.  Adjacent layers couple
        only to each other, so layers of even and odd rank are the two sides
        of a :meth:`~isingbridge.ir.CompiledBQM.bipartite` model (no ``N × N``
        matrix); a clamped input enters as per-example fields on the first
        hidden layer (:meth:`input_fields`).
        """
        slices = self.free_slices()
        h = -np.concatenate(self.b)
        if len(slices) == 1:
            return CompiledBQM.from_arrays(h, sp.csr_matrix((h.size, h.size)))
        even = np.concatenate([np.arange(s.start, s.stop) for s in slices[0::2]])
        odd = np.concatenate([np.arange(s.start, s.stop) for s in slices[1::2]])
        row, column = np.empty(h.size, dtype=np.int64), np.empty(h.size, dtype=np.int64)
        row[even], column[odd] = np.arange(even.size), np.arange(odd.size)
        couplings = np.zeros((even.size, odd.size))
        for k in range(1, len(self.W)):  # W[k] joins free layer k−1 (below) and free layer k (above)
            below, above = slices[k - 1], slices[k]
            block = -self.W[k].T if (k - 1) % 2 == 0 else -self.W[k]  # rows: the even layer
            rows, cols = (below, above) if (k - 1) % 2 == 0 else (above, below)
            couplings[np.ix_(row[np.arange(rows.start, rows.stop)], column[np.arange(cols.start, cols.stop)])] = block
        labelled = len(slices) > 2
        return CompiledBQM.bipartite(couplings, h[even], h[odd], copy=False,
                                     visible=even if labelled else None, hidden=odd if labelled else None)

    def input_fields(self, X: np.ndarray) -> np.ndarray:
        """The first hidden layer's field from clamped inputs ``X``, per example, in dimod's sign: ``−X W₀ᵀ``."""
        return -(X @ self.W[0].T)
