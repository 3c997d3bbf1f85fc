"""Input checks shared by the domain computations: each failure is a
:class:`~connector.errors.QueryError` saying which input, what was expected and what came."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from connector.errors import QueryError


def finite(value: object, what: str) -> float:
    """``value`` as a finite float (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QueryError(f"{what}: expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise QueryError(f"{what}: expected a finite number, got {value!r}")
    return number


def non_negative(value: object, what: str) -> float:
    number = finite(value, what)
    if number < 0:
        raise QueryError(f"{what}: expected a number >= 0, got {value!r}")
    return number


def positive(value: object, what: str) -> float:
    number = finite(value, what)
    if number <= 0:
        raise QueryError(f"{what}: expected a number > 0, got {value!r}")
    return number


def integer(value: object, what: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryError(f"{what}: expected an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"between {low} and {high}"
        raise QueryError(f"{what}: expected an integer {bounds}, got {value!r}")
    return value


K = TypeVar("K")


def frozen(mapping: dict[K, float]) -> Mapping[K, float]:
    """A read-only view, so that frozen results stay frozen."""
    return MappingProxyType(mapping)
