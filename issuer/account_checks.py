"""Checks on what is registered with the issuer: each problem names the field, what was
expected and what came (a :class:`~connector.errors.ConfigError` carries them all)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from connector.errors import ConfigError, ConfigIssue

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


def is_iri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme == "urn") and " " not in value


def redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as a placeholder
        return "<database url>"


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def identity_issues(
    where: str, iri: str, name: str, roles: tuple[str, ...] | list[str]
) -> list[ConfigIssue]:
    """What is wrong with the IRI, name and roles of a participant or a person account."""
    issues = []
    if not is_iri(iri):
        issues.append(ConfigIssue(where, "iri", f"expected an absolute IRI, got {iri!r}"))
    if not name.strip():
        issues.append(ConfigIssue(where, "name", "expected a non-empty name"))
    issues += [
        ConfigIssue(where, "roles", f"expected a non-empty role, got {r!r}")
        for r in roles
        if not r.strip()
    ]
    return issues


def check_account(
    username: str, iri: str, name: str, roles: tuple[str, ...], password: str
) -> None:
    where = f"account {username!r}"
    issues = []
    if not USERNAME.match(username):
        issues.append(
            ConfigIssue(
                where,
                "username",
                "expected 1-64 characters among letters, digits and . _ @ -, "
                f"starting with a letter or digit, got {username!r}",
            )
        )
    issues += identity_issues(where, iri, name, roles)
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        issues.append(
            ConfigIssue(
                where,
                "password",
                f"expected {MIN_PASSWORD} to {MAX_PASSWORD} characters, got {len(password)}",
            )
        )
    if issues:
        raise ConfigError(issues)


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a redirect URI (RFC 6749 §3.1.2, RFC 8252 §7.3), or ``None``."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"expected an absolute URL, got {uri!r}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"expected an absolute http(s) URL, got {uri!r}"
    if parts.fragment or "#" in uri:
        return f"a redirect URI has no fragment, got {uri!r}"
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return f"plain http is accepted on loopback only, got {uri!r}"
    if any(c.isspace() for c in uri):
        return f"expected no white space, got {uri!r}"
    return None


def check_web_client(client_id: str, name: str, redirect_uris: tuple[str, ...]) -> None:
    where = f"web client {client_id!r}"
    issues = []
    if not CLIENT_ID.match(client_id):
        issues.append(
            ConfigIssue(
                where,
                "client_id",
                "expected 1-64 characters among letters, digits and . _ -, "
                f"starting with a letter or digit, got {client_id!r}",
            )
        )
    if not name.strip():
        issues.append(ConfigIssue(where, "name", "expected a non-empty name"))
    if not redirect_uris or isinstance(redirect_uris, str):
        issues.append(ConfigIssue(where, "redirect_uris", "expected at least one redirect URI"))
    for uri in redirect_uris:
        problem = redirect_uri_problem(uri)
        if problem:
            issues.append(ConfigIssue(where, "redirect_uris", problem))
    if issues:
        raise ConfigError(issues)
