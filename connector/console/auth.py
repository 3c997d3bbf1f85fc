"""Logging in and out: ``/login`` sends the browser to the issuer (authorization code, PKCE
S256, ``state`` bound to a cookie, ``resource`` = every node's audience), ``/callback``
takes the code back, checks the token and the DPD role and opens a session, ``POST
/logout`` (CSRF token) closes it."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import parse_qsl

from authlib.common.security import generate_token
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from connector.console import render
from connector.console.core import Console
from connector.console.i18n import translator
from connector.console.oauth import Pkce, authorize_url, exchange_code
from connector.console.sessions import COOKIE, LOGIN_COOKIE, PENDING_LIFETIME, PendingLogin
from connector.errors import AuthError

log = logging.getLogger("guichet.console")
MAX_FORM = 4096


class AuthViews:
    def __init__(self, console: Console) -> None:
        self.console = console

    async def login(self, request: Request) -> Response:
        c = self.console
        t = translator(render.language(request))
        try:
            endpoints = await c.endpoints()
        except AuthError as exc:
            log.warning("console login: %s", exc)
            return c.error(request, "unavailable", detail=t("detail_issuer_down"))
        audiences = await c.audiences()
        if not audiences:
            return c.error(request, "unavailable", detail=t("detail_no_node"))
        pkce = Pkce.new()
        state = generate_token(43)
        redirect_uri = (c.settings.public_url or render.own_url(request)).rstrip("/") + "/callback"
        await c.sessions.add_pending(
            PendingLogin(
                state=state,
                verifier=pkce.verifier,
                redirect_uri=redirect_uri,
                audiences=tuple(audiences.values()),
                created=c.clock(),
            )
        )
        target = authorize_url(
            endpoints,
            client_id=c.settings.client_id,
            redirect_uri=redirect_uri,
            state=state,
            pkce=pkce,
            audiences=tuple(audiences.values()),
            lang=render.language(request),
        )
        response = RedirectResponse(target, status_code=302)
        response.set_cookie(
            LOGIN_COOKIE,
            state,
            max_age=int(PENDING_LIFETIME),
            path=render.base_path(request) or "/",
            httponly=True,
            samesite="lax",
            secure=c.secure(request),
        )
        return response

    async def callback(self, request: Request) -> Response:
        c = self.console
        t = translator(render.language(request))
        params = request.query_params
        state = params.get("state", "")
        bound = request.cookies.get(LOGIN_COOKIE, "")
        if not state or not bound or not secrets.compare_digest(state, bound):
            return c.error(request, "login-failed", detail=t("detail_state"))
        pending = await c.sessions.take_pending(state)
        if pending is None:
            return c.error(request, "login-failed", detail=t("detail_state"))
        if "error" in params:
            said = " ".join(x for x in (params["error"], params.get("error_description")) if x)
            return c.error(request, "login-failed", detail=f"{t('detail_issuer_error')} {said}")
        iss = params.get("iss")
        code = params.get("code")
        if (iss is not None and iss != c.settings.issuer) or not code:
            return c.error(request, "login-failed", detail=t("detail_state"))
        try:
            endpoints = await c.endpoints()
            token = await exchange_code(
                endpoints,
                c.http,
                code=code,
                redirect_uri=pending.redirect_uri,
                client_id=c.settings.client_id,
                verifier=pending.verifier,
            )
        except AuthError as exc:
            log.warning("console login: %s", exc)
            return c.error(request, "login-failed", detail=t("detail_issuer_error"))
        try:
            identity = await c.tokens.check(
                token, audience=pending.audiences[0], jwks_uri=endpoints.jwks_uri
            )
        except AuthError as exc:
            log.warning("console login: token refused: %s", exc)
            return c.error(request, "login-failed", detail=t("detail_token"))
        if c.settings.dpd_role not in identity.roles:
            log.warning(
                "console login refused: %s lacks the role %r", identity.party, c.settings.dpd_role
            )
            return c.error(request, "forbidden")
        claims = identity.claims
        username = str(claims.get("preferred_username") or identity.party)
        session = await c.sessions.create(
            token=token,
            token_exp=float(claims["exp"]),
            party=identity.party,
            name=str(claims.get("name") or username),
            username=username,
            roles=identity.roles,
        )
        response = RedirectResponse(f"{render.base_path(request)}/", status_code=303)
        c.set_cookie(request, response, session)
        response.delete_cookie(LOGIN_COOKIE, path=render.base_path(request) or "/")
        return response

    async def logout(self, request: Request) -> Response:
        c = self.console
        body = await request.body()
        form = dict(parse_qsl(body[:MAX_FORM].decode("utf-8", "replace")))
        found = await c.sessions.lookup(request.cookies.get(COOKIE))
        if found.session is not None:
            if not secrets.compare_digest(form.get("csrf", ""), found.session.csrf):
                t = translator(render.language(request))
                return c.error(request, "bad-request", detail=t("detail_csrf"))
            await c.sessions.end(found.session.id)
        response = c.page(request, "logged_out.html", {}, session=None)
        c.clear_cookie(request, response)
        return response
