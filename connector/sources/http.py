"""HTTP source adapter: a partner's JSON API, read in place through ``httpx``.

Each entity's ``table`` is a path under the source ``url``. The answer is a JSON array
of objects, or an object holding that array under the ``items`` option (a dotted path
such as ``"data.results"``). Nested objects are flattened with dots, so a column can be
``"mesure.valeur"``. Pages are followed through the ``next`` option (dotted path of the
next page's URL in the body) or, without it, an RFC 8288 ``Link: <...>; rel="next"``
header, up to ``max_pages`` (default 100).

Options: ``items``, ``next``, ``max_pages``, ``timeout`` (seconds, default 10),
``headers`` (a table of request headers), ``query_params = { field = "param" }``:
equality filters on those fields are also sent as query parameters (the API may narrow
its answer; the filters are applied again here, so an API ignoring them is harmless).

Queries are evaluated in Python (:mod:`connector.sources._memory`) with the semantics
of the SQL adapter. The client is injected (``client=``) so that tests pass
``httpx.MockTransport``; without one the adapter owns its client.

Example::

    source = HttpSource(SourceConfig("api", "http", url="https://partner.example/api"),
                        [mapping], client=httpx.AsyncClient())
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from connector.config import EntityMapping, SourceConfig
from connector.errors import SourceError
from connector.sources import _memory
from connector.sources._values import PLAIN, Entity, entity_of, source_columns, text
from connector.sources.base import Aggregate, Condition, Health, Row, Select


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


class HttpSource:
    """A read-only JSON API."""

    def __init__(
        self,
        config: SourceConfig,
        mappings: Sequence[EntityMapping],
        *,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not config.url:
            raise SourceError(config.name, "no API URL configured")
        self.name = config.name
        self.url = config.url.rstrip("/")
        options = dict(config.options)
        self.items_key = options.get("items")
        self.next_key = options.get("next")
        self.max_pages = int(options.get("max_pages", 100))
        timeout = options.get("timeout", 10.0)
        self.timeout = float(timeout) if isinstance(timeout, int | float) else 10.0
        self.headers = {str(k): str(v) for k, v in dict(options.get("headers", {})).items()}
        self.query_params = {
            str(k): str(v) for k, v in dict(options.get("query_params", {})).items()
        }
        self._own_client = client is None
        self._client = client or httpx.AsyncClient()
        self._entities = {m.entity: Entity(m) for m in mappings}

    def _params(self, entity: Entity, where: tuple[Condition, ...]) -> dict[str, str]:
        params: dict[str, str] = {}
        for cond in where:
            param = self.query_params.get(cond.field)
            fm = entity.mapping.fields.get(cond.field)
            if param is None or fm is None or cond.op != "eq" or cond.value is None:
                continue
            if len(fm.columns) == 1 and fm.values is None and not fm.converts:
                value = cond.value
                params[param] = value.isoformat() if isinstance(value, datetime) else text(value)
        return params

    async def _get(self, url: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        try:
            response = await self._client.get(
                url,
                params=params,
                headers=self.headers,
                timeout=self.timeout,
                follow_redirects=True,
            )
        except httpx.TimeoutException as exc:
            raise SourceError(self.name, "the API did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise SourceError(self.name, f"the API is unavailable ({type(exc).__name__})") from exc
        if response.status_code >= 400:
            raise SourceError(
                self.name, f"the API answered HTTP {response.status_code} for {httpx.URL(url).path}"
            )
        return response

    async def _records(
        self, entity: Entity, where: tuple[Condition, ...] = ()
    ) -> list[dict[str, object]]:
        url: str | None = f"{self.url}/{entity.mapping.table.lstrip('/')}"
        params: dict[str, str] | None = self._params(entity, where)
        records: list[dict[str, object]] = []
        for _ in range(self.max_pages):
            if url is None:
                break
            response = await self._get(url, params)
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise SourceError(
                    self.name, f"the API answered invalid JSON for {entity.mapping.table!r}"
                ) from exc
            items = _dig(body, str(self.items_key)) if self.items_key else body
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                shape = (
                    f"an object with the list under {self.items_key!r}"
                    if self.items_key
                    else "a JSON array of objects"
                )
                raise SourceError(
                    self.name, f"the API answer for {entity.mapping.table!r} is not {shape}"
                )
            records.extend(_flatten(i) for i in items)
            nxt = (
                _dig(body, str(self.next_key))
                if self.next_key
                else response.links.get("next", {}).get("url")
            )
            url = str(response.url.join(nxt)) if isinstance(nxt, str) and nxt else None
            params = None
        else:
            if url is not None:
                raise SourceError(
                    self.name,
                    f"more than {self.max_pages} pages for "
                    f"{entity.mapping.table!r} (option max_pages)",
                )
        self._check_columns(entity, records)
        return records

    def _check_columns(self, entity: Entity, records: list[dict[str, object]]) -> None:
        if not records:
            return
        seen: set[str] = set().union(*(r.keys() for r in records))
        missing = [f"{c!r} ({what})" for c, what in source_columns(entity.mapping) if c not in seen]
        if missing:
            raise SourceError(
                self.name,
                f"the API answer for {entity.mapping.table!r} has "
                f"no column {', '.join(missing)} (entity {entity.name})",
            )

    async def _evaluate(self, entity: Entity, query: Select | Aggregate) -> list[Row]:
        records = await self._records(entity, query.where)
        try:
            if isinstance(query, Select):
                return _memory.select(entity, query, records, PLAIN)
            return _memory.aggregate(entity, query, records, PLAIN)
        except _memory.RecordError as exc:
            raise SourceError(
                self.name, f"the API answer for {entity.mapping.table!r}: {exc}"
            ) from exc

    async def select(self, query: Select) -> list[Row]:
        return await self._evaluate(entity_of(self._entities, query.entity), query)

    async def aggregate(self, query: Aggregate) -> list[Row]:
        return await self._evaluate(entity_of(self._entities, query.entity), query)

    async def check(self) -> list[str]:
        """Problems of the mappings against the API's answers; [] if none."""
        problems: list[str] = []
        for entity in self._entities.values():
            try:
                await self._records(entity)
            except SourceError as exc:
                problems.append(str(exc))
        return problems

    async def health(self) -> Health:
        now = datetime.now(UTC)
        try:
            response = await self._client.get(
                self.url, headers=self.headers, timeout=min(self.timeout, 5.0)
            )
        except httpx.HTTPError as exc:
            return Health(self.name, False, f"the API is unavailable ({type(exc).__name__})", now)
        ok = response.status_code < 500
        return Health(
            self.name, ok, f"HTTP {response.status_code}", now, {"status": response.status_code}
        )

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()
