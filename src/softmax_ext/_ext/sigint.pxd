# Ctrl-C during a long kernel call without the GIL (csrc/smx_sigint.h):
#
#     cdef smx_sigint_saved saved
#     cdef const smx_stop_flag *stop
#     while True:
#         stop = sigint_begin(&saved)
#         with nogil:
#             status = kernel(..., stop)
#         if not sigint_end(&saved, stop, status == SMX_EINTR):
#             break
#
# sigint_begin installs the handler only in the main thread while Python
# handles SIGINT (a callable signal.getsignal(SIGINT)), else returns NULL:
# Python runs signal handlers in the main thread only, so a kernel called
# from another thread runs to the end, as any C call there does.  Only the
# main thread installs, and one call at a time, so there is no nesting.
# sigint_end restores Python's handler and, when a SIGINT came, hands it to
# Python: its handler raises (KeyboardInterrupt by default) and the
# exception propagates; a handler that does not raise lets the caller start
# the interrupted kernel again (True: the result is incomplete).

from cpython.exc cimport PyErr_CheckSignals, PyErr_SetInterrupt

cdef extern from "smx_sigint.h" nogil:
    ctypedef int smx_stop_flag
    ctypedef struct smx_sigint_saved:
        pass
    int smx_sigint_install(smx_sigint_saved *old)
    void smx_sigint_restore(const smx_sigint_saved *old)
    const smx_stop_flag *smx_sigint_flag()
    int smx_sigint_was_caught()


cdef inline const smx_stop_flag *sigint_begin(smx_sigint_saved *saved):
    import signal, threading
    if threading.current_thread() is not threading.main_thread():
        return NULL
    if not callable(signal.getsignal(signal.SIGINT)):
        return NULL
    if smx_sigint_install(saved) != 0:
        return NULL
    return smx_sigint_flag()


cdef inline bint sigint_end(smx_sigint_saved *saved, const smx_stop_flag *stop,
                            bint interrupted) except -1:
    if stop == NULL:
        return False
    smx_sigint_restore(saved)
    if not smx_sigint_was_caught():
        return False
    PyErr_SetInterrupt()
    PyErr_CheckSignals()
    return interrupted
