"""A throwaway PostgreSQL server for the test run (pytest plugin).

Loaded from ``tests/conftest.py`` (``pytest_plugins = ["tests.support.postgres"]``).
The first test asking for a PostgreSQL fixture starts one cluster for the session:
``initdb`` in a temporary folder, ``pg_ctl start`` on a free port of 127.0.0.1 with its
unix socket in that folder, trust authentication, ``fsync`` off. PostgreSQL refuses to
run as root, so under root (CI) the server runs as ``nobody``. At the end of the
session the cluster is stopped and its folder removed; clusters of killed runs (their
``owner.pid`` is dead) are stopped when the next run starts.

Fixtures:

* ``postgres_server`` — the running :class:`PostgresServer`;
* ``postgres_url`` — ``postgresql+asyncpg://...`` URL of an empty database ``guichet``;
* ``postgres_database`` — a factory ``name -> URL`` creating (once) a database of its own,
  for suites that must not see each other's tables.

Missing binaries make the fixtures *fail* with the fix: run ``make test``, which installs
them (``tools/ensure-postgres.sh``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import ports

SUPERUSER = "guichet"
RUN_AS = "nobody"
PREFIX = "guichet-pg-"


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or ``None``."""
    candidates = ["/usr/lib/postgresql/15/bin"]
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for folder in candidates:
        if folder and all((Path(folder) / b).is_file() for b in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def free_port() -> int:
    """A port nobody else in this test run was given (see tests/support/ports.py)."""
    return ports.free_port()


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    as_user: str | None
    databases: set[str] = field(default_factory=set)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def start(self) -> None:
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def create_database(self, name: str) -> str:
        if name not in self.databases:
            self.run("createdb", "-h", str(self.root), "-p", str(self.port), "-U", SUPERUSER, name)
            self.databases.add(name)
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans(bindir: Path) -> None:
    """Stop clusters left by test runs that were killed before their teardown."""
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = root / "owner.pid"
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        server = PostgresServer(bindir, root, 0, RUN_AS if os.geteuid() == 0 else None)
        try:
            server.stop()
        except RuntimeError:
            continue
        shutil.rmtree(root, ignore_errors=True)


def start_server() -> PostgresServer:
    bindir = find_bindir()
    if bindir is None:
        pytest.fail(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found in "
            "/usr/lib/postgresql/*/bin nor through pg_config. Run `make test`, which "
            "installs them (tools/ensure-postgres.sh), or install Debian's "
            "`postgresql` package.",
            pytrace=False,
        )
    reap_orphans(bindir)
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    (root / "owner.pid").write_text(str(os.getpid()))
    as_user = None
    if os.geteuid() == 0:
        as_user = RUN_AS
        user = pwd.getpwnam(RUN_AS)
        os.chown(root, user.pw_uid, user.pw_gid)
    server = PostgresServer(bindir, root, free_port(), as_user)
    try:
        server.start()
    except RuntimeError as exc:
        log = root / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(
            f"could not start the throwaway PostgreSQL server: {exc}\n{tail}", pytrace=False
        )
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_database(postgres_server: PostgresServer) -> Callable[[str], str]:
    return postgres_server.create_database


@pytest.fixture(scope="session")
def postgres_url(postgres_database: Callable[[str], str]) -> str:
    return postgres_database("guichet")
