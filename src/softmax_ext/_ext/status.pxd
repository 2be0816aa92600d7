# Status codes of csrc/smx_config.h and their Python exceptions, shared by
# every binding: `from softmax_ext._ext.status cimport SMX_OK, raise_status`.

cdef extern from "smx_config.h" nogil:
    enum:
        SMX_OK
        SMX_ENOMEM
        SMX_EINVAL
        SMX_EINTR


cdef inline void raise_status(int status, str kernel, str too_large="") except *:
    """Turn a kernel's status into an exception (call after leaving nogil).

    ``kernel`` names the kernel in the messages; ``too_large`` is the
    ValueError message for SMX_EINVAL (sizes beyond BLAS's 32-bit ints).
    """
    if status == SMX_OK:
        return
    if status == SMX_ENOMEM:
        raise MemoryError(f"softmax-ext {kernel} kernel could not allocate its buffers")
    if status == SMX_EINTR:
        raise KeyboardInterrupt(f"softmax-ext {kernel} kernel interrupted")
    if status == SMX_EINVAL and too_large:
        raise ValueError(too_large)
    raise RuntimeError(f"softmax-ext {kernel} kernel failed with status {status}")
