"""``[indoor_air.rollup]``: each mistake named by its key, with what was expected."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from connector.config import load_config
from connector.rollup_cli import main
from tests.connector.graphql.test_indoor_air import CONFIG
from tests.connector.test_config import issues_of

CALENDAR = "type,libelle,debut,fin\nvacances,Toussaint,2025-10-20,2025-10-24\n"


def with_rollup(tmp_path: Path, section: str, config: str = CONFIG) -> str:
    (tmp_path / "calendar.csv").write_text(CALENDAR, encoding="utf-8")
    return config.replace("[usage]", f"[indoor_air.rollup]\n{section}\n[usage]")


def test_a_managed_rollup_is_read(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text(with_rollup(tmp_path, 'table = "air.icone_jour"'), encoding="utf-8")
    air = load_config(path).indoor_air
    assert air is not None and air.rollup is not None
    assert (air.rollup.table, air.rollup.managed, air.rollup.url) == ("air.icone_jour", True, None)


def test_the_node_refreshes_at_a_local_time_rolling_back_some_days(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    section = 'table = "icone_jour"\nrefresh_at = "02:30"\nrefresh_days = 3'
    path.write_text(with_rollup(tmp_path, section), encoding="utf-8")
    air = load_config(path).indoor_air
    assert air is not None and air.rollup is not None
    assert (air.rollup.refresh_at, air.rollup.refresh_days) == (time(2, 30), 3)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ('refresh_at = "2:30"', ("refresh_at", "expected a local time HH:MM, got '2:30'")),
        ('refresh_at = "24:00"', ("refresh_at", "expected a local time HH:MM, got '24:00'")),
        ("refresh_at = 230", ("refresh_at", "expected a local time HH:MM, got 230")),
        (
            'refresh_at = "02:30"\nrefresh_days = -1',
            ("refresh_days", "expected a whole number of days, 0 to 366, got -1"),
        ),
        (
            "refresh_days = 2",
            ("refresh_days", "needs refresh_at (the daily refresh it applies to)"),
        ),
        (
            'managed = false\nrefresh_at = "02:30"\ncolumns = { space = "s", day = "d", '
            'n = "n", n_above_f1_lower = "a", n_above_f2_lower = "b", n_above_guidance = "c", '
            'n_above_action = "e", total = "t", max = "m" }',
            ("refresh_at", "only a managed rollup is refreshed by the node"),
        ),
    ],
)
def test_refresh_schedule_mistakes_are_named(
    tmp_path: Path, section: str, expected: tuple[str, str]
) -> None:
    text = with_rollup(tmp_path, f'table = "icone_jour"\n{section}')
    key, message = expected
    assert issues_of(text, tmp_path) == [(f"indoor_air.rollup.{key}", message)]


def test_rollup_mistakes_are_named(tmp_path: Path) -> None:
    text = with_rollup(
        tmp_path,
        'table = "icone jour"\nmanaged = "yes"\ncolumns = { n = "nb" }\nrefresh = "daily"',
    )
    assert issues_of(text, tmp_path) == [
        (
            "indoor_air.rollup.refresh",
            "unknown key, expected one of columns, managed, refresh_at, refresh_days, "
            "separator, table, url; did you mean 'refresh_at'?",
        ),
        (
            "indoor_air.rollup.table",
            "expected a table name (name or schema.name), got 'icone jour'",
        ),
        ("indoor_air.rollup.managed", "expected true or false, got 'yes'"),
        (
            "indoor_air.rollup.columns",
            "a managed rollup names its own columns (remove columns)",
        ),
    ]


def test_the_partners_rollup_needs_every_column(tmp_path: Path) -> None:
    text = with_rollup(
        tmp_path,
        'table = "agregat"\nmanaged = false\nurl = "sqlite:///w.db"\n'
        'columns = { space = ["site", "salle"], day = "jour", n = ["a", "b"] }',
    )
    got = issues_of(text, tmp_path)
    assert got[0] == (
        "indoor_air.rollup.url",
        "only a managed rollup is written by the node (managed = true)",
    )
    assert ("indoor_air.rollup.columns.n", "expected a column name, got ['a', 'b']") in got
    assert ("indoor_air.rollup.columns.total", "expected a column name, got None") in got
    assert not [k for k, _ in got if k in ("indoor_air.rollup.columns.space", "…day")]


def test_a_rollup_needs_the_readings_in_sql(tmp_path: Path) -> None:
    config = CONFIG.replace(
        '[sources.db]\nkind = "sql"\nurl = "sqlite+aiosqlite:///air.db"',
        '[sources.db]\nkind = "csv"\npath = "."',
    )
    got = issues_of(with_rollup(tmp_path, 'table = "icone_jour"', config), tmp_path)
    assert (
        "indoor_air.rollup",
        "a daily rollup needs Observation mapped on an SQL source",
    ) in got


def test_refresh_names_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "node.toml"
    path.write_text(with_rollup(tmp_path, "").replace("[indoor_air.rollup]\n", ""), "utf-8")
    assert main(["refresh", str(path)]) == 1
    assert (
        capsys.readouterr().err
        == f"error: {path}: indoor_air.rollup: missing: nothing to refresh\n"
    )
    path.write_text(with_rollup(tmp_path, 'table = "t"'), encoding="utf-8")
    assert main(["refresh", str(path), "--since", "2025-13-01"]) == 1
    assert "expected a date YYYY-MM-DD, got '2025-13-01'" in capsys.readouterr().err
