"""When the demo school's classrooms are occupied.

A French primary school works four days a week (Monday, Tuesday, Thursday, Friday),
outside the school holidays of its zone and the public holidays
(``data/calendrier_scolaire_zone_a_2025_2026.csv``), during the morning and afternoon
sessions of its timetable (``data/ecole_saint_christophe.csv``).

>>> cal = SchoolCalendar.load()
>>> cal.is_school_day(date(2025, 9, 2)), cal.is_school_day(date(2025, 9, 3))
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from connector.demo import refdata
from connector.errors import ConfigError, ConfigIssue

SCHOOL_WEEKDAYS = frozenset({0, 1, 3, 4})  # Monday, Tuesday, Thursday, Friday


@dataclass(frozen=True)
class SchoolCalendar:
    first_day: date
    last_day: date
    days_off: frozenset[date]
    morning: tuple[time, time]
    afternoon: tuple[time, time]

    @classmethod
    def load(cls) -> SchoolCalendar:
        periods = refdata.calendar_periods()
        off: set[date] = set()
        for p in periods:
            if p.kind in {"vacances", "pont", "ferie"}:
                day = p.first
                while day <= p.last:
                    off.add(day)
                    day += timedelta(days=1)
        first = min(p.first for p in periods if p.kind == "rentree")
        last = max(p.last for p in periods)
        school = refdata.school()
        return cls(first, last, frozenset(off), school.morning, school.afternoon)

    def check_covers(self, start: date, end: date) -> None:
        """Raise :class:`ConfigError` unless the calendar knows every day of [start, end)."""
        if start < self.first_day or end - timedelta(days=1) > self.last_day:
            raise ConfigError(
                [
                    ConfigIssue(
                        str(refdata.DATA_DIR / "calendrier_scolaire_zone_a_2025_2026.csv"),
                        "year_start",
                        f"the school calendar covers {self.first_day} to {self.last_day}; "
                        f"readings from {start} to {end - timedelta(days=1)} asked",
                    )
                ]
            )

    def is_school_day(self, day: date) -> bool:
        return (
            self.first_day <= day <= self.last_day
            and day.weekday() in SCHOOL_WEEKDAYS
            and day not in self.days_off
        )

    def is_occupied(self, moment: datetime) -> bool:
        """Whether pupils are in class at this local (naive) time."""
        if not self.is_school_day(moment.date()):
            return False
        t = moment.time()
        return any(start <= t < end for start, end in (self.morning, self.afternoon))

    def school_days(self, start: date, end: date) -> list[date]:
        days, day = [], start
        while day < end:
            if self.is_school_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days
