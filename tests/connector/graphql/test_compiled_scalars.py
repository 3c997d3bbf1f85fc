"""The compiled path's scalar coercions give what graphql-core's built-in scalars give
(the general executor's), the values they pass unchanged included, and refuse what
they refuse."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString

from connector.graphql._compiled_shape import _coercer

SAMPLES: tuple[Any, ...] = (
    "abc",
    "",
    "12",
    0,
    7,
    -3,
    2**31 - 1,
    -(2**31),
    2**31,
    -(2**31) - 1,
    2.0,
    2.5,
    -0.0,
    float("inf"),
    float("-inf"),
    float("nan"),
    True,
    False,
)


def _outcome(fn: Any, value: Any) -> tuple[str, Any]:
    try:
        out = fn(value)
    except GraphQLError as exc:
        return ("error", exc.message)
    return ("value", (type(out).__name__, repr(out)))


@pytest.mark.parametrize("scalar", [GraphQLString, GraphQLID, GraphQLInt, GraphQLFloat])
def test_fast_coercions_match_the_scalars(scalar: Any) -> None:
    fast = _coercer(scalar)
    for value in SAMPLES:
        assert _outcome(fast, value) == _outcome(scalar.coerce_output_value, value), value


def test_by_hand() -> None:
    assert _coercer(GraphQLInt)(2**31 - 1) == 2**31 - 1
    with pytest.raises(GraphQLError, match="32-bit"):
        _coercer(GraphQLInt)(2**31)
    with pytest.raises(GraphQLError, match="non numeric"):
        _coercer(GraphQLFloat)(float("inf"))
    assert _coercer(GraphQLFloat)(3) == 3.0
    assert _coercer(GraphQLID)(12) == "12"
