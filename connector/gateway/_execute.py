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


def collect(data: dict[str, Any], path: Sequence[str]) -> list[tuple[dict[str, Any], Path]]:
    """Every object at ``path`` (lists walked through), with its absolute response path."""
    current: list[tuple[dict[str, Any], Path]] = [(data, [])]
    for key in path:
        current = [o for obj, p in current for o in _objects(obj.get(key), [*p, key])]
    return current


def _pick(obj: Any, selection: SelectionSetNode) -> Any:
    if isinstance(obj, list):
        return [_pick(o, selection) for o in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for f in selection.selections:
        if not isinstance(f, FieldNode):
            continue
        name = f.name.value
        if name not in obj:
            raise KeyError(name)
        value = obj[name]
        out[name] = _pick(value, f.selection_set) if f.selection_set else value
    return out


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
class Executor:
    """Runs plans against the subgraphs at ``urls`` through ``client``."""

    client: SubgraphClient
    urls: Mapping[str, str]
    headers: Mapping[str, str]
    variables: Mapping[str, Any]
    outcome: Outcome = field(default_factory=Outcome)

    async def run(self, plan: QueryPlan) -> Outcome:
        await asyncio.gather(*(self.fetch(r) for r in plan.roots))
        return self.outcome

    async def post(self, fetch: Fetch, extra: Mapping[str, Any]) -> SubgraphReply:
        variables = {n: self.variables[n] for n in fetch.variables if n in self.variables}
        self.outcome.requests[fetch.subgraph] = self.outcome.requests.get(fetch.subgraph, 0) + 1
        reply = await self.client.post(
            fetch.subgraph,
            self.urls[fetch.subgraph],
            fetch.operation,
            {**variables, **extra},
            headers=self.headers,
        )
        self.outcome.keep_extensions(reply.extensions)
        return reply

    async def fetch(self, fetch: Fetch) -> None:
        if not _holds(fetch, self.variables):
            return
        if fetch.type_name is None:
            reply = await self.post(fetch, {})
            first: Path = [fetch.fields[0]] if fetch.fields else []
            if reply.failure:
                self.fail(fetch, reply, first)
            else:
                merge(self.outcome.data, reply.data or {})
                for e in reply.errors:
                    self.node_error(fetch, e, lambda p: p)
        elif not await self.entities(fetch):
            return
        await asyncio.gather(*(self.fetch(c) for c in fetch.children))

    async def entities(self, fetch: Fetch) -> bool:
        targets: list[tuple[dict[str, Any], Path]] = []
        reps: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        where: list[list[int]] = []
        for obj, path in collect(self.outcome.data, fetch.path):
            if obj.get("__typename", fetch.type_name) != fetch.type_name:
                continue
            try:
                picked = _pick(obj, fetch.representation or SelectionSetNode(selections=()))
            except KeyError:
                continue  # the object's key is missing (its own fetch failed): nothing to join
            rep = {"__typename": fetch.type_name, **picked}
            text = json.dumps(rep, sort_keys=True)
            if text not in index:
                index[text] = len(reps)
                reps.append(rep)
                where.append([])
            where[index[text]].append(len(targets))
            targets.append((obj, path))
        if not reps:
            return False
        reply = await self.post(fetch, {"representations": reps})
        if reply.failure:
            self.fail(fetch, reply, [*targets[0][1], *fetch.fields[:1]])
            return False
        entities = (reply.data or {}).get("_entities")
        if isinstance(entities, list):
            for i, entity in enumerate(entities[: len(reps)]):
                if isinstance(entity, dict):
                    for t in where[i]:
                        merge(targets[t][0], entity)

        def rewrite(p: Path) -> Path:
            if len(p) >= 2 and p[0] == "_entities" and isinstance(p[1], int) and p[1] < len(where):
                return [*targets[where[p[1]][0]][1], *p[2:]]
            return [*targets[0][1], *fetch.fields[:1]]

        for e in reply.errors:
            self.node_error(fetch, e, rewrite)
        return True

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
        ext.setdefault("code", "SUBGRAPH_ERROR")
        ext["node"] = fetch.subgraph
        ext.pop("stacktrace", None)
        ext.pop("exception", None)
        out["extensions"] = ext
        self.outcome.errors.append(out)
