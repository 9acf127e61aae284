"""CUDA engines of the Gibbs (p-bit) backend, built on CuPy.

Why CuPy (and not numba-cuda): the dense/bipartite path is a matrix product per
colour class, and only cuBLAS's tensor-core GEMM (which CuPy wraps, numba-cuda
does not) reaches hundreds of TFLOP/s on it; CuPy also compiles the sparse
kernels below from CUDA C at run time (NVRTC), so one maintained package, the
``[gpu]`` extra (``cupy-cuda12x``; ``cupy-cuda13x`` for CUDA 13 drivers), serves
both paths.  This module imports on machines without CuPy or a GPU: everything
CUDA-specific is imported lazily.

The two engines share the CPU engines' interface (``load``, ``run``,
``states``) and semantics; what differs is layout and arithmetic:

* :class:`CudaSparseChains` — one kernel launch per colour class.  Spins are
  int8 in an ``(N, chains)`` array (chain index innermost), read as 16-byte
  words: each thread updates one spin in 16 chains, so every neighbour load is
  one coalesced 128-bit load serving 16 chains.  Random numbers come from
  Philox4x32-10 (Salmon et al. 2011), a counter-based generator keyed by the
  seed and addressed by (spin, chain group, sweep, lane): no generator state in
  memory, and the result does not depend on the launch configuration.  Models
  whose couplings are all ±q and whose fields are multiples of q (lattices, ±J
  glasses) use a byte-SIMD path: four chains' local fields are summed in one
  32-bit ``__vadd4``, and P(s = +1) comes from a table of 32-bit thresholds
  computed in double precision (exact to the 2^-32 resolution of the random
  numbers).  Other models accumulate float32 fields and use ``__expf``.
* :class:`CudaLayerChains` — for graphs with few, large colour classes
  (RBM-like): each colour's fields are a cuBLAS GEMM over all chains, in half
  precision by default.  The spins (±1) are exact in fp16 and the products are
  accumulated in fp32; the fp16 weights and fields carry a relative error of at
  most 2^-11, and since ``|d P/d log f|`` = x σ'(x) ≤ 0.224 for P = σ(−2βf), the
  probability of each update is off by at most ≈ 1.1e-4 — far below what any
  run can resolve (``dense_precision="single"`` removes even that).
"""
from __future__ import annotations

import functools

import numpy as np

from isingbridge.backends.gibbs_cpu import integer_quantum, layer_arrays, per_chain_fields
from isingbridge.ir import CompiledBQM

__all__ = ["gpu_available", "unavailable_reason", "CudaSparseChains", "CudaLayerChains", "PRECISIONS"]

PRECISIONS = ("half", "single")
CHAINS_PER_THREAD = 16  # one 128-bit word of int8 spins
_THREADS = 256
_MAX_GRID_Y = 65535  # CUDA's limit on gridDim.y; the kernels stride over any rows beyond it
_HALF_ONE, _HALF_MINUS_ONE = 0x3C00, 0xBC00

_SOURCE = r"""
typedef unsigned int u32;
typedef long long i64;

__device__ __forceinline__ uint4 philox(uint4 c, u32 k0, u32 k1) {
    #pragma unroll
    for (int round = 0; round < 10; ++round) {
        const u32 lo0 = 0xD2511F53u * c.x, hi0 = __umulhi(0xD2511F53u, c.x);
        const u32 lo1 = 0xCD9E8D57u * c.z, hi1 = __umulhi(0xCD9E8D57u, c.z);
        c = make_uint4(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return c;
}

/* s = +1 iff u (1 + exp(2 beta f)) < 1 with u uniform in (0, 1): P(+1) = 1 / (1 + exp(2 beta f)) */
__device__ __forceinline__ bool up(u32 r, float two_beta_f) {
    const float u = ((float)(r >> 8) + 0.5f) * 5.9604644775390625e-08f;
    return u * (1.0f + __expf(two_beta_f)) < 1.0f;
}

/* a[b] += w * s_b for the four int8 spins of one 32-bit word: flip w's sign bit where s_b < 0 */
__device__ __forceinline__ void add_word(float* a, u32 word, u32 wbits) {
    a[0] += __int_as_float(wbits ^ ((word << 24) & 0x80000000u));
    a[1] += __int_as_float(wbits ^ ((word << 16) & 0x80000000u));
    a[2] += __int_as_float(wbits ^ ((word << 8) & 0x80000000u));
    a[3] += __int_as_float(wbits ^ (word & 0x80000000u));
}

__device__ __forceinline__ u32 flip_real(const float* a, u32 r0, u32 r1, u32 r2, u32 r3, float two_beta) {
    return (up(r0, two_beta * a[0]) ? 0x01u : 0xFFu)
         | (up(r1, two_beta * a[1]) ? 0x01u : 0xFFu) << 8
         | (up(r2, two_beta * a[2]) ? 0x01u : 0xFFu) << 16
         | (up(r3, two_beta * a[3]) ? 0x01u : 0xFFu) << 24;
}

__device__ __forceinline__ u32 flip_table(u32 acc, uint4 r, const u32* __restrict__ thresholds) {
    const u32 t0 = __ldg(thresholds + (int)(signed char)(acc));
    const u32 t1 = __ldg(thresholds + (int)(signed char)(acc >> 8));
    const u32 t2 = __ldg(thresholds + (int)(signed char)(acc >> 16));
    const u32 t3 = __ldg(thresholds + (int)(signed char)(acc >> 24));
    return (r.x < t0 ? 0x01u : 0xFFu) | (r.y < t1 ? 0x01u : 0xFFu) << 8
         | (r.z < t2 ? 0x01u : 0xFFu) << 16 | (r.w < t3 ? 0x01u : 0xFFu) << 24;
}

/* One colour class, real couplings.  Thread (x, y) = (group of 16 chains, spin of the class); the
   grid's y dimension strides over the class, so no index division is needed. */
extern "C" __global__ void sparse_real(
    uint4* __restrict__ spins, const int groups, const int* __restrict__ nodes, const int count,
    const int* __restrict__ indptr, const int* __restrict__ indices, const float* __restrict__ J,
    const float* __restrict__ h, const float two_beta, const u32 k0, const u32 k1, const u32 sweep)
{
    const int q = blockIdx.x * blockDim.x + threadIdx.x;
    if (q >= groups) return;
    for (int k = blockIdx.y * blockDim.y + threadIdx.y; k < count; k += gridDim.y * blockDim.y) {
        const int i = nodes[k];
        float a[16];
        const float hi = h[i];
        #pragma unroll
        for (int t = 0; t < 16; ++t) a[t] = hi;
        const int end = indptr[i + 1];
        for (int e = indptr[i]; e < end; ++e) {
            const u32 wbits = __float_as_uint(J[e]);
            const uint4 s = spins[(i64)indices[e] * groups + q];
            add_word(a, s.x, wbits);
            add_word(a + 4, s.y, wbits);
            add_word(a + 8, s.z, wbits);
            add_word(a + 12, s.w, wbits);
        }
        const uint4 r0 = philox(make_uint4(i, q, sweep, 0), k0, k1);
        const uint4 r1 = philox(make_uint4(i, q, sweep, 1), k0, k1);
        const uint4 r2 = philox(make_uint4(i, q, sweep, 2), k0, k1);
        const uint4 r3 = philox(make_uint4(i, q, sweep, 3), k0, k1);
        uint4 out;
        out.x = flip_real(a, r0.x, r0.y, r0.z, r0.w, two_beta);
        out.y = flip_real(a + 4, r1.x, r1.y, r1.z, r1.w, two_beta);
        out.z = flip_real(a + 8, r2.x, r2.y, r2.z, r2.w, two_beta);
        out.w = flip_real(a + 12, r3.x, r3.y, r3.z, r3.w, two_beta);
        spins[(i64)i * groups + q] = out;
    }
}

/* One colour class, couplings +-q and fields k q: byte-SIMD field sums, threshold table.
   hq[i] is h_i / q; thresholds points at the table entry of field 0. */
extern "C" __global__ void sparse_unit(
    uint4* __restrict__ spins, const int groups, const int* __restrict__ nodes, const int count,
    const int* __restrict__ indptr, const int* __restrict__ indices, const signed char* __restrict__ sign,
    const int* __restrict__ hq, const u32* __restrict__ thresholds, const u32 k0, const u32 k1, const u32 sweep)
{
    const int q = blockIdx.x * blockDim.x + threadIdx.x;
    if (q >= groups) return;
    for (int k = blockIdx.y * blockDim.y + threadIdx.y; k < count; k += gridDim.y * blockDim.y) {
        const int i = nodes[k];
        const u32 hb = ((u32)hq[i] & 0xFFu) * 0x01010101u;
        uint4 acc = make_uint4(hb, hb, hb, hb);
        const int end = indptr[i + 1];
        for (int e = indptr[i]; e < end; ++e) {
            const uint4 s = spins[(i64)indices[e] * groups + q];
            if (sign[e] > 0) {
                acc.x = __vadd4(acc.x, s.x); acc.y = __vadd4(acc.y, s.y);
                acc.z = __vadd4(acc.z, s.z); acc.w = __vadd4(acc.w, s.w);
            } else {
                acc.x = __vsub4(acc.x, s.x); acc.y = __vsub4(acc.y, s.y);
                acc.z = __vsub4(acc.z, s.z); acc.w = __vsub4(acc.w, s.w);
            }
        }
        uint4 out;
        out.x = flip_table(acc.x, philox(make_uint4(i, q, sweep, 0), k0, k1), thresholds);
        out.y = flip_table(acc.y, philox(make_uint4(i, q, sweep, 1), k0, k1), thresholds);
        out.z = flip_table(acc.z, philox(make_uint4(i, q, sweep, 2), k0, k1), thresholds);
        out.w = flip_table(acc.w, philox(make_uint4(i, q, sweep, 3), k0, k1), thresholds);
        spins[(i64)i * groups + q] = out;
    }
}

__device__ __forceinline__ float half_to_float(u32 x) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"((unsigned short)x));
    return f;
}

__device__ __forceinline__ u32 half_spin(bool plus) { return plus ? 0x3C00u : 0xBC00u; }

/* Four chains' fields in, four spins out: fp16 (packed in a uint2) or fp32 (a float4). */
template <typename V> struct Lanes;
template <> struct Lanes<uint2> {
    static __device__ float4 fields(uint2 f) {
        return make_float4(half_to_float(f.x & 0xFFFFu), half_to_float(f.x >> 16),
                           half_to_float(f.y & 0xFFFFu), half_to_float(f.y >> 16));
    }
    static __device__ uint2 spins(bool a, bool b, bool c, bool d) {
        return make_uint2(half_spin(a) | half_spin(b) << 16, half_spin(c) | half_spin(d) << 16);
    }
};
template <> struct Lanes<float4> {
    static __device__ float4 fields(float4 f) { return f; }
    static __device__ float4 spins(bool a, bool b, bool c, bool d) {
        return make_float4(a ? 1.0f : -1.0f, b ? 1.0f : -1.0f, c ? 1.0f : -1.0f, d ? 1.0f : -1.0f);
    }
};

/* Dense layer: coupling fields (rows x chains) + h -> new spins; thread = (4 chains, row). */
template <typename V>
__device__ void layer_flip(const V* __restrict__ coupling, const float* __restrict__ h, V* __restrict__ layer,
                           const int rows, const int quads, const float two_beta, const u32 k0, const u32 k1,
                           const u32 sweep, const u32 color)
{
    const int q = blockIdx.x * blockDim.x + threadIdx.x;
    if (q >= quads) return;
    for (int i = blockIdx.y * blockDim.y + threadIdx.y; i < rows; i += gridDim.y * blockDim.y) {
        const i64 g = (i64)i * quads + q;
        const float4 f = Lanes<V>::fields(coupling[g]);
        const float hi = h[i];
        const uint4 r = philox(make_uint4(i, q, sweep, color), k0, k1);
        layer[g] = Lanes<V>::spins(up(r.x, two_beta * (f.x + hi)), up(r.y, two_beta * (f.y + hi)),
                                   up(r.z, two_beta * (f.z + hi)), up(r.w, two_beta * (f.w + hi)));
    }
}

extern "C" __global__ void layer_flip_half(const uint2* coupling, const float* h, uint2* layer, const int rows,
    const int quads, const float two_beta, const u32 k0, const u32 k1, const u32 sweep, const u32 color)
{
    layer_flip<uint2>(coupling, h, layer, rows, quads, two_beta, k0, k1, sweep, color);
}

extern "C" __global__ void layer_flip_single(const float4* coupling, const float* h, float4* layer, const int rows,
    const int quads, const float two_beta, const u32 k0, const u32 k1, const u32 sweep, const u32 color)
{
    layer_flip<float4>(coupling, h, layer, rows, quads, two_beta, k0, k1, sweep, color);
}
"""


def _cupy():
    import cupy

    return cupy


@functools.lru_cache(maxsize=1)
def _module():
    """The compiled kernels (compiled once per process; CuPy also caches them on disk)."""
    return _cupy().RawModule(code=_SOURCE, options=("-std=c++14",))


def gpu_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        return _cupy().cuda.runtime.getDeviceCount() > 0
    except Exception:  # any import or driver failure means "no usable GPU"
        return False


def unavailable_reason() -> str:
    """Why ``device="cuda"`` cannot be used here, and what to do about it."""
    try:
        cupy = _cupy()
    except Exception as error:
        return (f"device='cuda' needs CuPy and an NVIDIA GPU ({type(error).__name__}: {error}); "
                "install the extra with: pip install 'isingbridge[gpu]' (CUDA 12; for CUDA 13 drivers: "
                "pip install cupy-cuda13x), or use device='cpu'")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:
        return f"device='cuda' found no usable NVIDIA GPU/driver ({error}); use device='cpu' (or device='auto')"
    return "device='cuda' found no CUDA device; use device='cpu' (or device='auto')" if count == 0 else ""


def _launch(kernel, rows: int, columns: int, args: tuple) -> None:
    """Launch over a (rows × columns) grid of work: x = columns (chain groups, contiguous), y = rows."""
    tx = min(_THREADS, -(-columns // 32) * 32)
    ty = max(1, min(_THREADS // tx, rows))
    grid = (-(-columns // tx), max(1, min(_MAX_GRID_Y, -(-rows // ty))))
    kernel(grid, (tx, ty), args)


def _philox_key(rng: np.random.Generator) -> tuple[np.uint32, np.uint32]:
    k0, k1 = rng.integers(0, 2**32, size=2, dtype=np.uint64)
    return np.uint32(k0), np.uint32(k1)


def _padded_width(num_chains: int) -> int:
    return -(-num_chains // CHAINS_PER_THREAD) * CHAINS_PER_THREAD


class CudaSparseChains:
    """Chains of any model on the GPU, one kernel per colour class (see the module docstring).

    Parameters
    ----------
    model : CompiledBQM
        The (free part of the) model.
    beta : float
        Inverse temperature.
    num_chains : int
        Number of independent chains (padded to a multiple of 16 inside).
    rng : numpy.random.Generator
        Draws the Philox key.
    scan : {"chromatic"}
        Only colour-by-colour sweeps run on the GPU.
    """

    def __init__(self, model: CompiledBQM, beta: float, num_chains: int, rng: np.random.Generator,
                 scan: str = "chromatic"):
        if scan != "chromatic":
            raise ValueError("the CUDA engine updates whole colour classes in parallel; scan='random' runs on "
                             "device='cpu' only")
        cp = _cupy()
        self.n, self.num_chains = model.num_variables, num_chains
        self.width = _padded_width(num_chains)
        self.groups = self.width // CHAINS_PER_THREAD
        self.spins = cp.ones((self.n, self.width), dtype=cp.int8)
        self.classes = [cp.asarray(g, dtype=cp.int32) for g in model.color_groups()]
        self.indptr = cp.asarray(model.J.indptr, dtype=cp.int32)
        self.indices = cp.asarray(model.J.indices, dtype=cp.int32)
        self.key = _philox_key(rng)
        self.sweep = 0
        self._set_arithmetic(model, beta)

    def _set_arithmetic(self, model: CompiledBQM, beta: float) -> None:
        cp = _cupy()
        q = integer_quantum(model, max_levels=127)  # byte-SIMD fields must fit int8
        unit = q is not None and bool(np.all(np.abs(np.abs(model.J.data) / q - 1) < 1e-9))
        if q is not None and unit:
            top = 127
            k = np.arange(-top, top + 1, dtype=np.float64)
            p_up = 0.5 * (1.0 - np.tanh(beta * q * k))
            table = np.minimum(np.floor(p_up * 2.0**32 + 0.5), 2.0**32 - 1).astype(np.uint32)
            self.table = cp.asarray(table)
            self.kernel = _module().get_function("sparse_unit")
            self.params = (cp.asarray(np.sign(model.J.data), dtype=cp.int8),
                           cp.asarray(np.round(model.h / q), dtype=cp.int32), self.table[top:])
        else:
            self.kernel = _module().get_function("sparse_real")
            self.params = (cp.asarray(model.J.data, dtype=cp.float32), cp.asarray(model.h, dtype=cp.float32),
                           np.float32(2.0 * beta))
        self.integer = unit

    def load(self, states: np.ndarray) -> None:
        """Set the chains from ``(num_chains, N)`` spins (padding chains copy chain 0)."""
        padded = np.empty((self.width, self.n), dtype=np.int8)
        padded[: self.num_chains] = states
        padded[self.num_chains:] = states[:1]
        self.spins = _cupy().asarray(np.ascontiguousarray(padded.T))

    def states(self) -> np.ndarray:
        """Current ``(num_chains, N)`` int8 spins (copied to the host)."""
        return np.ascontiguousarray(self.spins[:, : self.num_chains].get().T)

    def run(self, num_sweeps: int) -> None:
        """Advance every chain by ``num_sweeps`` sweeps (asynchronous until the next ``states``)."""
        words = self.spins.view(np.uint32)  # the kernels read 16-byte groups; the buffer is contiguous
        for _ in range(num_sweeps):
            for nodes in self.classes:
                args = (words, np.int32(self.groups), nodes, np.int32(nodes.size), self.indptr, self.indices,
                        *self.params, *self.key, np.uint32(self.sweep))
                _launch(self.kernel, int(nodes.size), self.groups, args)
            self.sweep += 1


class CudaLayerChains:
    """Chains updated one colour class at a time by cuBLAS matrix products (see the module docstring).

    Parameters
    ----------
    model : CompiledBQM
        The (free part of the) model; meant for few, large colour classes.
    beta, num_chains, rng, scan
        As for :class:`CudaSparseChains`.
    precision : {"half", "single"}
        fp16 GEMMs with fp32 accumulation (tensor cores), or fp32 throughout.
    """

    def __init__(self, model: CompiledBQM, beta: float, num_chains: int, rng: np.random.Generator,
                 scan: str = "chromatic", precision: str = "half"):
        if scan != "chromatic":
            raise ValueError("the dense layer engine updates whole colour classes; use scan='chromatic'")
        self._setup(*layer_arrays(model), beta, num_chains, rng, precision)

    @classmethod
    def from_layers(cls, groups: list[np.ndarray], blocks: list[list], fields: list[np.ndarray], beta: float,
                    num_chains: int, rng: np.random.Generator, precision: str = "half") -> CudaLayerChains:
        """Build directly from layer arrays (as :meth:`~isingbridge.backends.gibbs_cpu.LayerChains.from_layers`)."""
        chains = cls.__new__(cls)
        chains._setup(groups, blocks, fields, beta, num_chains, rng, precision)
        return chains

    def _setup(self, groups, blocks, fields, beta, num_chains, rng, precision) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"dense_precision must be one of {PRECISIONS}, got {precision!r}")
        cp = _cupy()
        self.dtype = cp.float16 if precision == "half" else cp.float32
        self.kernel = _module().get_function("layer_flip_half" if precision == "half" else "layer_flip_single")
        self.groups = groups
        self.n = int(sum(g.size for g in groups))
        self.num_chains, self.width = num_chains, _padded_width(num_chains)
        self.blocks = [[(d, cp.asarray(np.ascontiguousarray(J), dtype=self.dtype)) for d, J in pairs]
                       for pairs in blocks]
        host = [per_chain_fields(f, g.size, num_chains, self.width) for f, g in zip(fields, groups)]
        # per-chain fields join the coupling term (in fp32 before rounding); the kernel then adds h = 0
        self.fields = [cp.asarray(f if f.ndim == 1 else np.zeros(f.shape[0], np.float32)) for f in host]
        self.chain_fields = [None if f.ndim == 1 else cp.asarray(f) for f in host]
        self.two_beta = np.float32(2.0 * beta)
        self.layers = [cp.ones((g.size, self.width), dtype=self.dtype) for g in groups]
        self.key = _philox_key(rng)
        self.sweep = 0

    def load(self, states: np.ndarray) -> None:
        """Set the chains from ``(num_chains, N)`` host spins (padding chains copy chain 0)."""
        cp = _cupy()
        for c, g in enumerate(self.groups):
            host = np.empty((g.size, self.width), dtype=np.float32)
            host[:, : self.num_chains] = states[:, g].T
            host[:, self.num_chains:] = states[:1, g].T
            self.layers[c] = cp.asarray(host, dtype=self.dtype)

    def states(self) -> np.ndarray:
        """Current ``(num_chains, N)`` int8 spins, copied to the host."""
        out = np.empty((self.num_chains, self.n), dtype=np.int8)
        for layer, g in zip(self.layers, self.groups):
            out[:, g] = layer[:, : self.num_chains].get().T
        return out

    def run(self, num_sweeps: int) -> None:
        """Advance every chain by ``num_sweeps`` sweeps, each colour class in turn (one kernel launch per class)."""
        cp = _cupy()
        quads = self.width // 4
        for _ in range(num_sweeps):
            for c, layer in enumerate(self.layers):
                products = [cp.matmul(block, self.layers[d]) for d, block in self.blocks[c]]
                if self.chain_fields[c] is not None:
                    products.append(self.chain_fields[c])
                if products:
                    coupling = sum(products[1:], products[0]).astype(self.dtype, copy=False)
                else:
                    coupling = cp.zeros_like(layer)
                rows = layer.shape[0]
                args = (coupling, self.fields[c], layer, np.int32(rows), np.int32(quads), self.two_beta,
                        *self.key, np.uint32(self.sweep), np.uint32(c))
                _launch(self.kernel, rows, quads, args)
            self.sweep += 1
