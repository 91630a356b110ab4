"""The house-style filters: money as £1,234.56, dates as 1 April 2025, UK local time."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.template import Context, Template

from commissioning.templatetags.portal import money, ukdate, ukdatetime

UTC = datetime.UTC


def render(source: str, **context) -> str:
    return Template("{% load portal %}" + source).render(Context(context))


# --- money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234.5"), "£1,234.50"),
        (Decimal("-5"), "-£5.00"),
        (Decimal("0"), "£0.00"),
        (Decimal("1234567.89"), "£1,234,567.89"),
        (1234, "£1,234.00"),
        ("1234.5", "£1,234.50"),
        (Decimal("-1234567.80"), "-£1,234,567.80"),
    ],
)
def test_money_shows_pounds_with_commas_and_pence(value, shown):
    assert money(value) == shown


def test_money_keeps_decimal_precision_for_large_amounts():
    # A float would lose the pennies on an amount this size.
    assert money(Decimal("123456789012.34")) == "£123,456,789,012.34"
    assert money(Decimal("0.1") + Decimal("0.2")) == "£0.30"


def test_money_rounds_to_the_nearest_penny():
    assert money(Decimal("10.004")) == "£10.00"
    assert money(Decimal("10.006")) == "£10.01"


@pytest.mark.parametrize("value", [None, ""])
def test_money_shows_nothing_for_no_value(value):
    assert money(value) == ""


def test_money_filter_in_a_template():
    assert render("{{ amount|money }}", amount=Decimal("1234.5")) == "£1,234.50"
    assert render("{{ amount|money }}", amount=None) == ""


# --- ukdate -----------------------------------------------------------------------------


def test_ukdate_shows_day_month_name_and_year():
    assert ukdate(datetime.date(2025, 4, 1)) == "1 April 2025"
    assert render("{{ day|ukdate }}", day=datetime.date(2025, 4, 1)) == "1 April 2025"


def test_ukdate_of_an_aware_datetime_uses_the_uk_calendar_day():
    # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time.
    assert ukdate(datetime.datetime(2025, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2025"


def test_ukdate_of_nothing_is_blank():
    assert ukdate(None) == ""


# --- ukdatetime -------------------------------------------------------------------------


def test_ukdatetime_in_summer_shows_british_summer_time():
    shown = ukdatetime(datetime.datetime(2025, 7, 1, 13, 30, tzinfo=UTC))
    assert shown.startswith("1 July 2025 at 2:30"), shown


def test_ukdatetime_in_winter_shows_greenwich_mean_time():
    shown = ukdatetime(datetime.datetime(2025, 1, 15, 9, 5, tzinfo=UTC))
    assert shown.startswith("15 January 2025 at 9:05"), shown


def test_ukdatetime_late_evening_utc_is_the_next_day_in_summer():
    shown = ukdatetime(datetime.datetime(2025, 6, 30, 23, 15, tzinfo=UTC))
    assert shown.startswith("1 July 2025 at 12:15"), shown


def test_ukdatetime_on_the_hour_leaves_out_the_minutes():
    shown = ukdatetime(datetime.datetime(2025, 7, 1, 13, 0, tzinfo=UTC))
    assert re.fullmatch(r"1 July 2025 at 2\D+", shown), shown


def test_ukdatetime_writes_am_and_pm_in_gov_uk_style():
    # GOV.UK style, and the filter's own docstring: "1 April 2025 at 2:30pm".
    assert ukdatetime(datetime.datetime(2025, 7, 1, 13, 30, tzinfo=UTC)) == (
        "1 July 2025 at 2:30pm"
    )
    assert ukdatetime(datetime.datetime(2025, 1, 15, 9, 5, tzinfo=UTC)) == (
        "15 January 2025 at 9:05am"
    )
    assert ukdatetime(datetime.datetime(2025, 7, 1, 13, 0, tzinfo=UTC)) == "1 July 2025 at 2pm"


def test_ukdatetime_of_nothing_is_blank():
    assert ukdatetime(None) == ""
