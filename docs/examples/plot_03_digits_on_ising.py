"""
Handwritten digits on an Ising circuit
======================================

The multiplier example compiles a 12-neuron network; this one compiles a classifier.  A
64-16-10 tanh network is trained on scikit-learn's 8×8 digits with every pixel binarised to
±1, compiled to a BQM of 90 spins (the 64 inputs clamped) and run on the Gibbs backend:
the circuit's class is the output spin with the largest thermal average ⟨s_out⟩.  The
question is how much accuracy the trip from floating-point network to sampled Ising
circuit costs.
"""

# %%
# Data and network
# ----------------
# A seeded, stratified 80/20 split; 120 of the 360 test images are run on the circuit
# to keep this page quick.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from isingbridge import ConvergenceWarning
from isingbridge.circuits import as_network, compile_network, mean_field_means
from isingbridge.datasets import load_digits_binary

pixels, labels = load_digits_binary()  # pixels ≥ 8 of 16 → 1
X = 2.0 * pixels - 1.0                  # ±1 spins
X_train, X_test, y_train, y_test = train_test_split(X, labels, test_size=0.2, stratify=labels, random_state=0)
X_test, y_test = X_test[:120], y_test[:120]

mlp = MLPClassifier(hidden_layer_sizes=(16,), activation="tanh", alpha=1e-3, max_iter=2000,
                    random_state=0).fit(X_train, y_train)
network = as_network(mlp)
network_accuracy = float(np.mean(network.preactivation(X_test).argmax(axis=1) == y_test))
print(f"float network 64-16-10: test accuracy {network_accuracy:.4f} on {len(y_test)} images")

# %%
# Compile
# -------
# At β = 1 the hidden spins reproduce tanh of the network's pre-activations up to O(λ)
# feedback from the outputs, and the outputs read ≈ λ times the network's output
# pre-activations.  λ is chosen by naive mean field on 300 training images (the
# :func:`~isingbridge.circuits.mean_field_means` surrogate, no sampling).
rows = X_train[:300], y_train[:300]


def mean_field_accuracy(lam: float) -> tuple[float, float]:
    """(accuracy, mean |output|) on the training rows: ties go to the larger, easier-to-read signal."""
    means = mean_field_means(network, rows[0], 1.0, lam)
    return float(np.mean(means.argmax(axis=1) == rows[1])), float(np.abs(means).mean())


lam = float(max(np.geomspace(1e-3, 0.5, 12), key=mean_field_accuracy))
circuit = compile_network(network, beta=1.0, lam=lam)
print(f"lambda = {lam:.3g}: {circuit.bqm.num_variables} spins, {circuit.bqm.num_interactions} couplings")

# %%
# Run the test images on the Gibbs backend
# ----------------------------------------
# One ``output_means`` call per image: its pixels are clamped, 32 chains of 300 sweeps
# sample the hidden and output spins.  About 6 % of the hidden pre-activations a have
# :math:`|a| \ge 5` (the largest reach 10); such a spin flips with probability
# :math:`\approx e^{-2|a|} \le e^{-10}` per update, so it may never flip in the
# 32 × 300 updates, and then the backend gives it an infinite standard error and raises
# a ``ConvergenceWarning``.  That is expected here — the spin's mean (±1) is right and the
# outputs we read do move — so the warnings are counted and printed instead of shown one
# by one.
means = np.empty((len(y_test), 10))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    for row, image in enumerate(X_test):
        means[row] = circuit.output_means(image, backend="gibbs", num_reads=32, num_sweeps=300, seed=row,
                                          compute_corr=False)[0]
kinds = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
for w in caught:
    if not issubclass(w.category, ConvergenceWarning):
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)  # anything else is shown
frozen = sum("never changed" in message for message in kinds)
circuit_accuracy = float(np.mean(means.argmax(axis=1) == y_test))
field_accuracy = float(np.mean(mean_field_means(network, X_test, 1.0, lam).argmax(axis=1) == y_test))
print(f"circuit on gibbs: test accuracy {circuit_accuracy:.4f} "
      f"({frozen} of {len(y_test)} images had a never-flipping spin; {len(kinds) - frozen} other convergence warnings)")
print(f"circuit in naive mean field: test accuracy {field_accuracy:.4f}")

# %%
# Left, the three accuracies on the same 120 images.  Right, the circuit's output
# magnetisations for the first twelve of them (columns: classes 0–9; the box marks the
# true class): the outputs are small numbers (of order λ times the network's output
# pre-activations) whose argmax is the answer.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 1.6]})
names = ["float network", "circuit,\nmean field", "circuit,\nGibbs sampled"]
values = [network_accuracy, field_accuracy, circuit_accuracy]
left.bar(names, values, color=["0.5", "tab:orange", "tab:blue"])
for x, value in enumerate(values):
    left.text(x, value + 0.01, f"{value:.3f}", ha="center")
left.set(ylim=(0, 1.08), ylabel="test accuracy (120 images)", title="accuracy")
shown = means[:12]
limit = np.abs(shown).max()
image = right.imshow(shown, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
for r, label in enumerate(y_test[:12]):
    right.add_patch(plt.Rectangle((label - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="k", linewidth=1.5))
right.set(xlabel="output spin (class)", ylabel="test image", title="⟨s_out⟩ on the Gibbs backend", xticks=range(10))
fig.colorbar(image, ax=right)
fig.tight_layout()
plt.show()

# %%
# At full size
# ------------
# ``python examples/digits_on_ising.py`` (5.5 min on two cores) trains a 64-32-10
# network, runs all 360 test images with 64 chains × 1000 sweeps, and also quantises the
# circuit to 4-bit integers in [−7, 7].  It reports test accuracy 0.9278 for the float
# network, 0.9222 for the float circuit and 0.9139 for the 4-bit integer circuit (a gap of
# 1.4 points to the network).
