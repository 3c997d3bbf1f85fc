"""The per-statement cell decoders of the SQL source (:func:`field_decoder`) give what the
general conversion (:func:`to_canonical`) gives, cell for cell: the SQL adapter reads
rows through them, every other adapter through the general conversion."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connector.config import FieldMapping
from connector.model import ScalarType
from connector.sources._values import field_decoder, to_canonical

# what SQLite and asyncpg hand back, including values of another type than the column's
# (SQLite's columns take anything) and the empty string, which reads as null
RAWS: tuple[Any, ...] = (
    None,
    "",
    " ",
    "abc",
    "École",
    "0",
    "12",
    "12.5",
    "1 234,5",
    "2024-01-15 08:00:00",
    "2024-01-15T08:00:00Z",
    "2024-01-15 08:00:00+02:00",
    " 2024-01-15 08:00:00 ",
    "2024-01-15T08:00:00.250000",
    "2024-01-15",
    "2024-13-45 08:00:00",
    "true",
    "non",
    0,
    1,
    7,
    -3,
    2.0,
    2.5,
    -0.0,
    float("nan"),
    True,
    False,
    Decimal("1.50"),
    datetime(2024, 1, 15, 8, 0),
    datetime(2024, 1, 15, 8, 0, tzinfo=UTC),
    date(2024, 1, 15),
    b"bytes",
)
TYPES: tuple[ScalarType, ...] = ("ID", "String", "RnbId", "Int", "Float", "Boolean", "DateTime")
MAPPINGS = (
    FieldMapping("f", ("a",)),
    FieldMapping("f", ("a",), scale=0.001),
    FieldMapping("f", ("a",), offset=-273.15),
    FieldMapping("f", ("a",), values={"1": "one", "abc": "ABC", "true": "yes"}),
    FieldMapping("f", ("a",), timezone="Europe/Paris"),
)


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        value = fn(*args)
    except (ValueError, TypeError, ArithmeticError) as exc:
        return ("error", type(exc).__name__)
    if isinstance(value, float) and value != value:
        return ("nan", type(value).__name__)  # nan is not equal to itself
    return ("value", (type(value).__name__, value))


@pytest.mark.parametrize("fm", MAPPINGS, ids=repr)
@pytest.mark.parametrize("ftype", TYPES)
def test_one_column_decoders_agree_with_the_general_conversion(
    fm: FieldMapping, ftype: ScalarType
) -> None:
    decode = field_decoder(fm, ftype, (1,))
    for raw in RAWS:
        row = ("other", raw)
        expected = _outcome(to_canonical, (raw,), fm, ftype)
        assert _outcome(decode, row) == expected, (raw, fm, ftype)


def test_several_columns_are_joined_as_the_general_conversion_joins_them() -> None:
    fm = FieldMapping("spaceId", ("site", "etage", "salle"), separator="/")
    decode = field_decoder(fm, "ID", (2, 0, 3))
    for a in RAWS:
        for b in ("RDC", 1, 2.0, None, ""):
            row = ("x", a, "BAT-1", b)
            assert _outcome(decode, row) == _outcome(to_canonical, ("BAT-1", "x", b), fm, "ID"), (
                a,
                b,
            )


def test_the_common_cells_by_hand() -> None:
    text = field_decoder(FieldMapping("name", ("nom",)), "String", (0,))
    assert [text((v,)) for v in ("École", "", None, 12, 2.0)] == ["École", None, None, "12", "2"]
    whole = field_decoder(FieldMapping("yearBuilt", ("annee",)), "Int", (0,))
    assert [whole((v,)) for v in (1970, "1970", 1970.0, None)] == [1970, 1970, 1970, None]
    kwh = field_decoder(FieldMapping("kwh", ("mwh",), scale=1000.0), "Float", (0,))
    assert kwh((1.5,)) == 1500.0
    codes = FieldMapping("usage", ("code",), values={"ENS": "school"})
    usage = field_decoder(codes, "String", (0,))
    assert [usage((v,)) for v in ("ENS", "BUR", "")] == ["school", "BUR", None]
    at = field_decoder(FieldMapping("t", ("h",), timezone="Europe/Paris"), "DateTime", (0,))
    assert at(("2024-01-15 08:00:00",)) == datetime(2024, 1, 15, 7, 0, tzinfo=UTC)
    room = field_decoder(FieldMapping("spaceId", ("b", "e", "s")), "ID", (0, 1, 2))
    assert room(("BAT", 1, "S12")) == "BAT/1/S12"
    assert room(("BAT", None, "S12")) is None
