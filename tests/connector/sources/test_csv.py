"""CSV adapter specifics: file or folder, French number formats, bad cells."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from connector.config import SourceConfig
from connector.errors import SourceError
from connector.sources import Condition, Select
from connector.sources.csv import CsvSource
from tests.connector.sources.partner import MAPPINGS

pytestmark = pytest.mark.anyio
ENERGY = MAPPINGS[1]
HEADER = "id_conso;batiment;annee;energie;usage;conso_wh\n"


def _write(folder: Path, body: str, name: str = "conso.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / name
    file.write_text(HEADER + body, encoding="utf-8")
    return file


async def test_a_file_path_serves_every_entity_whatever_the_table(tmp_path: Path) -> None:
    file = _write(tmp_path, "C1;RNB1;2022;ELEC;chauffage;1 234,5\n")
    source = CsvSource(
        SourceConfig("p", "csv", path=file, options={"delimiter": ";", "decimal": ","}), [ENERGY]
    )
    rows = await source.select(Select("EnergyUse", ("id", "kwh", "carrier", "year")))
    # 1 234,5 Wh (narrow spacing is common in French exports) = 1.2345 kWh
    assert rows == [
        {"id": "C1", "kwh": pytest.approx(1.2345), "carrier": "Électricité", "year": 2022}
    ]


async def test_thousands_dots_with_decimal_comma(tmp_path: Path) -> None:
    _write(tmp_path, "C1;RNB1;2022;GAZ;chauffage;12.000.000,0\n", "consommations.csv")
    source = CsvSource(
        SourceConfig("p", "csv", path=tmp_path, options={"delimiter": ";", "decimal": ","}),
        [ENERGY],
    )
    rows = await source.select(
        Select("EnergyUse", ("kwh",), where=(Condition("kwh", "eq", 12000),))
    )
    assert rows == [{"id": "C1", "kwh": 12000.0}]


async def test_a_table_outside_the_folder_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "C1;RNB1;2022;GAZ;chauffage;1\n", "secret.csv")
    folder = tmp_path / "exports"
    folder.mkdir()
    source = CsvSource(
        SourceConfig("p", "csv", path=folder, options={"delimiter": ";"}),
        [replace(ENERGY, table="../secret.csv")],
    )
    with pytest.raises(SourceError, match="outside the source folder"):
        await source.select(Select("EnergyUse", ("id",)))


async def test_a_bad_cell_names_file_line_and_column(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "C1;RNB1;2022;GAZ;chauffage;10\nC2;RNB1;deux mille;GAZ;ecs;5\n",
        "consommations.csv",
    )
    source = CsvSource(
        SourceConfig("p", "csv", path=tmp_path, options={"delimiter": ";"}), [ENERGY]
    )
    with pytest.raises(SourceError) as raised:
        await source.select(Select("EnergyUse", ("id", "year")))
    assert str(raised.value) == (
        "source 'p': file 'consommations.csv', line 3: column 'annee' (EnergyUse.year): "
        "expected a number, got 'deux mille'"
    )


async def test_check_reports_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "consommations.csv").write_text("id_conso;batiment\nC1;RNB1\n", encoding="utf-8")
    source = CsvSource(
        SourceConfig("p", "csv", path=tmp_path, options={"delimiter": ";"}), [ENERGY]
    )
    problems = await source.check()
    assert len(problems) == 1
    assert "'annee' (field year)" in problems[0] and "'conso_wh' (field kwh)" in problems[0]
