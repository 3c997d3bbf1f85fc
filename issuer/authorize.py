"""``GET``/``POST /authorize``: the issuer's login page for people (authorization code + PKCE).

``GET`` validates the authorization request and shows the login form, the request carried
in hidden fields; ``POST`` validates it again, checks the CSRF token against its cookie,
then the password, and redirects to the client with ``code``, ``state`` and ``iss``.
The issuer keeps no login session: every authorization asks for the password.

A request that names no known client or an unregistered redirect URI, or lacks PKCE S256
or a served ``resource``, gets an HTML error page (400) and is never redirected; other
errors, once the redirect URI is known to be the client's, go back to it as
``error=...&state=...&iss=...`` (RFC 6749 §4.1.2.1, RFC 9207).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit

import anyio.to_thread
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import OAuth2Error
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from issuer.accounts import Login
from issuer.code_grant import AuthorizationCodeFlow, PageError
from issuer.login_page import CSP, LoginForm, language, render_error, render_login
from issuer.server import DataSpaceServer, FormRequest, InvalidTargetError

log = logging.getLogger(__name__)
REQUEST_FIELDS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "resource",
    }
)
CSRF_COOKIE = "guichet_issuer_csrf"
CSRF_MAX_AGE = 15 * 60
COOKIE_LENGTH = len(secrets.token_urlsafe(32))
MAX_FORM = 16 * 1024
Pairs = list[tuple[str, str]]


class CsrfGuard:
    """Signed double-submit tokens: the form token is an HMAC of the cookie and its time.

    The key lives in memory, so a restart of the issuer expires the open forms.
    """

    def __init__(self, key: bytes | None = None, *, max_age: int = CSRF_MAX_AGE) -> None:
        self._key = key or secrets.token_bytes(32)
        self.max_age = max_age

    def _mac(self, cookie: str, issued: str) -> str:
        digest = hmac.new(self._key, f"{cookie}|{issued}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def token(self, cookie: str, *, now: float | None = None) -> str:
        issued = str(int(time.time() if now is None else now))
        return f"{issued}.{self._mac(cookie, issued)}"

    def check(self, cookie: str | None, token: str | None, *, now: float | None = None) -> bool:
        if not cookie or not token or token.count(".") != 1:
            return False
        issued, mac = token.split(".")
        if not issued.isdigit():
            return False
        age = (time.time() if now is None else now) - int(issued)
        return 0 <= age <= self.max_age and hmac.compare_digest(mac, self._mac(cookie, issued))


class AuthorizeEndpoint:
    """The ``/authorize`` route of one issuer app."""

    def __init__(self, server: DataSpaceServer, *, csrf: CsrfGuard | None = None) -> None:
        self.server = server
        self.csrf = csrf or CsrfGuard()
        self.settings = server.settings
        self.action = urlsplit(self.settings.authorization_endpoint).path
        self.secure = self.settings.issuer.startswith("https:")

    async def __call__(self, request: Request) -> Response:
        try:
            if request.method == "GET":
                return await self._handle(request, list(request.query_params.multi_items()))
            pairs = await _form_pairs(request)
            if pairs is None:
                return self._error_page("fr", "the login form must be a urlencoded POST", [], 400)
            return await self._handle(request, pairs)
        except Exception:
            log.exception("authorization endpoint failed")
            return self._error_page("fr", "the issuer failed; see its log", [], 500)

    async def _handle(self, request: Request, pairs: Pairs) -> Response:
        values: dict[str, str] = {}
        for name, value in pairs:
            values.setdefault(name, value)
        lang = language(values.get("lang"))
        params = [(k, v) for k, v in pairs if k in REQUEST_FIELDS]
        oauth_request = FormRequest(
            "GET", self.settings.authorization_endpoint, request.headers, params
        )
        try:
            grant: AuthorizationCodeFlow = await anyio.to_thread.run_sync(
                self.server.get_consent_grant, oauth_request
            )
        except OAuth2Error as error:
            return self._refusal(error, lang, params)
        form = LoginForm(
            lang=lang,
            action=self.action,
            client_name=grant.request.client.client.name,
            request_params=params,
            csrf_token="",
            username=values.get("username", "") if request.method == "POST" else "",
        )
        if request.method == "GET":
            return self._login_page(request, form, grant, 200)
        if not self.csrf.check(request.cookies.get(CSRF_COOKIE), values.get("csrf_token")):
            return self._login_page(request, form, grant, 403, "form-expired", renew=True)
        outcome = await self.server.registry.check_login(
            values.get("username", ""), values.get("password", "")
        )
        if outcome is Login.LOCKED:
            return self._login_page(request, form, grant, 429, "locked")
        if isinstance(outcome, Login):
            return self._login_page(request, form, grant, 401, "login-failed")
        status, _, headers = await anyio.to_thread.run_sync(
            grant.create_authorization_response, grant.redirect_uri, outcome
        )
        return Response(status_code=status, headers={**dict(headers), **_NO_STORE})

    def _login_page(
        self,
        request: Request,
        form: LoginForm,
        grant: AuthorizationCodeFlow,
        status: int,
        problem: str | None = None,
        *,
        renew: bool = False,
    ) -> Response:
        cookie = request.cookies.get(CSRF_COOKIE) or ""
        fresh = renew or len(cookie) != COOKIE_LENGTH
        if fresh:
            cookie = secrets.token_urlsafe(32)
        page = LoginForm(
            lang=form.lang,
            action=form.action,
            client_name=form.client_name,
            request_params=form.request_params,
            csrf_token=self.csrf.token(cookie),
            username=form.username,
            problem=problem,
        )
        redirect = urlsplit(grant.redirect_uri)
        headers = _page_headers(f"{redirect.scheme}://{redirect.netloc}")
        if status == 401:
            headers["WWW-Authenticate"] = 'Form realm="guichet"'
        response = HTMLResponse(render_login(page), status_code=status, headers=headers)
        if fresh:
            response.set_cookie(
                CSRF_COOKIE,
                cookie,
                max_age=CSRF_MAX_AGE,
                path=self.action,
                secure=self.secure,
                httponly=True,
                samesite="lax",
            )
        return response

    def _refusal(self, error: OAuth2Error, lang: str, params: Pairs) -> Response:
        page_only = isinstance(error, PageError | InvalidTargetError)
        if error.redirect_uri and not page_only:
            query = [("error", str(error.error))]
            if error.description:
                query.append(("error_description", str(error.description)))
            state = dict(params).get("state")
            if state:
                query.append(("state", state))
            query.append(("iss", self.settings.issuer))
            location = add_params_to_uri(error.redirect_uri, query)
            return RedirectResponse(location, status_code=302, headers=_NO_STORE)
        detail = f"{error.error}: {error.description}" if error.description else str(error.error)
        return self._error_page(lang, detail, params, 400)

    def _error_page(
        self, lang: str, detail: str, params: Sequence[tuple[str, str]], status: int
    ) -> HTMLResponse:
        html = render_error(lang, detail, action=self.action, request_params=params)
        return HTMLResponse(html, status_code=status, headers=_page_headers(None))


_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _page_headers(redirect_origin: str | None) -> dict[str, str]:
    csp = f"{CSP} {redirect_origin}" if redirect_origin else CSP
    return {
        **_NO_STORE,
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


async def _form_pairs(request: Request) -> Pairs | None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    body = await request.body()
    if len(body) > MAX_FORM:
        return None
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
