"""Splitting money to the penny: local allocations by weighted population and recorded
crime (largest-remainder rounding), and payment instalments."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.allocation import AreaFigures, split, split_evenly

PENNY = Decimal("0.01")


def areas(*figures: tuple[int, int]) -> list[AreaFigures]:
    return [
        AreaFigures(f"Area {index}", population, crime)
        for index, (population, crime) in enumerate(figures, start=1)
    ]


def amounts(shares) -> list[Decimal]:
    return [share.amount for share in shares]


def exact_amounts(
    total: Decimal, figures: list[AreaFigures], population_weight: Decimal, crime_weight: Decimal
) -> list[Fraction]:
    """The weighted amounts in exact arithmetic, worked out independently of the code
    under test: each measure counts only if some area has a figure for it, and with no
    figures at all the total is shared evenly."""
    total_population = sum(area.population for area in figures)
    total_crime = sum(area.recorded_crime for area in figures)
    weights = []
    for area in figures:
        weight = Fraction(0)
        if total_population:
            weight += (
                Fraction(population_weight) / 100 * Fraction(area.population, total_population)
            )
        if total_crime:
            weight += Fraction(crime_weight) / 100 * Fraction(area.recorded_crime, total_crime)
        weights.append(weight)
    whole = sum(weights)
    if whole == 0:
        return [Fraction(total) / len(figures)] * len(figures)
    return [Fraction(total) * weight / whole for weight in weights]


# --- The property -----------------------------------------------------------------------

totals = st.integers(min_value=1, max_value=1_000_000_000).map(lambda pence: Decimal(pence) / 100)
figures = st.lists(
    st.tuples(st.integers(0, 1_000_000), st.integers(0, 1_000_000)), min_size=1, max_size=10
).filter(lambda rows: any(population or crime for population, crime in rows))
population_weights = st.integers(min_value=0, max_value=10_000).map(
    lambda hundredths: Decimal(hundredths) / 100
)


@settings(max_examples=300, deadline=None, database=None)
@given(total=totals, rows=figures, population_weight=population_weights)
def test_shares_are_never_negative_add_up_exactly_and_are_within_a_penny_of_exact(
    total, rows, population_weight
):
    crime_weight = Decimal(100) - population_weight
    figures_ = areas(*rows)

    shares = split(total, figures_, population_weight, crime_weight)

    assert [share.key for share in shares] == [area.key for area in figures_]
    assert all(share.amount >= 0 for share in shares)
    assert all(share.amount == share.amount.quantize(PENNY) for share in shares)
    assert sum(amounts(shares)) == total
    for share, exact in zip(
        shares, exact_amounts(total, figures_, population_weight, crime_weight), strict=True
    ):
        assert abs(Fraction(share.amount) - exact) < Fraction(1, 100)


# --- Examples ---------------------------------------------------------------------------


def test_half_population_half_crime_across_the_five_areas():
    five = [
        AreaFigures("Bath and North East Somerset", 200, 400),
        AreaFigures("Bristol", 200, 300),
        AreaFigures("North Somerset", 200, 150),
        AreaFigures("Somerset", 200, 100),
        AreaFigures("South Gloucestershire", 200, 50),
    ]

    shares = split(Decimal("100000.00"), five, Decimal(50), Decimal(50))

    # 20% of the population each; 40/30/15/10/5% of recorded crime.
    assert amounts(shares) == [
        Decimal("30000.00"),
        Decimal("25000.00"),
        Decimal("17500.00"),
        Decimal("15000.00"),
        Decimal("12500.00"),
    ]
    assert [share.weight for share in shares] == [
        Decimal("0.3"),
        Decimal("0.25"),
        Decimal("0.175"),
        Decimal("0.15"),
        Decimal("0.125"),
    ]


def test_half_and_half_with_uneven_figures_still_adds_up_to_the_penny():
    five = areas(
        (472_400, 61_023),
        (193_400, 12_441),
        (216_700, 15_998),
        (290_400, 19_875),
        (571_600, 38_112),
    )

    shares = split(Decimal("1234567.89"), five, Decimal(50), Decimal(50))

    assert sum(amounts(shares)) == Decimal("1234567.89")
    exact = exact_amounts(Decimal("1234567.89"), five, Decimal(50), Decimal(50))
    assert all(
        abs(Fraction(s.amount) - e) < Fraction(1, 100) for s, e in zip(shares, exact, strict=True)
    )


def test_all_population_uses_population_only():
    shares = split(Decimal("10.00"), areas((1, 1000), (3, 0)), Decimal(100), Decimal(0))

    assert amounts(shares) == [Decimal("2.50"), Decimal("7.50")]


def test_all_crime_uses_recorded_crime_only():
    shares = split(Decimal("10.00"), areas((1000, 1), (0, 4)), Decimal(0), Decimal(100))

    assert amounts(shares) == [Decimal("2.00"), Decimal("8.00")]


def test_leftover_pennies_go_to_the_largest_remainders():
    # Exact amounts 0.125, 0.375, 0.5: after rounding down (0.12, 0.37, 0.50) one penny is
    # left, and the remainders tie at half a penny, so the earlier area gets it.
    shares = split(Decimal("1.00"), areas((1, 1), (3, 3), (4, 4)), Decimal(50), Decimal(50))
    assert amounts(shares) == [Decimal("0.13"), Decimal("0.37"), Decimal("0.50")]

    # Exact amounts 0.166…, 0.333…, 0.5 of £1: the larger remainder (0.666… of a penny,
    # against 0.333…) wins the penny.
    shares = split(Decimal("1.00"), areas((1, 1), (2, 2), (3, 3)), Decimal(50), Decimal(50))
    assert amounts(shares) == [Decimal("0.17"), Decimal("0.33"), Decimal("0.50")]


def test_ties_go_to_the_earlier_area():
    equal = areas((10, 10), (10, 10), (10, 10))

    assert amounts(split(Decimal("1.00"), equal, Decimal(50), Decimal(50))) == [
        Decimal("0.34"),
        Decimal("0.33"),
        Decimal("0.33"),
    ]
    assert amounts(split(Decimal("0.02"), equal, Decimal(50), Decimal(50))) == [
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.00"),
    ]


def test_an_area_with_no_population_or_crime_gets_nothing():
    shares = split(Decimal("500.00"), areas((100, 10), (0, 0)), Decimal(50), Decimal(50))

    assert amounts(shares) == [Decimal("500.00"), Decimal("0.00")]


def test_with_no_figures_at_all_the_total_is_shared_evenly():
    shares = split(Decimal("10.00"), areas((0, 0), (0, 0), (0, 0)), Decimal(50), Decimal(50))

    assert amounts(shares) == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]


@pytest.mark.parametrize(
    ("total", "figures_", "population_weight", "crime_weight", "message"),
    [
        (Decimal("100"), areas((1, 1)), Decimal(60), Decimal(50), "add up to 100%"),
        (Decimal("100"), areas((1, 1)), Decimal(110), Decimal(-10), "add up to 100%"),
        (Decimal("0"), areas((1, 1)), Decimal(50), Decimal(50), "more than £0"),
        (Decimal("-5"), areas((1, 1)), Decimal(50), Decimal(50), "more than £0"),
        (Decimal("100"), [], Decimal(50), Decimal(50), "at least one area"),
    ],
)
def test_a_split_that_cannot_be_made_is_refused(
    total, figures_, population_weight, crime_weight, message
):
    with pytest.raises(ValueError, match=message):
        split(total, figures_, population_weight, crime_weight)


# --- Instalments ------------------------------------------------------------------------


def test_split_evenly_gives_leftover_pennies_to_the_earliest_instalments():
    assert split_evenly(Decimal("100.00"), 3) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert split_evenly(Decimal("100.02"), 4) == [
        Decimal("25.01"),
        Decimal("25.01"),
        Decimal("25.00"),
        Decimal("25.00"),
    ]
    assert split_evenly(Decimal("0.02"), 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_split_evenly_in_one_part_is_the_whole():
    assert split_evenly(Decimal("1234.56"), 1) == [Decimal("1234.56")]


@settings(max_examples=200, deadline=None, database=None)
@given(total=totals, parts=st.integers(min_value=1, max_value=60))
def test_split_evenly_always_adds_up_and_differs_by_at_most_a_penny(total, parts):
    instalments = split_evenly(total, parts)

    assert len(instalments) == parts
    assert sum(instalments) == total
    assert max(instalments) - min(instalments) <= PENNY
    assert instalments == sorted(instalments, reverse=True)


def test_split_evenly_needs_at_least_one_part():
    with pytest.raises(ValueError, match="at least one instalment"):
        split_evenly(Decimal("10.00"), 0)
