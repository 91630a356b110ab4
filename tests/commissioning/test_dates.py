from __future__ import annotations

import datetime

import pytest

from commissioning.dates import add_months, months_covered


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2025, 1, 15), 6, datetime.date(2025, 7, 15)),
        (datetime.date(2025, 8, 31), 6, datetime.date(2026, 2, 28)),
        (datetime.date(2027, 8, 31), 6, datetime.date(2028, 2, 29)),
        (datetime.date(2025, 3, 31), -1, datetime.date(2025, 2, 28)),
        (datetime.date(2025, 11, 30), 18, datetime.date(2027, 5, 30)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31), 12),
        (datetime.date(2025, 4, 15), datetime.date(2026, 4, 14), 12),
        (datetime.date(2025, 4, 15), datetime.date(2026, 4, 15), 13),
        (datetime.date(2025, 4, 1), datetime.date(2025, 4, 10), 1),
        (datetime.date(2024, 10, 1), datetime.date(2026, 9, 30), 24),
    ],
)
def test_months_covered_counts_part_months_as_one(start, end, months):
    assert months_covered(start, end) == months
