"""What every command line of the project shares: our errors as ``error:`` lines.

The node's ``guichet`` command, the issuer's and the gateway's all run their work through
:func:`guarded`, so a user sees what was wrong and where, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from connector.errors import ConfigError, GuichetError


def guarded(command: Callable[..., int], *args: object) -> int:
    """Run a command; our errors become ``error: ...`` lines on stderr and an exit status
    (2 for a configuration, 1 otherwise), never a traceback."""
    try:
        return command(*args)
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return 2
    except GuichetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
