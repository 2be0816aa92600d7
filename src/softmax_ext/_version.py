"""The package version, written once: pyproject.toml reads it (setuptools'
dynamic ``attr:``, evaluated statically, so the build imports nothing) and
``softmax_ext.__version__`` re-exports it."""

__version__ = "0.1.0"
