"""GPU support of the Gibbs backend: detection and the error users see.

The CUDA engine will be built on numba-cuda (the maintained NVIDIA package; it
shares the kernel language of the CPU engine, so one set of update rules can
serve both), installed with ``pip install 'isingbridge[gpu]'``; it is not
written yet.  This module must import on machines without any GPU library:
everything CUDA-specific is imported lazily.
"""
from __future__ import annotations

import numpy as np

__all__ = ["gpu_available", "unavailable_reason", "patch_numpy_for_numba_cuda"]


def patch_numpy_for_numba_cuda() -> None:
    """numba-cuda still calls ``np.row_stack``, removed in numpy ≥ 2.5: restore the alias."""
    if not hasattr(np, "row_stack"):
        np.row_stack = np.vstack  # type: ignore[attr-defined]


def _cuda():
    patch_numpy_for_numba_cuda()
    from numba import cuda

    return cuda


def gpu_available() -> bool:
    """True when numba-cuda imports, sees a GPU, and the CUDA engine is present."""
    try:
        cuda = _cuda()
        return bool(cuda.is_available()) and _engine_present()
    except Exception:  # any import or driver failure means "no usable GPU"
        return False


def _engine_present() -> bool:
    """Whether this build has a CUDA Gibbs engine (not yet: issue 3's GPU path is open)."""
    return False


def unavailable_reason() -> str:
    """Why ``device="cuda"`` cannot be used here, and what to do about it."""
    try:
        cuda = _cuda()
    except Exception as error:
        return (f"device='cuda' needs numba-cuda and an NVIDIA GPU ({type(error).__name__}: {error}); "
                "install the extra with: pip install 'isingbridge[gpu]', or use device='cpu'")
    try:
        present = cuda.is_available()
    except Exception:
        present = False
    if not present:
        return "device='cuda' found no usable NVIDIA GPU/driver; use device='cpu' (or device='auto')"
    return ("this isingbridge build has no CUDA Gibbs engine yet (issue 3: the GPU path is open); "
            "use device='cpu'")
