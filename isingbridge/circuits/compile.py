"""Compile a feed-forward network into an Ising circuit.

One spin per neuron; inputs are clamped; between unit i of layer ℓ−1 and unit
j of layer ℓ the coupling is J_ij = −λ^(ℓ−1)·W^ℓ_ji and the field of j is
h_j = −λ^(ℓ−1)·b^ℓ_j (dimod's sign, p ∝ e^{−βE}).  With that sign a clamped
neuron's average is ⟨s_j⟩ = tanh(β·λ^(ℓ−1)·a_j): the Ising circuit runs the
network forward, the later layers hotter ("temperature gradient").

* shallow tanh networks (one hidden layer) compile for high temperature:
  at β = 1 and λ small enough, sign⟨s_out⟩ equals the network's outputs
  (Theorem 5.1 of the correspondence paper);
* sign-activation networks of any depth compile for zero temperature: for λ
  small enough the clamped ground state is the network's activations (Theorem 6.1).

Spins are labelled ``("in", i)``, ``("hidden", ℓ, j)`` (ℓ = 1 for the first
hidden layer) and ``("out", k)``.

Examples
--------
>>> import numpy as np
>>> from isingbridge.circuits import compile_network
>>> W1, b1 = np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([0.0, 0.0])
>>> W2, b2 = np.array([[1.0, -1.0]]), np.array([-0.2])
>>> circuit = compile_network([(W1, b1), (W2, b2)], beta=1.0, lam=0.1)
>>> circuit.output_means([[1, 1], [-1, 1]]).round(4).tolist()   # ≈ λ·a₂ = 0.1 × 0.764 for both
[[0.0762], [0.0762]]
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import dimod
import numpy as np

from isingbridge import validation
from isingbridge.backends import get
from isingbridge.backends.exact import ExactBackend
from isingbridge.circuits.network import FeedForward, as_network, read_classes
from isingbridge.validation import check_beta, check_positive, check_positive_int

__all__ = ["IsingCircuit", "HardwareRun", "compile_network", "check_spins"]

FORMAT_VERSION = 1  # of IsingCircuit.to_serializable


@dataclass
class HardwareRun:
    """What a dimod sampler did with a circuit (:meth:`IsingCircuit.to_hardware`).

    Attributes
    ----------
    outputs : (n_rows, n_outputs) mean output spins per input row
    chain_break_fraction : (n_rows,) mean fraction of broken chains per read (NaN without an embedding)
    qubits : physical qubits of the largest embedding used (None without an embedding)
    max_chain_length : longest chain (None without an embedding)
    per_bit : (n_rows, n_outputs) y·⟨s⟩ when targets were given
    worst : worst-case correctness min y·⟨s⟩ when targets were given
    """

    outputs: np.ndarray
    chain_break_fraction: np.ndarray
    qubits: int | None
    max_chain_length: int | None
    per_bit: np.ndarray | None = None
    worst: float | None = None


def check_spins(values: Any, width: int, what: str) -> np.ndarray:
    """At least one row of ``width`` ±1 spins, as floats (1-D input is one row), or a clear error."""
    rows = validation.check_spins(values, what, width=width, dtype=np.float64)
    if rows.shape[0] == 0:
        raise ValueError(f"{what} has no rows; give at least one row of {width} spins")
    return rows


def encode_label(label: Any) -> Any:
    """A variable label as JSON keeps it: tuples become lists (recursively), numpy scalars Python ones."""
    if isinstance(label, tuple):
        return [encode_label(part) for part in label]
    return label.item() if isinstance(label, np.generic) else label


def decode_label(value: Any) -> Any:
    """Inverse of :func:`encode_label`: lists become tuples (recursively), as dimod reads its labels."""
    return tuple(decode_label(part) for part in value) if isinstance(value, list) else value


def check_roles(bqm: dimod.BinaryQuadraticModel, roles: dict[str, Any]) -> dict[str, list]:
    """Each role as a list of labels of ``bqm``, no label in two roles, at least one output."""
    seen: dict[Any, str] = {}
    checked = {}
    for role, labels in roles.items():
        if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
            raise TypeError(f"{role} must be a list of variable labels of the BQM, got {type(labels).__name__}")
        checked[role] = list(labels)
        for label in checked[role]:
            try:
                present = label in bqm.variables
            except TypeError:  # an unhashable label cannot be a variable
                present = False
            if not present:
                raise ValueError(f"{role} names {label!r}, which is not a variable of the circuit's BQM")
            if label in seen:
                raise ValueError(f"label {label!r} is in both {seen[label]} and {role}")
            seen[label] = role
    if not checked["outputs"]:
        raise ValueError("a circuit needs at least one output spin; outputs is empty")
    return checked


@dataclass
class IsingCircuit:
    """A compiled network: the BQM, its roles, and the β to run it at.

    Attributes
    ----------
    bqm : dimod.BinaryQuadraticModel
        SPIN model over ``inputs + hidden + outputs``.
    inputs, hidden, outputs : list
        Labels of the clamped inputs, the hidden spins and the output spins.
    beta : float
        Inverse temperature the circuit is meant to run at.
    lam : float
        The temperature gradient used to compile it (``None`` for hand-made circuits).
    """

    bqm: dimod.BinaryQuadraticModel
    inputs: list
    hidden: list
    outputs: list
    beta: float
    lam: float | None = None
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.bqm, dimod.BinaryQuadraticModel):
            raise TypeError(f"bqm must be a dimod.BinaryQuadraticModel, got {type(self.bqm).__name__}")
        if self.bqm.vartype is not dimod.SPIN:
            raise ValueError("bqm must be a SPIN model (circuits clamp and read -1/+1 spins); "
                             "convert it with bqm.change_vartype('SPIN', inplace=False)")
        roles = check_roles(self.bqm, {"inputs": self.inputs, "hidden": self.hidden, "outputs": self.outputs})
        self.inputs, self.hidden, self.outputs = roles["inputs"], roles["hidden"], roles["outputs"]
        self.beta = check_beta(self.beta)
        self.lam = None if self.lam is None else check_positive(self.lam, "lam")

    def clamp(self, x: Any) -> dict:
        """``{input label: spin}`` for one input row."""
        rows = check_spins(x, len(self.inputs), "x")
        if rows.shape[0] != 1:
            raise ValueError(f"x must be one input row, got {rows.shape[0]} rows")
        return {label: int(value) for label, value in zip(self.inputs, rows[0])}

    def output_means(self, x: Any, backend: Any = "exact", **options: Any) -> np.ndarray:
        """Thermal averages ⟨s_out⟩ for each input row (shape ``(rows, n_out)``).

        Parameters
        ----------
        x : array
            One input (``n_in``) or a batch (``rows × n_in``) of ±1 spins.
        backend : str, Backend or dimod.Sampler
            Any backend: "exact", "gibbs", "anneal", or a wrapped sampler.
        **options
            Passed to the backend's ``moments`` (``num_reads``, ``num_sweeps``, ``seed``...).
        """
        rows = check_spins(x, len(self.inputs), "x")
        machine = get(backend)
        means = np.empty((rows.shape[0], len(self.outputs)))
        for r, row in enumerate(rows):
            clamp = {label: int(value) for label, value in zip(self.inputs, row)}
            moments = machine.moments(self.bqm, beta=self.beta, clamp=clamp, **options)
            index = moments.index
            means[r] = [moments.mean[index[label]] for label in self.outputs]
        return means

    def predict_class(self, x: Any, backend: Any = "exact", **options: Any) -> np.ndarray:
        """The class of each input row, read from the output magnetisations :meth:`output_means`.

        A multi-class network (``info["readout"] == "argmax"``, e.g. a softmax
        ``MLPClassifier``) answers the class whose output spin has the largest
        ⟨s⟩; a one-output network answers 1 where ⟨s⟩ > 0, else 0.  Indices
        become the network's class labels where it had them (``info["classes"]``).

        Examples
        --------
        >>> import numpy as np
        >>> from isingbridge.circuits import FeedForward, compile_network
        >>> W1, W2 = np.eye(2), np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])   # three classes
        >>> net = FeedForward([(W1, np.zeros(2)), (W2, np.zeros(3))], readout="argmax", classes=["both", "none", "first"])
        >>> compile_network(net).predict_class([[1, 1], [-1, -1], [1, -1]]).tolist()
        ['both', 'none', 'first']
        """
        means = self.output_means(x, backend, **options)
        return read_classes(means, self.info.get("readout", "sign"), self.info.get("classes"))

    def sampler_outputs(self, x: Any, sampler: Any, *, num_reads: int = 100, **options: Any) -> np.ndarray:
        """Mean output spins when a dimod sampler runs the clamped circuit (:meth:`to_hardware`'s ``outputs``)."""
        return self.to_hardware(x, sampler, num_reads=num_reads, **options).outputs

    def to_hardware(self, x: Any, sampler: Any, targets: Any = None, *, num_reads: int = 100,
                    **options: Any) -> HardwareRun:
        """Run the clamped circuit on a dimod sampler (an annealer, a QPU) for each input row.

        The sampler is used through the adapter of :func:`isingbridge.backends.get`:
        inputs are fixed before submission, the model is scaled into the
        device's ``h_range``/``j_range``; with an ``EmbeddingComposite`` it is
        embedded by minorminer and outputs are read back through the chains,
        whose break fractions and sizes are reported.  Zero-temperature
        (sign-network) circuits read their answer from it directly.

        Parameters
        ----------
        x : (n_inputs,) or (n_rows, n_inputs) spins
        sampler : dimod.Sampler or backend
        targets : (n_rows, n_outputs) spins, optional
            When given, the run's per-bit and worst-case correctness are computed.
        num_reads : int
            Reads per input row.

        Examples
        --------
        >>> import numpy as np, dimod
        >>> from isingbridge.circuits import compile_network
        >>> layers = [(np.array([[1.0, 1.0]]), np.array([0.5])), (np.array([[1.0]]), np.array([0.0]))]
        >>> circuit = compile_network(layers, activation="sign", lam=0.5)   # an OR gate through one hidden spin
        >>> annealer = dimod.SimulatedAnnealingSampler()   # annealed cold enough (final β 20) to end in the ground state
        >>> run = circuit.to_hardware([[1, 1], [-1, -1]], annealer, [[1], [-1]], num_reads=5, beta_range=(0.1, 20))
        >>> run.worst
        1.0
        """
        rows = check_spins(x, len(self.inputs), "x")
        num_reads = check_positive_int(num_reads, "num_reads")
        Y = None if targets is None else check_spins(targets, len(self.outputs), "targets")
        if Y is not None and Y.shape[0] != rows.shape[0]:
            raise ValueError(f"targets has {Y.shape[0]} rows but x has {rows.shape[0]}")
        machine = get(sampler)
        if "return_embedding" in getattr(machine, "extra_parameters", ()):
            options.setdefault("return_embedding", True)
        outputs = np.empty((rows.shape[0], len(self.outputs)))
        breaks = np.full(rows.shape[0], np.nan)
        qubits, longest = 0, 0
        for r, row in enumerate(rows):
            clamp = {label: int(value) for label, value in zip(self.inputs, row)}
            sampleset = machine.sample(self.bqm, clamp=clamp, num_reads=num_reads, **options)
            columns = [sampleset.variables.index(label) for label in self.outputs]
            weights = sampleset.record.num_occurrences
            outputs[r] = np.average(sampleset.record.sample[:, columns], axis=0, weights=weights)
            if "chain_break_fraction" in sampleset.record.dtype.names:
                breaks[r] = float(np.average(sampleset.record.chain_break_fraction, weights=weights))
            embedding = sampleset.info.get("sampler_info", {}).get("embedding_context", {}).get("embedding", {})
            qubits = max(qubits, sum(len(chain) for chain in embedding.values()))
            longest = max(longest, max((len(chain) for chain in embedding.values()), default=0))
        per_bit = worst = None
        if Y is not None:
            per_bit = Y * outputs
            worst = float(per_bit.min())
        return HardwareRun(outputs, breaks, qubits or None, longest or None, per_bit, worst)

    def ground_outputs(self, x: Any) -> np.ndarray:
        """Output spins of the clamped ground state for each input row (exact enumeration)."""
        rows = check_spins(x, len(self.inputs), "x")
        exact = get("exact")
        assert isinstance(exact, ExactBackend)
        out = np.empty((rows.shape[0], len(self.outputs)))
        for r, row in enumerate(rows):
            sample = exact.ground_states(self.bqm, clamp=dict(zip(self.inputs, map(int, row))), max_states=1).first.sample
            out[r] = [sample[label] for label in self.outputs]
        return out

    def to_serializable(self) -> dict:
        """A JSON-ready dict: dimod's serialised BQM plus the roles, β and λ (tuple labels as lists)."""
        return {
            "type": "isingbridge.IsingCircuit", "version": FORMAT_VERSION, "bqm": self.bqm.to_serializable(),
            "inputs": [encode_label(v) for v in self.inputs], "hidden": [encode_label(v) for v in self.hidden],
            "outputs": [encode_label(v) for v in self.outputs], "beta": self.beta, "lam": self.lam,
        }

    @classmethod
    def from_serializable(cls, data: Any) -> IsingCircuit:
        """Inverse of :meth:`to_serializable` (labels written as lists come back as tuples, as dimod's do).

        Raises
        ------
        ValueError or TypeError
            Saying what is wrong, for anything that is not a serialised circuit of a known version.
        """
        if not isinstance(data, dict) or data.get("type") != "isingbridge.IsingCircuit":
            raise ValueError("not a serialised IsingCircuit (missing type 'isingbridge.IsingCircuit')")
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"serialised circuit has format version {data.get('version')!r}; this isingbridge reads "
                             f"version {FORMAT_VERSION} (a newer version needs a newer isingbridge)")
        missing = [key for key in ("bqm", "inputs", "hidden", "outputs", "beta") if key not in data]
        if missing:
            raise ValueError(f"serialised circuit lacks the entries {missing}")
        if not isinstance(data["bqm"], dict):
            raise ValueError(f"the circuit's 'bqm' entry must be a dimod-serialised BQM (a JSON object), "
                             f"got {type(data['bqm']).__name__}")
        try:
            bqm = dimod.BinaryQuadraticModel.from_serializable(data["bqm"])
        except Exception as error:  # dimod raises several types for malformed input
            raise ValueError(f"the circuit's 'bqm' entry is not a dimod-serialised BQM "
                             f"({type(error).__name__}: {error})") from None
        roles = {}
        for key in ("inputs", "hidden", "outputs"):
            if not isinstance(data[key], list):
                raise ValueError(f"the circuit's {key!r} entry must be a list of labels, got {type(data[key]).__name__}")
            roles[key] = [decode_label(v) for v in data[key]]
        return cls(bqm, roles["inputs"], roles["hidden"], roles["outputs"], data["beta"], data.get("lam"))

    def scaled(self, factor: float) -> IsingCircuit:
        """The same Boltzmann distribution with energies × ``factor`` and β / ``factor`` (``factor`` > 0)."""
        factor = check_positive(factor, "factor")
        bqm = self.bqm.copy()
        bqm.scale(factor)
        return IsingCircuit(bqm, self.inputs, self.hidden, self.outputs, self.beta / factor, self.lam, dict(self.info))


def layer_labels(sizes: list[int]) -> list[list]:
    """Spin labels of every layer, input first."""
    labels: list[list] = [[("in", i) for i in range(sizes[0])]]
    for depth, width in enumerate(sizes[1:-1], start=1):
        labels.append([("hidden", depth, j) for j in range(width)])
    labels.append([("out", k) for k in range(sizes[-1])])
    return labels


def layer_scale(lam: float, depth: int) -> float:
    """λ^(depth−1), refused where it leaves the floating-point range (the layer would vanish or explode)."""
    try:
        scale = lam ** (depth - 1)
    except OverflowError:
        scale = float("inf")
    if not (0 < scale < float("inf")):
        raise ValueError(f"lam={lam:g} gives layer {depth} the factor lam^{depth - 1}, outside the floating-point range; "
                         "choose lam closer to 1")
    return scale


def compile_network(net: Any, *, beta: float = 1.0, lam: float = 0.1, activation: str | None = None) -> IsingCircuit:
    """Compile a trained network into an :class:`IsingCircuit` (see the module docstring).

    Parameters
    ----------
    net : sklearn MLP (tanh) or Pipeline ending in one, list of (W, b), FeedForward or torch-like module
        Anything :func:`~isingbridge.circuits.as_network` reads.  A multi-class (softmax)
        classifier gets one output spin per class; read it with :meth:`IsingCircuit.predict_class`.
    beta : float
        Inverse temperature to run the circuit at (1 for Theorem 5.1).
    lam : float
        Temperature gradient λ > 0: layer ℓ's couplings and fields are scaled by λ^(ℓ−1).
    activation : {"tanh", "sign"}, optional
        Hidden activation of a list of (W, b) (default "tanh").

    Raises
    ------
    ValueError
        For λ or β not positive and finite, mismatched shapes, or a tanh network with more than
        one hidden layer (only sign networks compile at any depth).
    """
    lam = check_positive(lam, "lam")
    beta = check_beta(beta)
    network: FeedForward = as_network(net, activation)
    if network.activation == "tanh" and network.depth > 2:
        raise ValueError(
            f"a tanh network with {network.depth - 1} hidden layers has no correctness guarantee: the compiler "
            "supports shallow tanh networks (one hidden layer, Theorem 5.1) and sign networks of any depth (Theorem 6.1)"
        )
    labels = layer_labels(network.sizes)
    bqm = dimod.BQM({label: 0.0 for layer in labels for label in layer}, {}, 0.0, dimod.SPIN)
    with np.errstate(over="ignore"):  # an overflow is refused just below, with a message
        for depth, (W, b) in enumerate(network.layers, start=1):
            scale = layer_scale(lam, depth)
            for j, target in enumerate(labels[depth]):
                bqm.add_linear(target, -scale * b[j])
                for i, source in enumerate(labels[depth - 1]):
                    if W[j, i] != 0:
                        bqm.add_quadratic(source, target, -scale * W[j, i])
    vectors = bqm.to_numpy_vectors()  # dimod types the result as a union with the labelled form
    linear, quadratic = vectors.linear_biases, vectors.quadratic[2]
    if not (np.all(np.isfinite(linear)) and np.all(np.isfinite(quadratic))):
        raise ValueError("the weights times lam^(l-1) overflow to infinity; rescale the network or choose lam closer to 1")
    hidden = [label for layer in labels[1:-1] for label in layer]
    return IsingCircuit(bqm, labels[0], hidden, labels[-1], beta, lam,
                        info={"activation": network.activation, "sizes": network.sizes,
                              "readout": network.readout, "classes": network.classes})
