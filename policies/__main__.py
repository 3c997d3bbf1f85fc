"""``python -m policies ...``: the same as ``guichet policy ...``."""

import sys

from .cli import main

sys.exit(main())
