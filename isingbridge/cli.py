"""The ``isingbridge`` command line.

``isingbridge`` alone prints the help; ``isingbridge --version`` the version.

Subcommands
-----------
``isingbridge demo``
    One model sampled by every installed backend, next to the exact values.
``isingbridge backends``
    The backends installed here and their size limits.
``isingbridge compile NET --beta B --lam L -o circuit.json`` / ``isingbridge correctness circuit.json table.npz``
    Compile a trained network and measure a circuit's worst-case correctness.  On a
    sampling backend it prints the standard error and a verdict from binomial
    bounds: correct, NOT correct, or consistent with correct (within noise).
``isingbridge sample MODEL.json --backend NAME --beta B --num-reads N``
    Read a dimod-serialised BQM (``json.dump(bqm.to_serializable(), f)``),
    sample it, and write a dimod-serialised SampleSet (``--moments`` writes a
    JSON of the moments instead).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import dimod
import numpy as np

from isingbridge import __version__
from isingbridge.demo import DEMO_SPINS
from isingbridge.files import atomic_write_text, check_writable
from isingbridge.validation import check_beta, check_int, check_memory, check_positive_int, check_real

__all__ = ["main", "build_parser", "correctness_bounds"]

TABLE_LAYOUT = "an .npz holding arrays X (inputs) and Y (outputs), rows of -1/+1, as np.savez(path, X=X, Y=Y) writes"


def _checked(parse: Callable[[str], Any], check: Callable[..., Any], **bounds: Any) -> Callable[[str], Any]:
    """An argparse ``type``: parse the text, then validate it, so a bad value is a usage error naming the option."""
    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if parse is int else 'a number'}") from None
        try:
            return check(value, "value", **bounds)
        except (TypeError, ValueError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return convert


def _read_json(path: str, what: str) -> Any:
    """The JSON document in ``path``, or a ``ValueError`` saying why it cannot be read."""
    source = Path(path)
    if not source.exists():
        raise ValueError(f"no such {what}: {path}")
    if source.is_dir():
        raise ValueError(f"{path} is a folder; give the {what} itself")
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file (JSON is UTF-8 text); give the {what}") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{path} is not JSON ({error})") from None


def _parse_clamp(text: str | None, bqm: dimod.BinaryQuadraticModel) -> dict:
    """``"a=1,b=-1"`` → ``{label: ±1}``, matching labels by their ``str``."""
    if not text:
        return {}
    by_name = {str(v): v for v in bqm.variables}
    clamp = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            raise ValueError(f"--clamp entries look like label=+1 or label=-1, got {item!r}")
        if name not in by_name:
            raise ValueError(f"--clamp label {name!r} is not a variable of the model")
        if by_name[name] in clamp:
            raise ValueError(f"--clamp gives {name!r} twice")
        try:
            clamp[by_name[name]] = int(value)
        except ValueError:
            raise ValueError(f"--clamp value for {name!r} must be an integer spin, got {value!r}") from None
    return clamp


def _load_bqm(path: str) -> dimod.BinaryQuadraticModel:
    data = _read_json(path, "model file")
    try:
        return dimod.BinaryQuadraticModel.from_serializable(data)
    except Exception as error:  # dimod raises several types for malformed input
        raise ValueError(
            f"{path} is not a dimod-serialised BQM ({error}); write one with json.dump(bqm.to_serializable(), f)"
        ) from None


def _check_sampleset_size(num_reads: int, num_variables: int) -> None:
    """Refuse, before sampling, a SampleSet whose JSON text would not fit in memory."""
    # measured peak per read: ~600 bytes of Python objects (energy, occurrences) plus up to 16 a spin
    check_memory(num_reads * (640.0 + 16.0 * num_variables), f"writing {num_reads} reads of {num_variables} spins as JSON",
                 "lower --num-reads (or use --moments for averages)")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def _cmd_sample(args: argparse.Namespace) -> int:
    from isingbridge.backends import get

    if args.output:
        check_writable(args.output, "--output")
    bqm = _load_bqm(args.model)
    clamp = _parse_clamp(args.clamp, bqm)
    num_reads = 100 if args.num_reads is None else args.num_reads
    if not args.moments:
        _check_sampleset_size(num_reads, bqm.num_variables)
    try:
        if args.device is not None and args.backend != "gibbs":
            raise ValueError(f"--device applies to the gibbs backend only, not {args.backend!r}")
        backend = get(args.backend, **({} if args.device is None else {"device": args.device}))
        if args.moments:
            if backend.exact and args.num_reads is not None:
                raise ValueError(f"--num-reads does not apply to the moments of the {args.backend} backend, which are "
                                 "exact; leave it out")
            options = {} if backend.exact else {"num_reads": num_reads}
            m = backend.moments(bqm, beta=args.beta, clamp=clamp, seed=args.seed, **options)
            payload = {
                "variables": [str(v) for v in m.variables], "mean": m.mean, "corr": m.corr, "energy": m.energy,
                "log_z": m.log_z, "stderr": m.stderr, "rhat": m.rhat, "ess": m.ess,
                "pairs": m.pairs, "pair_corr": m.pair_corr,  # positions in "variables"; corr is null then
                "beta": args.beta, "backend": args.backend,
            }
            text = json.dumps({k: _jsonable(v) for k, v in payload.items()}, allow_nan=True)
        else:
            sampleset = backend.sample(bqm, beta=args.beta, num_reads=num_reads, clamp=clamp, seed=args.seed)
            text = json.dumps(sampleset.to_serializable(use_bytes=False), default=_jsonable)
    except RuntimeError as error:  # a device that fails at run time (CUDA) is the user's setup, not a bug
        raise SystemExit(f"error: {error}") from None
    if args.output:
        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text + "\n")
    return 0


def _cmd_backends(args: argparse.Namespace) -> int:
    from isingbridge.backends import available

    for name, limits in available().items():
        print(f"{name:<14}{limits}")
    print(f"{'<sampler>':<14}any dimod.Sampler via isingbridge.backends.get(sampler)")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from isingbridge.demo import run_demo, run_pipeline

    run_demo(seed=args.seed, num_spins=args.spins)
    run_pipeline(seed=args.seed)
    return 0


def _load_network(path: str, activation: str):
    """The network in ``path``: ``.npz`` or ``.json`` weights, or a scikit-learn MLP saved with skops (``.skops``).

    Layouts (:func:`isingbridge.persistence.load_network`): ``.npz`` holds
    arrays ``W1, b1, W2, b2, ...`` with ``W`` shaped ``(n_out, n_in)``;
    ``.json`` holds ``{"layers": [{"W": [[...]], "b": [...]}, ...]}``.  Pickles
    are never loaded (they can run code): they, and every unreadable file,
    end the command with ``error: ...`` naming the safe formats.
    """
    from isingbridge.persistence import load_network

    if not Path(path).exists():
        raise SystemExit(f"error: no such network file: {path}")
    try:
        return load_network(path, activation)
    except (OSError, TypeError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None


def _cmd_compile(args: argparse.Namespace) -> int:
    from isingbridge.circuits import compile_network
    from isingbridge.files import atomic_write_text

    net = _load_network(args.network, args.activation)
    try:
        circuit = compile_network(net, beta=args.beta, lam=args.lam, activation=args.activation)
        atomic_write_text(args.output, json.dumps(circuit.to_serializable(), default=_jsonable))
    except (OSError, TypeError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None
    print(f"wrote {args.output}: {len(circuit.inputs)} inputs, {len(circuit.hidden)} hidden, "
          f"{len(circuit.outputs)} outputs, beta={circuit.beta}, lambda={circuit.lam}")
    return 0


def _cmd_correctness(args: argparse.Namespace) -> int:
    from isingbridge.backends import get
    from isingbridge.circuits import IsingCircuit, correctness
    from isingbridge.circuits.correctness import truth_table

    try:
        circuit = IsingCircuit.from_serializable(_read_json(args.circuit, "circuit file"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"cannot read circuit {args.circuit}: {error}") from None
    X, Y = _load_truth_table(args.table)
    try:
        X, Y = truth_table(X, Y, len(circuit.inputs), len(circuit.outputs))
    except (TypeError, ValueError) as error:
        raise ValueError(f"truth table {args.table} does not fit the circuit: {error}") from None
    backend = get(args.backend)
    options = {} if backend.exact else {"num_reads": args.num_reads, "seed": args.seed}
    result = correctness(circuit, X, Y, backend=backend, **options)
    where = f"on {args.backend}, beta={circuit.beta}"
    if backend.exact:
        print(f"worst-case correctness c = {result.worst:.6f} ({'correct' if result.correct else 'NOT correct'}) {where}")
    else:
        print(_sampled_verdict(result.values, args.num_reads, args.confidence, where))
    for row, values in enumerate(result.values):
        print(f"  input {row:3d}: " + " ".join(f"{v:+.4f}" for v in values))
    return 0


def correctness_bounds(values: np.ndarray, num_reads: int, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Simultaneous one-sided bounds on each correctness value c = 2p − 1 measured from ``num_reads`` reads.

    Each value is read as the mean of ``num_reads`` independent ±1 draws, p
    the chance of the right sign; Clopper–Pearson bounds on p at level
    ``1 − (1 − confidence) / m`` for the ``m`` values (Bonferroni) hold for
    all of them at once with probability ``confidence``.  Exact for
    annealing reads; conservative for conditional means (Gibbs), whose
    variance is smaller than that of the spins.

    Examples
    --------
    >>> import numpy as np
    >>> lower, upper = correctness_bounds(np.array([0.05, 0.5]), 128, 0.95)
    >>> bool(lower[0] < 0 < upper[0]), bool(lower[1] > 0)
    (True, True)
    """
    from scipy.stats import beta as beta_law

    alpha = (1.0 - confidence) / values.size
    right = num_reads * (1.0 + values) / 2.0  # reads with the right sign
    with np.errstate(invalid="ignore", divide="ignore"):  # the ends: no reads on one side
        low_p = np.where(right > 0, beta_law.ppf(alpha, np.maximum(right, 1e-300), num_reads - right + 1), 0.0)
        high_p = np.where(right < num_reads, beta_law.ppf(1 - alpha, right + 1, np.maximum(num_reads - right, 1e-300)), 1.0)
    return 2.0 * low_p - 1.0, 2.0 * high_p - 1.0


def _sampled_verdict(values: np.ndarray, num_reads: int, confidence: float, where: str) -> str:
    """The worst value with its standard error, and a verdict that tells a sure answer from noise."""
    lower, upper = correctness_bounds(values, num_reads, confidence)
    worst = np.unravel_index(np.argmin(values), values.shape)
    stderr = math.sqrt(max(0.0, 1.0 - float(values[worst]) ** 2) / num_reads)
    level = f"{100 * confidence:g}%"
    head = (f"worst-case correctness c = {values[worst]:.4f} ± {stderr:.4f} (standard error, {num_reads} reads "
            f"per input) {where}")
    if lower.min() > 0:
        verdict = f"correct: every bit's {level} lower bound is above 0 (lowest {lower.min():+.4f})"
    elif upper.min() < 0:
        row, bit = np.unravel_index(np.argmin(upper), upper.shape)
        verdict = f"NOT correct: output bit {bit} on input {row} is wrong beyond noise ({level} upper bound {upper.min():+.4f})"
    else:
        verdict = (f"consistent with correct: no bit is wrong beyond noise ({level} bounds of the worst bit "
                   f"[{lower[worst]:+.4f}, {upper[worst]:+.4f}]); raise --num-reads to resolve the margin")
    return f"{head}\n{verdict}"


def _load_truth_table(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrays X and Y of a truth-table ``.npz``, read without unpickling, or a ``ValueError`` naming the file."""
    from isingbridge.persistence import read_npz_arrays

    table = read_npz_arrays(path, TABLE_LAYOUT)
    missing = [key for key in ("X", "Y") if key not in table]
    if missing:
        raise ValueError(f"{path} lacks the array(s) {', '.join(missing)}; give {TABLE_LAYOUT}")
    return table["X"], table["Y"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(prog="isingbridge", description="Machine learning on Ising-type machines.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    seed_type = _checked(int, check_int, minimum=0)
    reads_type = _checked(int, check_positive_int)

    demo = sub.add_parser("demo", help="every installed backend next to exact values, then train, compile, tune, "
                                       "quantise and run a full adder")
    demo.add_argument("--seed", type=seed_type, default=0, help="seed of the sampling backends (default 0)")
    demo.add_argument("--spins", type=_checked(int, check_int, minimum=DEMO_SPINS[0], maximum=DEMO_SPINS[1]), default=10,
                      help=f"model size, {DEMO_SPINS[0]} to {DEMO_SPINS[1]} (default 10)")
    demo.set_defaults(run=_cmd_demo)

    backends = sub.add_parser("backends", help="list installed backends and their limits")
    backends.set_defaults(run=_cmd_backends)

    sample = sub.add_parser("sample", help="sample a dimod-serialised BQM (JSON)")
    sample.add_argument("model", help="BQM JSON written by json.dump(bqm.to_serializable(), f)")
    sample.add_argument("--backend", default="exact", help="backend name (see `isingbridge backends`)")
    sample.add_argument("--beta", type=_checked(float, check_beta), default=1.0, help="inverse temperature (default 1)")
    sample.add_argument("--num-reads", type=reads_type, default=None,
                        help="number of samples (default 100; not for --moments on an exact backend)")
    sample.add_argument("--clamp", help="fixed spins, e.g. a=1,b=-1")
    sample.add_argument("--seed", type=seed_type, default=None, help="integer >= 0 (default: not reproducible)")
    sample.add_argument("--device", choices=["cpu", "cuda", "auto"], help="gibbs backend: where the chains run")
    sample.add_argument("--moments", action="store_true",
                        help="write moments (mean, corr or pairs + pair_corr, energy, log_z, stderr, rhat, ess) "
                             "instead of samples")
    sample.add_argument("-o", "--output", help="write to this file instead of stdout")
    sample.set_defaults(run=_cmd_sample)

    comp = sub.add_parser("compile", help="compile a trained network (.npz or .json weights, or a scikit-learn MLP "
                                          "saved with skops) to a circuit JSON; pickles are never loaded")
    comp.add_argument("network", help='.npz with arrays W1, b1, W2, b2, ... (W shaped (n_out, n_in)); .json as '
                                      '{"layers": [{"W": [[...]], "b": [...]}, ...]}; or .skops (skops.io.dump of '
                                      'a fitted tanh MLPClassifier/MLPRegressor)')
    comp.add_argument("--beta", type=float, default=1.0, help="inverse temperature of the circuit (default 1)")
    comp.add_argument("--lam", type=float, default=0.1, help="temperature gradient lambda (default 0.1)")
    comp.add_argument("--activation", choices=["tanh", "sign"], default="tanh",
                      help="hidden activation of an .npz or .json network")
    comp.add_argument("-o", "--output", default="circuit.json", help="circuit JSON to write (default circuit.json)")
    comp.set_defaults(run=_cmd_compile)

    corr = sub.add_parser("correctness", help="worst-case correctness of a circuit JSON on a truth table (.npz with X, Y)")
    corr.add_argument("circuit", help="circuit JSON written by `isingbridge compile`")
    corr.add_argument("table", help=TABLE_LAYOUT)
    corr.add_argument("--backend", default="exact", help="backend name (see `isingbridge backends`; default exact)")
    corr.add_argument("--num-reads", type=reads_type, default=128,
                      help="samples per input on sampling backends (default 128)")
    corr.add_argument("--confidence", type=_checked(float, check_real, low=0.0, high=1.0, low_open=True, high_open=True),
                      default=0.95, help="confidence of the sampled verdict's bounds, in (0, 1) (default 0.95)")
    corr.add_argument("--seed", type=seed_type, default=0, help="seed of sampling backends (integer >= 0)")
    corr.set_defaults(run=_cmd_correctness)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``isingbridge`` console script; with no command it prints the help."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (TypeError, ValueError) as error:  # the library's messages name what is wrong and what is allowed
        raise SystemExit(f"error: {error}") from None
    except OSError as error:
        raise SystemExit(f"error: {error}") from None
    except MemoryError:
        raise SystemExit("error: out of memory; ask for fewer reads (--num-reads) or a smaller model") from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
