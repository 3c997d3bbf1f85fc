"""The log page's filters, read from the query string and checked before any node is asked:
a nonsense value is a message naming the field and what was expected, never a failed page.

>>> f = parse_log_filters({"decision": "deny", "since": "2026-01-31"}, nodes=("cda",),
...                       t=translator("en"))
>>> f.variables()
{'decision': 'deny', 'since': '2026-01-31T00:00:00+00:00'}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from connector.console.i18n import translator

MAX_LENGTH = 500
DECISIONS = ("permit", "deny")
ACTIONS = ("read", "aggregate", "derive")
LEVELS = ("PT1H", "P1D", "P1M")
"""Aggregation levels the what-if form offers (``gui:aggregationLevel``, xsd:duration)."""
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")
DATASET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FIELDS = (
    "node",
    "party",
    "dataset",
    "decision",
    "purpose",
    "since",
    "until",
    "console",
    "entity",
    "address",
)

__all__ = ["LogFilters", "WhatIfForm", "parse_log_filters", "parse_whatif", "translator"]


@dataclass(frozen=True)
class LogFilters:
    """Checked filters; ``form`` keeps what was typed, to show it back."""

    form: Mapping[str, str]
    node: str | None = None
    party: str | None = None
    dataset: str | None = None
    decision: str | None = None
    purpose: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    console: bool = False
    """Whether to include the console's own reads of the logs (left out by default)."""
    entity: str | None = None
    """Entries that read this entity (an RNB id, a room's or any key)."""
    address: str | None = None
    """Entries that read a building at this address, as its register writes it."""
    errors: tuple[tuple[str, str], ...] = field(default=())

    def variables(self, console_client: str | None = None) -> dict[str, Any]:
        """The node's ``AuditFilterInput``; the entries of ``console_client`` (the
        console's own reads) are left out unless the filter includes them."""
        out: dict[str, Any] = {}
        if console_client is not None and not self.console:
            out["excludeClientId"] = console_client
        for key in ("party", "dataset", "decision", "purpose", "entity", "address"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        for key in ("since", "until"):
            if (value := getattr(self, key)) is not None:
                out[key] = value.isoformat()
        return out

    def nodes(self, all_nodes: Sequence[str]) -> list[str]:
        return [self.node] if self.node else list(all_nodes)


def parse_time(value: str, zone: tzinfo = UTC) -> datetime:
    """``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM[:SS]`` (in ``zone`` when no offset), or with an
    offset."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _label(t: Callable[[str], str], name: str) -> str:
    return t(f"f_{name}")


def parse_log_filters(
    params: Mapping[str, str],
    *,
    nodes: Sequence[str],
    t: Callable[[str], str],
    zone: tzinfo = UTC,
) -> LogFilters:
    form = {k: params.get(k, "").strip() for k in FIELDS}
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for key, value in form.items():
        if len(value) > MAX_LENGTH:
            errors.append(
                (
                    key,
                    t("bad_length").format(
                        field=_label(t, key), length=len(value), limit=MAX_LENGTH
                    ),
                )
            )
            form[key] = value[:MAX_LENGTH]
            continue
        if not value:
            continue
        if key == "node" and value not in nodes:
            errors.append((key, t("bad_node").format(value=value, expected=", ".join(nodes))))
        elif key in ("party", "purpose") and not IRI.fullmatch(value):
            errors.append((key, t("bad_iri").format(field=_label(t, key), value=value)))
        elif key == "dataset" and not DATASET.fullmatch(value):
            errors.append((key, t("bad_dataset").format(value=value)))
        elif key == "decision" and value not in DECISIONS:
            errors.append(
                (key, t("bad_decision").format(value=value, expected=", ".join(DECISIONS)))
            )
        elif key == "console":
            if value == "1":
                values[key] = True
            else:
                errors.append((key, t("bad_console").format(value=value)))
        elif key in ("since", "until"):
            try:
                values[key] = parse_time(value, zone)
            except ValueError:
                errors.append((key, t("bad_time").format(field=_label(t, key), value=value)))
        else:
            values[key] = value
    since, until = values.get("since"), values.get("until")
    if since is not None and until is not None and since >= until:
        errors.append(("until", t("bad_range")))
    return LogFilters(form=form, errors=tuple(errors), **values)


@dataclass(frozen=True)
class WhatIfForm:
    form: Mapping[str, str]
    asked: bool
    errors: tuple[tuple[str, str], ...] = ()

    def variables(self) -> dict[str, Any]:
        f = self.form
        out: dict[str, Any] = {"party": f["party"], "dataset": f["dataset"], "action": f["action"]}
        if f["purpose"]:
            out["purpose"] = f["purpose"]
        if f["level"]:
            out["level"] = f["level"]
        return out


def parse_whatif(
    params: Mapping[str, str], *, nodes: Sequence[str], t: Callable[[str], str]
) -> WhatIfForm:
    keys = ("node", "party", "purpose", "dataset", "action", "level")
    form = {k: params.get(k, "").strip()[:MAX_LENGTH] for k in keys}
    form["action"] = form["action"] or "read"
    asked = any(params.get(k) for k in ("party", "dataset"))
    if not asked:
        return WhatIfForm(form=form, asked=False)
    errors: list[tuple[str, str]] = []
    for key in ("node", "party", "dataset"):
        if not form[key]:
            errors.append((key, t("missing_field").format(field=_label(t, key))))
    if form["node"] and form["node"] not in nodes:
        errors.append(("node", t("bad_node").format(value=form["node"], expected=", ".join(nodes))))
    for key in ("party", "purpose"):
        if form[key] and not IRI.fullmatch(form[key]):
            errors.append((key, t("bad_iri").format(field=_label(t, key), value=form[key])))
    if form["dataset"] and not DATASET.fullmatch(form["dataset"]):
        errors.append(("dataset", t("bad_dataset").format(value=form["dataset"])))
    if form["action"] not in ACTIONS:
        errors.append(
            ("action", t("bad_action").format(value=form["action"], expected=", ".join(ACTIONS)))
        )
    if form["level"] and form["level"] not in LEVELS:
        errors.append(
            ("level", t("bad_level").format(value=form["level"], expected=", ".join(LEVELS)))
        )
    return WhatIfForm(form=form, asked=True, errors=tuple(errors))
