"""The DPD console in a real browser: the whole demo data space as real processes (issuer,
three nodes, gateway, started by ``guichet demo``) and Debian's Chromium driven headless
by playwright.

One demo space and one browser serve all the tests of this folder (package-scoped, so
that they stop after its last test: playwright's sync API keeps an event loop of its own
that the anyio tests of other folders must not meet). Each test gets a fresh browser
context (no cookies) and a ``shot`` to keep a screenshot of each step under
``test-artifacts/console/<test>/NN-step.png``. Nothing here skips: without Chromium or
playwright the tests fail and say what to install.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.ports import free_block

try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Page,
        Playwright,
        sync_playwright,
    )
    from playwright.sync_api import Error as PlaywrightError
except ImportError as exc:  # the tests fail with this, they never skip
    PLAYWRIGHT_MISSING: str | None = (
        f"the Python package playwright is not installed ({exc}); run `make install` "
        "(pyproject.toml dev extras)"
    )
else:
    PLAYWRIGHT_MISSING = None

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = Path(os.environ.get("GUICHET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERVING = "Serving; press Ctrl-C to stop."
START_TIMEOUT = 120.0
NODES = ("cda", "atmo", "bouygues")
DEMO = (sys.executable, "-m", "connector.cli", "demo")
Shot = Callable[..., Path]


@dataclass(frozen=True)
class Account:
    username: str
    password: str


@dataclass(frozen=True)
class DemoSpace:
    """The running demo: its folder, the issuer, each node's base URL, the gateway's console
    and the person accounts written to ``credentials.json``."""

    directory: Path
    issuer: str
    nodes: dict[str, str]
    gateway: str
    credentials: dict[str, Any]

    @property
    def console(self) -> str:
        return f"{self.gateway}/console/"

    def audit_db(self, node: str) -> Path:
        return self.directory / f"{node}-audit.db"

    def account(self, key: str) -> Account:
        return person_account(self.credentials, key)


def person_account(credentials: dict[str, Any], key: str) -> Account:
    """The person account ``key`` (``dpd``, ``agent``) of the demo's credentials file."""
    entry = credentials.get("accounts", {}).get(key)
    if not isinstance(entry, dict) or "password" not in entry:
        raise AssertionError(
            f"credentials.json has no person account {key!r} with a password under "
            f"'accounts' (keys: {sorted(credentials)})"
        )
    return Account(username=key, password=str(entry["password"]))


def _wait_serving(proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text("utf-8", errors="replace") if log.exists() else ""
        if SERVING in text:
            return
        if proc.poll() is not None:
            raise AssertionError(f"guichet demo exited with {proc.returncode}:\n{text}")
        time.sleep(0.2)
    raise AssertionError(f"guichet demo not serving after {START_TIMEOUT:.0f} s:\n{text}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="package")
def demo_space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSpace]:
    """``guichet demo --dir TMP --port-base N``: issuer on N, cda, atmo, bouygues on N+1..N+3,
    gateway (with the console) on N+4, lagord, bailleur and the landlord's API on
    N+5..N+7; ready once the showcase has run and it serves."""
    directory = tmp_path_factory.mktemp("console") / "demo"
    base = free_block(8)
    log = directory.parent / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*DEMO, "--dir", str(directory), "--port-base", str(base)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        _wait_serving(proc, log)
        credentials = json.loads((directory / "credentials.json").read_text("utf-8"))
        yield DemoSpace(
            directory=directory,
            issuer=f"http://127.0.0.1:{base}",
            nodes={n: f"http://127.0.0.1:{base + 1 + i}" for i, n in enumerate(NODES)},
            gateway=f"http://127.0.0.1:{base + 4}",
            credentials=credentials,
        )
    finally:
        _stop(proc)
    text = log.read_text("utf-8", errors="replace")
    assert "Traceback" not in text, text


@pytest.fixture(scope="package")
def playwright_session() -> Iterator[Playwright]:
    if PLAYWRIGHT_MISSING:
        pytest.fail(PLAYWRIGHT_MISSING, pytrace=False)
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make chromium` (tools/ensure-chromium.sh, "
            "installs Debian's chromium as root) or set GUICHET_CHROMIUM to a Chromium binary",
            pytrace=False,
        )
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless (playwright's own browser download is never used)."""
    b = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield b
    b.close()


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


def _folder(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile: no cookies, French first, downloads accepted."""
    ctx = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    p = context.new_page()
    yield p
    if request.node.stash.get(_FAILED, False):
        with contextlib.suppress(PlaywrightError):  # a crashed page leaves no picture
            p.screenshot(path=str(_folder(request) / "99-failed.png"), full_page=True)


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Shot:
    """``shot("log-filtered")`` keeps what the window shows as ``NN-log-filtered.png`` for
    this test (``full=True``: the whole page)."""
    folder = _folder(request)
    for old in folder.glob("*.png"):
        old.unlink()
    count = 0

    def take(step: str, *, full: bool = False) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', step)}.png"
        page.screenshot(path=str(path), full_page=full)
        return path

    return take


@contextlib.contextmanager
def gateway_console(
    space: DemoSpace, port: int, client_id: str, options: Sequence[str], log: Path
) -> Iterator[str]:
    """A second gateway over the demo's nodes, its own process (``guichet gateway`` on
    ``port`` with the console of web client ``client_id`` and ``options``), until the
    block ends; yields its console's URL once it serves."""
    url = f"http://127.0.0.1:{port}"
    command = [
        *("-m", "connector.cli", "gateway", "--port", str(port)),
        *(f"--subgraph={name}={base}/graphql" for name, base in space.nodes.items()),
        *("--console-issuer", space.issuer, "--console-client-id", client_id),
        *options,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/console/static/console.css", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, f"the gateway exited:\n{log.read_text()}"
                assert time.monotonic() < deadline, "the gateway did not start in 30 s"
                time.sleep(0.2)
        yield f"{url}/console/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def login(
    page: Page,
    space: DemoSpace,
    account: Account,
    *,
    start: str | None = None,
    landing: str | None = None,
) -> None:
    """Open the console's login (``start``), follow it to the issuer's login page, sign in
    there and wait to be back in the console (``landing``)."""
    page.goto(start or space.console + "login")
    page.wait_for_url(f"{space.issuer}/authorize**")
    page.locator("input[name=username]").fill(account.username)
    page.locator("input[name=password]").fill(account.password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url((landing or space.console) + "**")


@pytest.fixture
def dpd_page(page: Page, demo_space: DemoSpace) -> Page:
    """A page signed in to the gateway's console as the demo's DPD."""
    login(page, demo_space, demo_space.account("dpd"))
    return page


UNLABELLED = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== 'hidden';
  const text = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const name = (el) => {
    if (text(el.getAttribute('aria-label'))) return text(el.getAttribute('aria-label'));
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const t = by.split(/\\s+/).map((id) => document.getElementById(id))
        .filter(Boolean).map((n) => text(n.textContent)).join(' ');
      if (text(t)) return text(t);
    }
    if (el.id) {
      const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (l && text(l.textContent)) return text(l.textContent);
    }
    const wrap = el.closest('label');
    if (wrap && text(wrap.textContent)) return text(wrap.textContent);
    if (el.tagName === 'BUTTON' || el.tagName === 'A') return text(el.textContent)
      || text(el.querySelector('img[alt]')?.getAttribute('alt'));
    if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type))
      return text(el.value);
    return '';
  };
  return [...document.querySelectorAll('input, select, textarea, button, a[href]')]
    .filter((el) => el.type !== 'hidden' && visible(el) && !name(el))
    .map((el) => el.outerHTML.slice(0, 160));
}"""


def assets(page: Page) -> list[str]:
    """The URLs of the page's stylesheets, scripts, images and frames."""
    found: list[str] = page.evaluate(
        "() => [...document.querySelectorAll('link[href], script[src], img[src], iframe[src]')]"
        ".map(e => e.href || e.src)"
    )
    return found


def unlabelled_controls(page: Page) -> list[str]:
    """Every visible input, select, textarea, button and link without an accessible name
    (label[for], a wrapping label, aria-label(ledby), or its own text)."""
    found: list[str] = page.evaluate(UNLABELLED)
    return found


def focused(page: Page) -> str:
    """The focused element, as ``tag#id[name]`` text for messages."""
    described: str = page.evaluate(
        "() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 120) : '' }"
    )
    return described


def tab_to(page: Page, selector: str, *, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only, no click)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}; at {focused(page)}")


def set_field(page: Page, form: str, name: str, value: str) -> None:
    """Give the field ``name`` of ``form`` a value, whether it is a select or an input
    (a select's option is matched by value or by label)."""
    field = page.locator(f"{form} [name={name}]")
    if field.evaluate("(e) => e.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)
