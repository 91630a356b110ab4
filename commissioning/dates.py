"""UK financial years (1 April to 31 March) and the dates that hang off them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The financial year that starts on 1 April of ``start_year``: 2024 is 2024/25."""

    start_year: int

    @classmethod
    def containing(cls, day: datetime.date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def current(cls) -> FinancialYear:
        return cls.containing(timezone.localdate())

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.start_year, 4, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def __str__(self) -> str:
        return self.label


def financial_year_choices(first: int = 2015, ahead: int = 5) -> list[tuple[int, str]]:
    last = FinancialYear.current().start_year + ahead
    return [(year, FinancialYear(year).label) for year in range(last, first - 1, -1)]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier), clamped to the end of a short month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has at least 28 days


def months_covered(start: datetime.date, end: datetime.date) -> int:
    """How many months the period ``start``..``end`` (both included) spans, counting a
    part month as one: 15 April 2025 to 14 April 2026 is 12; 1 April to 31 March is 12."""
    after = end + datetime.timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day > start.day:
        months += 1
    return max(months, 1)
