"""The console's small parts on their own (sessions: test_sessions.py): filters, the chart,
the settings' checks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from connector.console import ConsoleNode, ConsoleSettings
from connector.console.chart import Bar, bar_chart
from connector.console.filters import parse_log_filters, parse_whatif
from connector.console.i18n import translator
from connector.console.views import time_text
from connector.errors import ConfigError

T = translator("en")


def test_filters_accept_dates_date_times_and_offsets() -> None:
    f = parse_log_filters(
        {
            "since": "2026-01-31",
            "until": "2026-02-01T08:30+01:00",
            "decision": "permit",
            "party": "https://x.example/p",
            "purpose": "dpv:AcademicResearch",
            "lang": "en",
        },
        nodes=("cda",),
        t=T,
    )
    assert f.errors == ()
    assert f.since == datetime(2026, 1, 31, tzinfo=UTC)
    assert f.variables() == {
        "party": "https://x.example/p",
        "decision": "permit",
        "purpose": "dpv:AcademicResearch",
        "since": "2026-01-31T00:00:00+00:00",
        "until": "2026-02-01T08:30:00+01:00",
    }
    assert f.nodes(["cda", "atmo"]) == ["cda", "atmo"]


def test_too_long_values_are_refused_by_name() -> None:
    f = parse_log_filters({"party": "x:" + "a" * 600}, nodes=("cda",), t=T)
    assert f.errors == (("party", "Party: value too long (602 characters, at most 500)."),)


def test_what_if_asks_nothing_until_a_party_or_dataset_is_given() -> None:
    assert not parse_whatif({"node": "cda"}, nodes=("cda",), t=T).asked
    w = parse_whatif({"party": "https://x.example/p"}, nodes=("cda",), t=T)
    assert w.errors == (
        ("node", "Node: please choose one."),
        ("dataset", "Dataset: please choose one."),
    )


def test_the_chart_scales_bars_to_the_largest_total_and_escapes_labels() -> None:
    svg = bar_chart(
        [Bar("<a&b>", 6, 2), Bar("c", 1, 1)],
        chart_id="c",
        title="T<",
        description="D",
        bar_text=lambda b: f"{b.label}: {b.total}",
    )
    # largest total 8 → 340 px; 6/8 → 255, 2/8 → 85; 1/8 → 42.5 each
    assert 'class="permit" x="230" y="4" width="255.0"' in svg
    assert 'class="deny" x="485.0" y="4" width="85.0"' in svg
    assert 'class="permit" x="230" y="30" width="42.5"' in svg
    assert 'class="deny" x="272.5" y="30" width="42.5"' in svg
    assert "<title>&lt;a&amp;b&gt;: 8</title>" in svg and '<title id="c-title">T&lt;</title>' in svg
    assert 'viewBox="0 0 640 60"' in svg  # 2 rows × 26 + 8
    assert bar_chart([], chart_id="c", title="", description="", bar_text=str) == ""


def test_settings_name_what_is_wrong() -> None:
    with pytest.raises(ConfigError) as caught:
        ConsoleSettings(
            issuer="ftp://x",
            client_id="",
            nodes=(ConsoleNode("a", "x"), ConsoleNode("a", "http://y")),
            session_idle=0,
        )
    assert [(i.key, i.message) for i in caught.value.issues] == [
        ("issuer", "expected an http(s) URL, got 'ftp://x'"),
        ("client_id", "expected the console's client id"),
        ("nodes", "node names must differ, got ['a', 'a']"),
        ("nodes.a", "expected an http(s) URL, got 'x'"),
        ("session_idle", "expected seconds > 0, got 0"),
    ]


def test_times_without_offset_are_read_and_shown_in_the_console_zone() -> None:
    paris = ZoneInfo("Europe/Paris")
    # summer time (CEST, UTC+2) from 29 March 2026 01:00 UTC; winter (CET, UTC+1) before
    f = parse_log_filters(
        {"since": "2026-03-28T12:00", "until": "2026-07-14T08:00"}, nodes=("cda",), t=T, zone=paris
    )
    assert f.variables() == {
        "since": "2026-03-28T12:00:00+01:00",
        "until": "2026-07-14T08:00:00+02:00",
    }
    assert time_text("2026-07-14T06:00:00+00:00", paris) == "2026-07-14 08:00:00"
    assert time_text("2026-12-31T23:30:00Z", paris) == "2027-01-01 00:30:00"
    with pytest.raises(ConfigError) as caught:
        ConsoleSettings(
            issuer="http://127.0.0.1:8100",
            client_id="c",
            nodes=(ConsoleNode("a", "http://127.0.0.1:8101"),),
            timezone="Europe/Lutece",
        )
    assert [(i.key, i.message) for i in caught.value.issues] == [
        ("timezone", "expected an IANA time zone such as Europe/Paris, got 'Europe/Lutece'")
    ]
