"""Handwritten digits on an Ising circuit — beyond the paper, which left scaling open.

1. train a tanh classifier on scikit-learn's 8×8 digits, pixels binarised to ±1
   (64 inputs → hidden → 10 outputs; seeded split 80/20);
2. compile it (β = 1, λ chosen by naive mean field on the training set) and run the
   test set on the Gibbs backend: class = argmax of the output spins' averages;
3. quantise to ≤ 4-bit integers (couplings and fields in [−7, 7]) with the §7 recipe,
   choosing (grid, λ₁, k, β) by mean-field training accuracy, and run it on Gibbs too;
4. print the three accuracies side by side (target: quantised within 2 points of float).

Run:  python examples/digits_on_ising.py [--hidden 32] [--q 7] [--reads 64 --sweeps 1000]
"""
from __future__ import annotations

import argparse
import itertools
import time
import warnings

import numpy as np
from tqdm import tqdm

from isingbridge.circuits import as_network, compile_network, integer_circuit, mean_field_means


def load(seed: int):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = np.where(digits.data >= 8, 1.0, -1.0)
    return train_test_split(X, digits.target, test_size=0.2, stratify=digits.target, random_state=seed)


def circuit_accuracy(circuit, X, y, reads, sweeps, seed, label):
    means = np.empty((X.shape[0], len(circuit.outputs)))
    for row in tqdm(range(X.shape[0]), desc=label, leave=False):
        means[row] = circuit.output_means(X[row], backend="gibbs", num_reads=reads, num_sweeps=sweeps,
                                          seed=seed + row, compute_corr=False)[0]
    return float(np.mean(means.argmax(axis=1) == y))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--q", type=int, default=7, help="largest |integer| (7 = 4-bit signed)")
    parser.add_argument("--reads", type=int, default=64)
    parser.add_argument("--sweeps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from sklearn.neural_network import MLPClassifier

    X_train, X_test, y_train, y_test = load(args.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp = MLPClassifier(hidden_layer_sizes=(args.hidden,), activation="tanh", alpha=1e-3, max_iter=2000,
                            random_state=args.seed).fit(X_train, y_train)
    network = as_network(mlp)
    float_accuracy = float(np.mean(network.preactivation(X_test).argmax(axis=1) == y_test))
    print(f"float network (64-{args.hidden}-10 tanh): test accuracy {float_accuracy:.4f}")

    def surrogate(net, beta, lam):
        """(mean-field training accuracy, mean |output|): ties go to the larger, easier-to-read signal."""
        means = mean_field_means(net, X_train, beta, lam)
        return float(np.mean(means.argmax(axis=1) == y_train)), float(np.abs(means).mean())

    lam = max(np.geomspace(1e-3, 0.5, 12), key=lambda value: surrogate(network, 1.0, value))
    circuit = compile_network(network, beta=1.0, lam=float(lam))
    start = time.perf_counter()
    float_circuit_accuracy = circuit_accuracy(circuit, X_test, y_test, args.reads, args.sweeps, args.seed, "float circuit")
    print(f"float circuit (beta=1, lambda={lam:.3g}) on gibbs: test accuracy {float_circuit_accuracy:.4f} "
          f"({time.perf_counter() - start:.0f} s)")

    scale = float(np.abs(np.column_stack(network.layers[0])).max())
    best = None
    for k, factor, lam1, beta in itertools.product((1, 2, 3), (0.5, 1.0, 2.0, 4.0), np.geomspace(0.05, 1.0, 6),
                                                   np.geomspace(0.3, 3.0, 5)):
        if args.q // k < 1:
            continue
        grid = (args.q // k) / scale * factor
        quantized, equivalent = integer_circuit(network, X_train, q=args.q, grid=grid, lam1=lam1, k=k, beta=beta)
        score = surrogate(equivalent, beta, 1.0 / k)
        if best is None or score > best[0]:
            best = (score, quantized, (grid, lam1, k, beta))
    score, quantized, (grid, lam1, k, beta) = best
    largest = max(abs(v) for v in itertools.chain(quantized.bqm.linear.values(), quantized.bqm.quadratic.values()))
    start = time.perf_counter()
    quantized_accuracy = circuit_accuracy(quantized, X_test, y_test, args.reads, args.sweeps, args.seed, "quantised circuit")
    print(f"quantised circuit (mean-field training accuracy {score[0]:.4f}; integers in [-{args.q}, {args.q}], "
          f"largest {largest:.0f}; grid {grid:.3g}, "
          f"lambda1 {lam1:.3g}, k {k}, beta {quantized.beta:.3g}) on gibbs: test accuracy {quantized_accuracy:.4f} "
          f"({time.perf_counter() - start:.0f} s)")
    print()
    print(f"{'float network':<22}{'float circuit':<16}{'quantised circuit':<20}gap to float")
    print(f"{float_accuracy:<22.4f}{float_circuit_accuracy:<16.4f}{quantized_accuracy:<20.4f}"
          f"{100 * (float_accuracy - quantized_accuracy):+.1f} points")


if __name__ == "__main__":
    main()
