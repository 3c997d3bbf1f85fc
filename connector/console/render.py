"""Pages: the jinja2 environment (autoescape on), the language of a request, the security
headers every page carries, and the error pages."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from connector.console.i18n import DEFAULT_LANG, LANGS, translator
from connector.console.sessions import Session

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "guichet_console_lang"
ErrorKind = str  # session-expired | no-session | forbidden | login-failed | not-found

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def base_path(request: Request) -> str:
    """Where the console is mounted (``/console``), from the ASGI ``root_path``."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def own_url(request: Request) -> str:
    """The console's absolute URL as the browser sees it, without a trailing ``/``."""
    return f"{request.url.scheme}://{request.url.netloc}{base_path(request)}"


def language(request: Request) -> str:
    """``?lang=`` if it names a language, else the cookie, else French."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    saved = request.cookies.get(LANG_COOKIE)
    return saved if saved in LANGS else DEFAULT_LANG


def switch_url(request: Request, lang: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', lang)])}"


def csp(issuer: str) -> str:
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"form-action 'self' {issuer}; frame-ancestors 'none'; base-uri 'none'"
    )


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    session: Session | None,
    issuer: str,
    title: str,
    status: int = 200,
) -> HTMLResponse:
    """Render ``template`` in the request's language, with the layout's shared values."""
    lang = language(request)
    base = base_path(request)
    html = ENV.get_template(template).render(
        t=translator(lang),
        lang=lang,
        other_lang="en" if lang == "fr" else "fr",
        switch_url=lambda to: switch_url(request, to),
        base=base,
        session=session,
        console_title=title,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = csp(issuer)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            path=base or "/",
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


ERROR_STATUS = {
    "session-expired": 401,
    "no-session": 401,
    "forbidden": 403,
    "login-failed": 400,
    "not-found": 404,
    "bad-request": 400,
    "unavailable": 502,
}


def error_page(
    request: Request,
    kind: ErrorKind,
    *,
    issuer: str,
    title: str,
    status: int | None = None,
    detail: str = "",
) -> HTMLResponse:
    """A clear page for the person: what happened and what to do (log in again ...)."""
    return page(
        request,
        "error.html",
        {"kind": kind, "detail": detail},
        session=None,
        issuer=issuer,
        title=title,
        status=status or ERROR_STATUS.get(kind, 400),
    )
