"""Helpers for the authorization-code tests: PKCE pairs, the login form, a whole sign-in."""

from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.issuer.conftest import NODE

CONSOLE = "guichet-console"
CALLBACK = "http://127.0.0.1:8104/console/callback"
OTHER_CALLBACK = "http://127.0.0.1:8105/console/callback"
DPD = "https://guichet.agglo-larochelle.fr/participants/cda/dpd/claire-martin"
DPD_NAME = "Claire Martin, déléguée à la protection des données"
PASSWORD = "correct horse battery staple"

# RFC 7636 Appendix B: this verifier's S256 challenge, as printed in the RFC.
RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def pkce_pair() -> tuple[str, str]:
    """A fresh verifier and its S256 challenge, computed here from RFC 7636 §4.2."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(
    challenge: str = RFC7636_CHALLENGE, *, resources: tuple[str, ...] = (NODE,), **extra: str
) -> list[tuple[str, str]]:
    params = {
        "response_type": "code",
        "client_id": CONSOLE,
        "redirect_uri": CALLBACK,
        "state": "st-" + secrets.token_hex(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    pairs = [(k, v) for k, v in params.items() if v != ""]
    return pairs + [("resource", r) for r in resources]


class Page(HTMLParser):
    """What a test needs from one of the issuer's pages."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang = ""
        self.main: dict[str, str] = {}
        self.hidden: list[tuple[str, str]] = []
        self.inputs: list[dict[str, str]] = []
        self.labels: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.alerts: list[str] = []
        self.tags: set[str] = set()
        self.form: dict[str, str] = {}
        self.style = ""
        self._label_for: str | None = None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag == "html":
            self.html_lang = a.get("lang", "")
        elif tag == "main":
            self.main = a
        elif tag == "form":
            self.form = a
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden.append((a["name"], a.get("value", "")))
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "label":
            self._label_for, self._in = a.get("for", ""), "label"
        elif tag == "a":
            self.links.append(a)
        elif tag == "p" and a.get("role") == "alert":
            self._in = "alert"
            self.alerts.append("")
        elif tag == "style":
            self._in = "style"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("label", "p", "style"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "label" and self._label_for is not None:
            self.labels[self._label_for] = self.labels.get(self._label_for, "") + data
        elif self._in == "alert":
            self.alerts[-1] += data
        elif self._in == "style":
            self.style += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def redirect_query(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    query = parse_qs(urlsplit(location).query)
    return {k: v[0] for k, v in query.items()}


async def login_page(http: httpx.AsyncClient, params: list[tuple[str, str]]) -> Page:
    r = await http.get("/authorize", params=params)
    assert r.status_code == 200, r.text
    return parse(r.text)


async def submit(
    http: httpx.AsyncClient, page: Page, username: str, password: str, **override: str
) -> httpx.Response:
    fields = [(k, override.pop(k, v)) for k, v in page.hidden]
    data = [*fields, *override.items(), ("username", username), ("password", password)]
    return await http.post(
        page.form.get("action", "/authorize"),
        content=str(httpx.QueryParams(data)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def sign_in(
    http: httpx.AsyncClient,
    params: list[tuple[str, str]],
    username: str = "dpd",
    password: str = PASSWORD,
) -> httpx.Response:
    return await submit(http, await login_page(http, params), username, password)


async def exchange(
    http: httpx.AsyncClient, code: str, verifier: str, **extra: str
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": CONSOLE,
        "code_verifier": verifier,
        **extra,
    }
    return await http.post("/token", data={k: v for k, v in data.items() if v != ""})
