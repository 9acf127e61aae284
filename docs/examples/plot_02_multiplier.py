"""
A 2-bit multiplier as an Ising circuit
======================================

The correspondence between layered networks and Ising circuits
(:ref:`Moore 2025 <ref-correspondence>`): a tanh network trained on the
16-row truth table of p = a·b (inputs a₁a₀b₁b₀, outputs p₃p₂p₁p₀, all ±1) becomes a BQM with
one spin per neuron, J_ij = −λ^(ℓ−1) W_ji between layers and the inputs clamped.  At
inverse temperature β the circuit's answer is the sign of the thermal average ⟨s_out⟩, and
its worst-case correctness (Eq. 18)

.. math:: c = \\min_{x, j}\\; y_j(x)\\,\\langle s_j\\rangle_x

is positive exactly when every output bit of every input has the right sign.  c depends on
(β, λ): too hot and the outputs drown in noise, λ too large and the output layer's
feedback spoils the hidden layer.  This example draws c(β, λ).
"""

# %%
# Train the network
# -----------------
# A 4-4-4 tanh regressor (scikit-learn, L-BFGS) that gets all 64 output bits right.
import itertools

import matplotlib.pyplot as plt
import numba
import numpy as np
from sklearn.neural_network import MLPRegressor

from isingbridge.circuits import compile_network, correctness, correctness_map, plot_spin_correctness

X, Y = [], []
for a, b in itertools.product(range(4), repeat=2):
    X.append([2 * ((v >> bit) & 1) - 1 for v in (a, b) for bit in (1, 0)])
    Y.append([2 * ((a * b >> bit) & 1) - 1 for bit in (3, 2, 1, 0)])
X, Y = np.array(X, float), np.array(Y, float)

for seed in range(8, 58):  # the first seed whose network gets every bit right (seed 8 does)
    net = MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", alpha=1e-2,
                       max_iter=5000, tol=1e-10, random_state=seed).fit(X, Y)
    if np.all(np.sign(net.predict(X)) == Y):
        break
print(f"network seed {seed}: all 64 output bits right, training loss {net.loss_:.4f}")

circuit = compile_network(net, beta=1.0, lam=0.05)
print(f"compiled at beta = 1, lambda = 0.05: {circuit.bqm.num_variables} spins, "
      f"c = {correctness(circuit, X, Y).worst:+.4f} (exact backend)")

# %%
# Correctness over (β, λ)
# -----------------------
# :func:`~isingbridge.circuits.correctness_map` compiles the network at every grid point
# and computes c on a backend; here the exact one on a 6×6 grid (each point enumerates the
# 2⁸ states of the 8 free spins for each of the 16 inputs) and the naive mean-field
# surrogate, which the tuner searches, on a 30×30 grid.  On arrays of 2⁸ entries the exact
# backend's parallel kernels spend more time synchronising threads than computing (on a
# busy two-core machine this grid took 2–3× longer with two numba threads than with one),
# so the exact map runs numba on one thread.
betas, lams = np.geomspace(0.1, 30, 6), np.geomspace(1e-3, 1, 6)
numba_threads = numba.get_num_threads()
numba.set_num_threads(1)
exact_map = correctness_map(net, X, Y, betas, lams, backend="exact")
numba.set_num_threads(numba_threads)
beta, lam, worst = exact_map.best()
print(f"exact, 6x6 grid: best c = {worst:+.4f} at beta = {beta:.3g}, lambda = {lam:.3g}")

field_map = correctness_map(net, X, Y, np.geomspace(0.1, 30, 30), np.geomspace(1e-3, 1, 30), backend="mean-field")
mf_beta, mf_lam, mf_worst = field_map.best()
print(f"mean field, 30x30 grid: best c = {mf_worst:+.4f} at beta = {mf_beta:.3g}, lambda = {mf_lam:.3g}")

best = correctness(compile_network(net, beta=beta, lam=lam), X, Y)

# %%
# Blue is correct, red wrong, white undecided; the dashed line is the isotherm β = 1 on
# which the paper's Theorem 5.1 guarantees correctness for small enough λ.  The right
# panel shows y_j(x)⟨s_j⟩ for every input and output bit at the best exact grid point.
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), gridspec_kw={"width_ratios": [3, 3, 1.3]})
exact_map.plot(ax=axes[0], title="exact backend, 6×6 grid")
field_map.plot(ax=axes[1], title="mean-field surrogate, 30×30 grid")
plot_spin_correctness(best, ax=axes[2], title=f"per spin, c = {best.worst:.3f}")
fig.tight_layout()
plt.show()

# %%
# At full size
# ------------
# ``python examples/multiplier.py`` (about 1.5 min on two cores) draws the exact map on a
# 30×30 grid, tunes (β, λ) with :func:`~isingbridge.circuits.tune` and quantises the
# circuit to integers.  For network seed 8 it reports c = 0.045 at the tuned point
# (0.055 best on the 30×30 grid); quantised to integers in [−4, 4], round-to-nearest and
# OPTQ give c = −0.084 and −0.086, and OPTQ followed by the exact-enumeration integer
# search (``refine=True``) gives +0.082.
