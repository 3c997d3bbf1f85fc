"""Custom scalars and the Python types standing for the model's scalar types."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, NewType

import strawberry
from strawberry.schema.config import StrawberryConfig

from connector.errors import QueryError
from connector.model import ScalarType
from connector.rnb import InvalidRnbId, canonical_rnb_id


def _parse_rnb(value: object) -> str:
    try:
        return canonical_rnb_id(value)
    except InvalidRnbId as exc:
        raise QueryError(str(exc)) from exc


RnbId = NewType("RnbId", str)

RNB_SCALAR = strawberry.scalar(
    name="RnbId",
    description=(
        "RNB building identifier: 12 characters from 123456789ABCDEFGHJKMNPQRSTVWXYZ. "
        "Input may use dashes (PG46-YY6Y-JW8N); output is canonical (PG46YY6YJW8N)."
    ),
    serialize=str,
    parse_value=_parse_rnb,
)


def schema_config() -> StrawberryConfig:
    """Our scalars, mapped the way strawberry recommends."""
    return StrawberryConfig(scalar_map={RnbId: RNB_SCALAR})


PY_TYPES: dict[ScalarType, Any] = {
    "ID": strawberry.ID,
    "String": str,
    "Int": int,
    "Float": float,
    "Boolean": bool,
    "DateTime": datetime,
    "RnbId": RnbId,
}


def encode_cursor(values: list[object]) -> str:
    """An opaque cursor holding the sort values of a row (datetimes as ISO strings)."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, types: list[ScalarType]) -> tuple[object, ...]:
    """Decode a cursor made by :func:`encode_cursor` for sort fields of ``types``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("wrong length")
        return tuple(
            datetime.fromisoformat(v) if t == "DateTime" and isinstance(v, str) else v
            for v, t in zip(values, types, strict=True)
        )
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise QueryError(
            f"after: {cursor!r} is not a cursor of this list with this ordering; "
            "use pageInfo.endCursor from the previous page"
        ) from exc
