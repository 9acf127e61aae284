"""Statevector backend vs qiskit's sparse-matrix route, same Hamiltonians, one run.

Ground state + all ⟨Z_i⟩, ⟨Z_iZ_j⟩, ⟨X_i⟩, ⟨X_iX_j⟩ for n = 8…20 qubits of a dense
Z/ZZ/XX Hamiltonian (N(0,1) fields, N(0,1/n) ZZ couplings, N(0, 0.3²) XX couplings):
  ours : matrix-free Lanczos (Walsh–Hadamard for the XX part) + vectorised correlators
  peer : SparsePauliOp.to_matrix(sparse=True) + scipy eigsh (+ the same cheap correlators)
Thermal (Gibbs-state) expectations at T = 1 for n = 8…12:
  ours : dense eigh split into the two parity sectors
  peer : SparsePauliOp.to_matrix() + numpy eigh on the full space
Each run in a fresh process; memory = extra peak RSS.

Run:  python benchmarks/statevector.py                 (peer up to 18 qubits, a few minutes)
      python benchmarks/statevector.py --max-peer 20   (qiskit needs ~170 s and ~10 GB at 20)
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dimod  # noqa: E402
import numpy as np  # noqa: E402

from _common import print_table, run_isolated  # noqa: E402


def hamiltonian(n: int, seed: int = 0):
    from isingbridge import TransverseIsing

    rng = np.random.default_rng(seed)
    bqm = dimod.BQM({i: rng.normal() for i in range(n)},
                    {(i, j): rng.normal(0, 1 / np.sqrt(n)) for i, j in itertools.combinations(range(n), 2)}, 0.0, "SPIN")
    return TransverseIsing(bqm, xx={(i, j): rng.normal(0, 0.3) for i, j in itertools.combinations(range(n), 2)})


def ours_ground(n: int) -> float:
    from isingbridge import get

    return get("statevector").moments(hamiltonian(n)).energy


def ours_thermal(n: int) -> float:
    from isingbridge import get

    return get("statevector").moments(hamiltonian(n), temperature=1.0).log_z


def _correlators(vector: np.ndarray, n: int) -> None:
    from isingbridge.backends.statevector import fwht, z_statistics

    z_statistics(np.abs(vector) ** 2, n)
    z_statistics(np.abs(fwht(vector.real)) ** 2 / vector.size, n)


def qiskit_ground(n: int) -> float:
    import scipy.sparse.linalg as spla

    matrix = hamiltonian(n).to_sparse_pauli_op().to_matrix(sparse=True)
    values, vectors = spla.eigsh(matrix, k=2, which="SA")
    _correlators(vectors[:, np.argmin(values)], n)
    return float(values.min())


def qiskit_thermal(n: int) -> float:
    matrix = hamiltonian(n).to_sparse_pauli_op().to_matrix()
    values, vectors = np.linalg.eigh(matrix)
    weights = np.exp(-(values - values[0]))
    probabilities = (np.abs(vectors) ** 2) @ weights / weights.sum()
    from isingbridge.backends.statevector import z_statistics

    z_statistics(probabilities, n)
    return float(np.log(weights.sum()) - values[0])


def warm() -> None:
    ours_ground(8)
    ours_thermal(6)


def table(title, sizes, ours, peer, max_peer, tolerance):
    rows = []
    for n in sizes:
        _, t_ours, m_ours, v_ours = run_isolated(ours, n, warmup=warm)
        row = [n, f"{t_ours:.2f}", f"{m_ours:.0f}"]
        if n > max_peer:
            row += ["skipped", "-", "-"]
        else:
            status, t_peer, m_peer, v_peer = run_isolated(peer, n, warmup=warm)
            if status != "ok":
                row += [status, "-", "-"]
            else:
                assert abs(v_peer - v_ours) < tolerance * max(1.0, abs(v_ours)), (n, v_ours, v_peer)
                row += [f"{t_peer:.2f}", f"{m_peer:.0f}", f"{t_peer / t_ours:.1f}x"]
        rows.append(row)
    print(title)
    print_table(["qubits", "ours s", "MB", "qiskit s", "MB", "ratio"], rows)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-peer", type=int, default=18)
    parser.add_argument("--ground", type=int, nargs="+", default=[8, 12, 16, 18, 20])
    parser.add_argument("--thermal", type=int, nargs="+", default=[8, 10, 12])
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU cores; ratio = qiskit time / ours; the ground energies (log Z) of both agree to 1e-8\n")
    table("ground state + all 1- and 2-body Z and X correlators", args.ground, ours_ground, qiskit_ground, args.max_peer, 1e-8)
    table("thermal state at T = 1 (log Z + correlators)", args.thermal, ours_thermal, qiskit_thermal, 99, 1e-8)


if __name__ == "__main__":
    main()
