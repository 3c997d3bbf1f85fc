"""What every command line of the project shares: our errors as ``error:`` lines, and the
servers' long-lived heap.

The node's ``guichet`` command, the issuer's and the gateway's all run their work through
:func:`guarded`, so a user sees what was wrong and where, never a traceback. Each server
they start hands uvicorn an app passed through :func:`long_lived`.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from connector.errors import ConfigError, GuichetError

T = TypeVar("T")


def guarded(command: Callable[..., int], *args: object) -> int:
    """Run a command; our errors become ``error: ...`` lines on stderr and exit status 1
    (an error in the input: a configuration, a policy, a file...), never a traceback.
    Status 2 stays argparse's: a command line that cannot be parsed."""
    try:
        return command(*args)
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return 1
    except GuichetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def long_lived(app: T) -> T:
    """``app``, with everything that exists when a server starts (the imported modules, the
    app, its schema, its policies: a few hundred thousand objects) moved out of the cyclic
    garbage collector's sight (:func:`gc.freeze`).

    A request over a thousand buildings allocates some 100,000 objects, so the collector
    runs its full collection every few requests, and each one walked the whole heap: about
    90 ms at a time in the gateway, on one request in five (``bench.federation``'s 931
    buildings). Frozen, the full collections walk only what requests made. The frozen
    objects are still freed by reference counting; a frozen cycle that becomes garbage
    (the first supergraph, once a poll replaces it) stays, once."""
    gc.collect()
    gc.freeze()
    return app


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (``None`` for another database, in memory or a
    ``file:`` URI). :class:`ValueError` when ``url`` is no database URL.

    >>> sqlite_file("sqlite+aiosqlite:///guichet-issuer.db")
    PosixPath('guichet-issuer.db')
    """
    import sqlalchemy as sa

    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ValueError(f"{url!r} is not a database URL") from exc
    db = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not db or db == ":memory:":
        return None
    return None if db.startswith("file:") else Path(db)
