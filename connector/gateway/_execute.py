"""Executing a :class:`QueryPlan`: root fetches concurrently, then each fetch's children
concurrently; entity fetches gather every object at their path into one ``_entities``
request. Failures become errors with a code and the node's name, at the path of the
objects they leave empty; the rest of the answer stays."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, SelectionSetNode

from connector.gateway._fanout import route_entities
from connector.gateway._fanout import run as fan_out
from connector.gateway._fetches import INTERNAL
from connector.gateway._http import SubgraphClient, SubgraphReply
from connector.gateway._plan import Fetch, QueryPlan

Path = list[str | int]


@dataclass
class Outcome:
    """The merged data of every fetch, the errors met, and the count of requests."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    extensions: dict[str, list[Any]] = field(default_factory=dict)

    def keep_extensions(self, extensions: Mapping[str, Any]) -> None:
        """Subgraphs' list-valued extensions (the nodes' ``usage`` terms: rules, duties,
        attribution) are passed on to the client, each entry once."""
        for key, value in extensions.items():
            if isinstance(value, list):
                kept = self.extensions.setdefault(key, [])
                kept += [v for v in value if v not in kept]


def _objects(value: Any, path: Path) -> list[tuple[dict[str, Any], Path]]:
    if isinstance(value, list):
        return [o for i, v in enumerate(value) for o in _objects(v, [*path, i])]
    return [(value, path)] if isinstance(value, dict) else []


def _client_fields(fetch: Fetch) -> list[str]:
    """The fields of ``fetch`` the client asked for: not the gateway's own join fields
    (``_gw_...``), whose names must never reach a caller (an error on a fetch made only
    for a ``@requires`` is at the object's path)."""
    return [f for f in fetch.fields if not f.startswith(INTERNAL)]


def collect(data: dict[str, Any], path: Sequence[str]) -> list[tuple[dict[str, Any], Path]]:
    """Every object at ``path`` (lists walked through), with its absolute response path."""
    current: list[tuple[dict[str, Any], Path]] = [(data, [])]
    for key in path:
        current = [o for obj, p in current for o in _objects(obj.get(key), [*p, key])]
    return current


def _pick(obj: Any, selection: SelectionSetNode, prefix: str = "") -> Any:
    """The representation fields of ``obj``; at the top, under the gateway's own aliases."""
    if isinstance(obj, list):
        return [_pick(o, selection, prefix) for o in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for f in selection.selections:
        if not isinstance(f, FieldNode):
            continue
        name = f.name.value
        value = obj[prefix + name]  # KeyError: not there, the object cannot be joined
        out[name] = _pick(value, f.selection_set) if f.selection_set else value
    return out


def _flat(selection: SelectionSetNode) -> tuple[str, ...] | None:
    """The field names of a representation made of leaf fields only, else None."""
    names = []
    for f in selection.selections:
        if not isinstance(f, FieldNode) or f.selection_set is not None:
            return None
        names.append(f.name.value)
    return tuple(names)


def _identity(rep: dict[str, Any]) -> Any:
    """A hashable value equal for equal representations. ``_pick`` builds every
    representation of one fetch with its keys in one order, so a flat one of strings (the
    usual key) is the tuple of its values; others are their JSON, sorted."""
    values = tuple(rep.values())
    if all(type(v) is str for v in values):
        return values
    return json.dumps(rep, sort_keys=True)


def merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    """Deep-merge ``source`` into ``target`` (objects field by field, lists item by item)."""
    for key, value in source.items():
        old = target.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merge(old, value)
        elif isinstance(old, list) and isinstance(value, list) and len(old) == len(value):
            for a, b in zip(old, value, strict=True):
                if isinstance(a, dict) and isinstance(b, dict):
                    merge(a, b)
        else:
            target[key] = value


def _holds(fetch: Fetch, variables: Mapping[str, Any]) -> bool:
    return all(bool(variables.get(c.variable)) == c.include for c in fetch.conditions)


@dataclass
class _Join:
    """One entity fetch's objects: distinct representations, and where each one goes."""

    fetch: Fetch
    targets: list[tuple[dict[str, Any], Path]] = field(default_factory=list)
    reps: list[dict[str, Any]] = field(default_factory=list)
    where: list[list[int]] = field(default_factory=list)


def _batched(joins: Sequence[_Join]) -> tuple[str, dict[str, Any]]:
    """Several entity fetches to one subgraph as one operation: ``_entities`` aliased
    ``_entities_<i>`` with its representations in ``$_representations_<i>``."""
    defs = [f"$_representations_{i}: [_Any!]!" for i in range(len(joins))]
    defs += list(dict.fromkeys(d for j in joins for d in j.fetch.variable_definitions))
    body = " ".join(
        f"_entities_{i}: _entities(representations: $_representations_{i}) {{ {j.fetch.body} }}"
        for i, j in enumerate(joins)
    )
    name = f"{joins[0].fetch.name}__batch"
    variables = {f"_representations_{i}": j.reps for i, j in enumerate(joins)}
    return f"query {name}({', '.join(defs)}) {{ {body} }}", variables


def _split_batch(reply: SubgraphReply, n: int) -> list[tuple[Any, list[Mapping[str, Any]]]]:
    """Each batched fetch's ``_entities`` and errors (paths back to ``_entities``)."""
    data = reply.data or {}
    out: list[tuple[Any, list[Mapping[str, Any]]]] = [
        (data.get(f"_entities_{i}"), []) for i in range(n)
    ]
    for e in reply.errors:
        path = e.get("path")
        head = path[0] if isinstance(path, list) and path else None
        i = int(head.rsplit("_", 1)[1]) if isinstance(head, str) and head[-1:].isdigit() else 0
        if i >= n:
            i = 0
        if isinstance(path, list) and path:
            e = {**e, "path": ["_entities", *path[1:]]}
        out[i][1].append(e)
    return out


@dataclass
class Executor:
    """Runs plans against the subgraphs at ``urls`` through ``client``."""

    client: SubgraphClient
    urls: Mapping[str, str]
    headers: Mapping[str, str]
    variables: Mapping[str, Any]
    flags: Mapping[str, Any] = field(default_factory=dict)  # coerced, defaults applied
    outcome: Outcome = field(default_factory=Outcome)

    async def run(self, plan: QueryPlan) -> Outcome:
        if plan.sequential:
            for root in plan.roots:
                await self.fetch(root)
        else:
            await asyncio.gather(*(self.fetch(r) for r in plan.roots))
        return self.outcome

    async def post(
        self, fetch: Fetch, operation: str, extra: Mapping[str, Any], *, names: Sequence[str] = ()
    ) -> SubgraphReply:
        wanted = dict.fromkeys([*fetch.variables, *names])
        variables = {n: self.variables[n] for n in wanted if n in self.variables}
        self.outcome.requests[fetch.subgraph] = self.outcome.requests.get(fetch.subgraph, 0) + 1
        reply = await self.client.post(
            fetch.subgraph,
            self.urls[fetch.subgraph],
            operation,
            {**variables, **extra},
            headers=self.headers,
            idempotent=fetch.idempotent,
        )
        self.outcome.keep_extensions(reply.extensions)
        return reply

    async def fetch(self, fetch: Fetch) -> None:
        """A root fetch, then its children."""
        if not _holds(fetch, self.flags):
            return
        if fetch.fanout is not None:  # a partitioned type: every holder, merged
            await fan_out(self, fetch, fetch.fanout)
            return
        reply = await self.post(fetch, fetch.operation, {})
        if reply.failure:
            self.fail(fetch, reply, [fetch.fields[0]] if fetch.fields else [])
            return
        merge(self.outcome.data, reply.data or {})
        for e in reply.errors:
            self.node_error(fetch, e, lambda p: p)
        await self.children(fetch.children)

    async def children(self, fetches: Sequence[Fetch]) -> None:
        """Entity fetches ready to run: one request per subgraph, concurrently."""
        by_subgraph: dict[str, list[Fetch]] = {}
        for f in fetches:
            if _holds(f, self.flags):
                by_subgraph.setdefault(f.subgraph, []).append(f)
        await asyncio.gather(*(self.entities(group) for group in by_subgraph.values()))

    def join(self, fetch: Fetch) -> _Join | None:
        """The representations of the objects at the fetch's path (each distinct one once)."""
        j = _Join(fetch)
        index: dict[Any, int] = {}
        selection = fetch.representation or SelectionSetNode(selections=())
        flat = _flat(selection)
        for obj, path in collect(self.outcome.data, fetch.path):
            typename = obj.get("__typename", fetch.type_name)
            if typename != fetch.type_name and typename not in fetch.matches:
                continue
            try:
                if flat is not None:  # leaf fields only (the usual key): no walk
                    values = tuple([obj[INTERNAL + name] for name in flat])
                    rep = {"__typename": fetch.type_name, **dict(zip(flat, values, strict=True))}
                else:
                    rep = {"__typename": fetch.type_name, **_pick(obj, selection, INTERNAL)}
            except KeyError:
                continue  # the object's key is missing (its own fetch failed): nothing to join
            text = _identity(rep)
            if text not in index:
                index[text] = len(j.reps)
                j.reps.append(rep)
                j.where.append([])
            j.where[index[text]].append(len(j.targets))
            j.targets.append((obj, path))
        return j if j.reps else None

    async def entities(self, fetches: Sequence[Fetch]) -> None:
        """Sibling entity fetches of one subgraph, in one request; then their children.
        A partitioned type's go to the holder of each key (:func:`._fanout.route_entities`)."""
        joins = [j for f in fetches if (j := self.join(f)) is not None]
        if not joins:
            return
        routed = [j for j in joins if j.fetch.fanout is not None]
        plain = [j for j in joins if j.fetch.fanout is None]
        if plain and not routed and not await self.send(plain):
            return
        if routed:
            await asyncio.gather(
                *([self.send(plain)] if plain else []), route_entities(self, routed)
            )
        await self.children([c for j in joins for c in j.fetch.children])

    async def send(self, joins: Sequence[_Join]) -> bool:
        """Entity fetches of one subgraph in one request, their answers merged in place."""
        first = joins[0].fetch
        if len(joins) == 1:
            reply = await self.post(first, first.operation, {"representations": joins[0].reps})
            answers = [((reply.data or {}).get("_entities"), list(reply.errors))]
        else:
            operation, reps = _batched(joins)
            names = [n for j in joins for n in j.fetch.variables]
            reply = await self.post(first, operation, reps, names=names)
            answers = _split_batch(reply, len(joins))
        if reply.failure:
            for j in joins:
                self.fail(j.fetch, reply, [*j.targets[0][1], *_client_fields(j.fetch)[:1]])
            return False
        for j, (entities, errors) in zip(joins, answers, strict=True):
            self.apply(j, entities, errors)
        return True

    def apply(self, j: _Join, entities: Any, errors: Sequence[Mapping[str, Any]]) -> None:
        if isinstance(entities, list):
            for i, entity in enumerate(entities[: len(j.reps)]):
                if isinstance(entity, dict):
                    for t in j.where[i]:
                        merge(j.targets[t][0], entity)

        def rewrite(p: Path) -> Path:
            if (
                len(p) >= 2
                and p[0] == "_entities"
                and isinstance(p[1], int)
                and p[1] < len(j.where)
            ):
                return [*j.targets[j.where[p[1]][0]][1], *p[2:]]
            return [*j.targets[0][1], *_client_fields(j.fetch)[:1]]

        for e in errors:
            self.node_error(j.fetch, e, rewrite)

    def fail(self, fetch: Fetch, reply: SubgraphReply, path: Path) -> None:
        self.outcome.errors.append(
            {
                "message": f"subgraph {fetch.subgraph!r}: {reply.reason}",
                "path": path,
                "extensions": {"code": reply.failure, "node": fetch.subgraph},
            }
        )

    def node_error(self, fetch: Fetch, error: Mapping[str, Any], rewrite: Any) -> None:
        out: dict[str, Any] = {"message": str(error.get("message", "subgraph error"))}
        raw = error.get("path")
        if isinstance(raw, list):
            out["path"] = rewrite(raw)
        elif fetch.type_name is not None:
            out["path"] = rewrite([])
        extensions = error.get("extensions")
        ext = dict(extensions) if isinstance(extensions, dict) else {}
        ext.setdefault("code", "DOWNSTREAM_SERVICE_ERROR")  # as Apollo Gateway says it
        ext["node"] = fetch.subgraph
        ext.pop("stacktrace", None)
        ext.pop("exception", None)
        out["extensions"] = ext
        self.outcome.errors.append(out)
