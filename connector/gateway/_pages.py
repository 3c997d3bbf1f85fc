"""The composite cursor and the merge of the holders' pages of a partitioned list (see
:mod:`._fanout`): rows in the nodes' order (the ``orderBy`` fields, nulls last in both
directions, then the key), the page cut where no holder may still have a row sorting
before, each holder's position carried in the cursor."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from graphql import FieldNode

from connector.errors import GatewayError
from connector.gateway._fetches import INTERNAL, response_key
from connector.gateway._partitions import FanOut, Holder

CURSOR_VERSION = 1


class CursorError(GatewayError):
    """A client's ``after`` that is not a composite cursor of this list and order."""


Order = list[tuple[str, bool]]


def encode(fan: FanOut, order: Order, at: Mapping[str, str | None], done: set[str]) -> str:
    body = {
        "v": CURSOR_VERSION,
        "type": fan.type_name,
        "order": [[f, d] for f, d in order],
        "at": {h: c for h, c in sorted(at.items()) if c is not None},
        "done": sorted(done),
    }
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, fan: FanOut, order: Order) -> tuple[dict[str, str], set[str]]:
    """Each holder's position and the exhausted holders; ``CursorError`` naming why not."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        body = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise CursorError("it is not a cursor of this gateway") from None
    if not isinstance(body, dict) or body.get("v") != CURSOR_VERSION:
        raise CursorError("it is not a cursor of this gateway")
    if body.get("type") != fan.type_name:
        raise CursorError(f"it is a cursor of {body.get('type')!r} rows, not {fan.type_name}")
    if body.get("order") != [[f, d] for f, d in order]:
        raise CursorError("it was made for another orderBy")
    at, done = body.get("at"), body.get("done")
    if not (
        isinstance(at, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in at.items())
        and isinstance(done, list)
        and all(isinstance(d, str) for d in done)
    ):
        raise CursorError("its holder positions are malformed")
    return dict(at), set(done)


# -- merging -------------------------------------------------------------------------
def _compare(order: Order, a: Sequence[Any], b: Sequence[Any]) -> int:
    for (_, desc), x, y in zip(order, a, b, strict=True):
        if x == y:
            continue
        if x is None:
            return 1  # nulls last, in both directions, as the nodes sort
        if y is None:
            return -1
        less = x < y
        return (1 if less else -1) if desc else (-1 if less else 1)
    return 0


def order_of(fan: FanOut, args: Mapping[str, Any]) -> Order:
    out: Order = []
    for o in args.get("orderBy") or ():
        if isinstance(o, dict) and o.get("field") in fan.sort_fields:
            out.append((fan.sort_fields[o["field"]], o.get("direction") == "DESC"))
    if fan.key not in [f for f, _ in out]:
        out.append((fan.key, False))
    return out


FILTERED_DIMENSIONS = ("inseeCode", "usage")


def dimensions_of(args: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """The values a list's filter allows on the fields partitions are declared by
    (``eq``, ``in``; both given: their intersection); a field not filtered so is absent."""
    out: dict[str, frozenset[str]] = {}
    filt = args.get("filter") or {}
    for f in FILTERED_DIMENSIONS:
        condition = filt.get(f) if isinstance(filt, dict) else None
        if not isinstance(condition, dict):
            continue
        wanted: set[str] | None = None
        if isinstance(condition.get("eq"), str):
            wanted = {condition["eq"]}
        if isinstance(condition.get("in"), list):
            values = {v for v in condition["in"] if isinstance(v, str)}
            wanted = values if wanted is None else wanted & values
        if wanted is not None:
            out[f] = frozenset(wanted)
    return out


class Page:
    """One holder's answer: its rows (sort values, cursor) and whether it has more."""

    def __init__(self, holder: Holder, conn: Mapping[str, Any], order: Order) -> None:
        self.holder = holder
        self.conn = conn
        nodes = conn.get(INTERNAL + "nodes") or []
        edges = conn.get(INTERNAL + "edges") or []
        self.values = [[(n or {}).get(INTERNAL + f) for f, _ in order] for n in nodes]
        self.cursors: list[str | None] = [(e or {}).get("cursor") for e in edges]
        self.more = bool((conn.get(INTERNAL + "pageInfo") or {}).get("hasNextPage"))


_Candidate = tuple[list[Any], str, int, int]  # sort values, holder, page, row


def merge_pages(
    fan: FanOut,
    pages: Sequence[Page],
    order: Order,
    first: int | None,
    at: dict[str, str],
    done: set[str],
) -> dict[str, Any]:
    """The merged connection, shaped as the client's selection asks."""
    candidates: list[_Candidate] = [
        (p.values[i], p.holder.subgraph, k, i)
        for k, p in enumerate(pages)
        for i in range(len(p.values))
    ]

    def compare(a: _Candidate, b: _Candidate) -> int:
        return _compare(order, a[0], b[0]) or (a[1] > b[1]) - (a[1] < b[1])

    rows = sorted(candidates, key=functools.cmp_to_key(compare))
    limits = [len(p.values) for p in pages if p.more]
    if first is not None:
        limits.append(first)
    chosen = rows[: min(limits)] if limits else rows
    at, done = dict(at), set(done)
    cursors: list[str] = []
    per_row = _asks_edges(fan.asked)  # else only the end cursor is encoded, not one per row
    used = [0] * len(pages)
    for _, holder, k, i in chosen:
        c = pages[k].cursors[i] if i < len(pages[k].cursors) else None
        if c is None:
            raise CursorError(f"holder {holder!r} gives no row cursor (pseudonymised keys?)")
        at[holder] = c
        used[k] += 1
        if per_row:
            finished = {
                p.holder.subgraph
                for j, p in enumerate(pages)
                if not p.more and used[j] == len(p.values)
            }
            cursors.append(encode(fan, order, at, done | finished))
    done |= {
        p.holder.subgraph for k, p in enumerate(pages) if not p.more and used[k] == len(p.values)
    }
    more = any(p.more or used[k] < len(p.values) for k, p in enumerate(pages))
    end = encode(fan, order, at, done)
    return _shape(fan.asked, pages, [(k, i) for _, _, k, i in chosen], cursors, end, more)


def _shape(
    asked: FieldNode | None,
    pages: Sequence[Page],
    chosen: list[tuple[int, int]],
    cursors: list[str],
    end: str,
    more: bool,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sel in asked.selection_set.selections if asked and asked.selection_set else ():
        if not isinstance(sel, FieldNode):
            continue
        key, name = response_key(sel), sel.name.value
        if name in ("nodes", "edges"):
            items = [(pages[k].conn.get(key) or [None] * (i + 1))[i] for k, i in chosen]
            if name == "edges":
                items = [_with_cursor(e, sel, c) for e, c in zip(items, cursors, strict=True)]
            out[key] = items
        elif name == "pageInfo":
            out[key] = _page_info(sel, end, more)
        elif name == "totalCount":
            counts = [p.conn.get(key) for p in pages]
            out[key] = sum(c for c in counts if isinstance(c, int))
        elif name == "__typename":
            out[key] = next((p.conn.get(key) for p in pages), None)
    return out


def _with_cursor(edge: Any, sel: FieldNode, cursor: str) -> Any:
    if not isinstance(edge, dict) or sel.selection_set is None:
        return edge
    edge = dict(edge)
    for s in sel.selection_set.selections:
        if isinstance(s, FieldNode) and s.name.value == "cursor":
            edge[response_key(s)] = cursor
    return edge


def _page_info(sel: FieldNode, end: str | None, more: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in sel.selection_set.selections if sel.selection_set else ():
        if isinstance(s, FieldNode):
            value: Any = {"endCursor": end, "hasNextPage": more, "__typename": "PageInfo"}
            out[response_key(s)] = value.get(s.name.value)
    return out


def _asks_edges(asked: FieldNode | None) -> bool:
    selections = asked.selection_set.selections if asked and asked.selection_set else ()
    return any(isinstance(s, FieldNode) and s.name.value == "edges" for s in selections)


def asks_count(asked: FieldNode | None) -> bool:
    selections = asked.selection_set.selections if asked and asked.selection_set else ()
    return any(isinstance(s, FieldNode) and s.name.value == "totalCount" for s in selections)
