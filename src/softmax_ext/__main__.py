"""``python -m softmax_ext``: the same as the ``softmax-ext`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
