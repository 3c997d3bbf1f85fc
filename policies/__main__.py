"""``python -m policies check FILE`` / ``python -m policies evaluate ...``."""

import sys

from .cli import main

sys.exit(main())
