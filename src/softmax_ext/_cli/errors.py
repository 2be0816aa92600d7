"""The command line's user errors and exit statuses (see ``softmax_ext.cli``)."""

__all__ = ["CLIError", "EXIT_INTERNAL", "EXIT_USAGE", "EXIT_INTERRUPTED"]

# Exit statuses (the docstring of softmax_ext.cli says when each is used).
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """An error with a message meant for the user (no traceback)."""
