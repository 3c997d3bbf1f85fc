"""The issuer's own pages: the login form and the error page, in French (default) or English.

Plain HTML with the stylesheet inline (no external asset, no script), every input with its
``<label>``, the language switch as a link with ``hreflang``, and stable hooks for tests:
``<main id="main">`` (``data-error="login-failed|locked|form-expired|bad-request"`` when the
page reports a problem), form ``id="login"``, fields ``username`` and ``password``.
:data:`CSP` names the stylesheet by its hash, so nothing else can run or load.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

CSS = """
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0;background:#f4f5f7;color:#1b1b1b;line-height:1.5}
header{display:flex;justify-content:space-between;align-items:center;padding:.75rem 1.5rem;
background:#000091;color:#fff}
header a{color:#fff}
.brand{font-weight:700;margin:0}
main{max-width:28rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;
border:1px solid #ccc;border-radius:4px}
h1{font-size:1.5rem;margin-top:0}
label{display:block;font-weight:600;margin-top:1rem}
input{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;
font-size:1rem;border:1px solid #3a3a3a;border-radius:2px}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem;background:#000091;color:#fff;
border:0;border-radius:2px;cursor:pointer}
a:focus,input:focus,button:focus{outline:3px solid #0a76f6;outline-offset:2px}
.error{border-left:4px solid #ce0500;background:#ffe9e9;padding:.5rem .75rem}
code{word-break:break-all}
""".strip()

_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
"""Content-Security-Policy of every page; the login page adds its redirect URI's origin
to ``form-action``, since browsers check the redirect that follows the form too."""

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Connexion",
        "heading": "Connexion au guichet de données",
        "intro": "L’application « {client} » vous demande de vous identifier.",
        "username": "Identifiant",
        "password": "Mot de passe",
        "submit": "Se connecter",
        "login-failed": "Identifiant ou mot de passe incorrect.",
        "locked": "Ce compte est verrouillé après 5 essais infructueux. Réessayez dans 5 minutes.",
        "form-expired": "Le formulaire a expiré ou ne provient pas de cette page. "
        "Saisissez à nouveau vos identifiants.",
        "error-title": "Demande de connexion refusée",
        "error-intro": "Cette demande de connexion n’est pas valide ; vous n’avez pas été "
        "redirigé vers l’application. Signalez le problème à son administrateur.",
        "detail": "Détail :",
        "switch": "English",
        "switch-label": "Langue",
        "brand": "Guichet — autorité de l’espace de données",
    },
    "en": {
        "title": "Sign in",
        "heading": "Sign in to the data space",
        "intro": "The application “{client}” asks you to sign in.",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "login-failed": "Wrong username or password.",
        "locked": "This account is locked after 5 failed attempts. Try again in 5 minutes.",
        "form-expired": "The form has expired or did not come from this page. "
        "Enter your username and password again.",
        "error-title": "Sign-in request refused",
        "error-intro": "This sign-in request is not valid; you were not redirected to the "
        "application. Please report the problem to its administrator.",
        "detail": "Detail:",
        "switch": "Français",
        "switch-label": "Language",
        "brand": "Guichet — data space authority",
    },
}


def language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class LoginForm:
    """What the login page shows: the authorization request it carries in hidden fields
    (``request_params``, without ``lang``, the CSRF token or credentials) and, after a
    failure, why."""

    lang: str
    action: str
    client_name: str
    request_params: Sequence[tuple[str, str]]
    csrf_token: str
    username: str = ""
    problem: str | None = None


def _switch(lang: str, params: Sequence[tuple[str, str]], action: str) -> str:
    other = "en" if lang == "fr" else "fr"
    query = urlencode([*((k, v) for k, v in params if k != "lang"), ("lang", other)])
    label = TEXTS[lang]["switch-label"]
    return (
        f'<nav aria-label="{escape(label)}"><a href="{escape(action)}?{escape(query)}" '
        f'hreflang="{other}" lang="{other}">{escape(TEXTS[lang]["switch"])}</a></nav>'
    )


def _page(lang: str, title: str, nav: str, main: str, error: str | None) -> str:
    t = TEXTS[lang]
    data_error = f' data-error="{escape(error)}"' if error else ""
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{escape(title)} — Guichet</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><p class="brand">{escape(t["brand"])}</p>{nav}</header>\n'
        f'<main id="main"{data_error}>\n{main}\n</main>\n</body>\n</html>\n'
    )


def render_login(form: LoginForm) -> str:
    """The login page; ``form.problem`` is ``login-failed``, ``locked`` or ``form-expired``."""
    t = TEXTS[form.lang]
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">\n'
        for k, v in [*form.request_params, ("lang", form.lang), ("csrf_token", form.csrf_token)]
    )
    alert, described = "", ""
    if form.problem:
        alert = f'<p class="error" role="alert" id="login-error">{escape(t[form.problem])}</p>\n'
        described = ' aria-describedby="login-error"'
    main = (
        f"<h1>{escape(t['heading'])}</h1>\n"
        f"<p>{escape(t['intro'].format(client=form.client_name))}</p>\n{alert}"
        f'<form method="post" action="{escape(form.action)}" id="login"{described}>\n{hidden}'
        f'<label for="username">{escape(t["username"])}</label>\n'
        f'<input id="username" name="username" type="text" autocomplete="username" '
        f'autocapitalize="none" spellcheck="false" required value="{escape(form.username)}">\n'
        f'<label for="password">{escape(t["password"])}</label>\n'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>\n'
        f'<button type="submit" id="submit">{escape(t["submit"])}</button>\n</form>'
    )
    nav = _switch(form.lang, form.request_params, form.action)
    return _page(form.lang, t["title"], nav, main, form.problem)


def render_error(
    lang: str, detail: str, *, action: str, request_params: Sequence[tuple[str, str]]
) -> str:
    """The page for a request that cannot be answered by redirect: it names the problem."""
    t = TEXTS[lang]
    main = (
        f"<h1>{escape(t['error-title'])}</h1>\n<p>{escape(t['error-intro'])}</p>\n"
        f'<p class="error" role="alert">{escape(t["detail"])} <code>{escape(detail)}</code></p>'
    )
    nav = _switch(lang, request_params, action)
    return _page(lang, t["error-title"], nav, main, "bad-request")
