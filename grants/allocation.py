"""Splitting an amount across areas by weighted population and crime shares, to the
penny: the shares always add up exactly to the total (largest-remainder rounding)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class AreaFigures:
    key: object  # whatever identifies the area to the caller
    population: int
    recorded_crime: int


@dataclass(frozen=True)
class Share:
    key: object
    weight: Decimal  # the area's weighted share of the total, 0..1
    amount: Decimal


def weighted_shares(
    areas: list[AreaFigures], population_weight: Decimal, crime_weight: Decimal
) -> list[Decimal]:
    """Each area's share of the whole, between 0 and 1, adding up to 1 (as exact as
    Decimal division allows; amounts are made exact by ``split``)."""
    if population_weight < 0 or crime_weight < 0 or population_weight + crime_weight != HUNDRED:
        raise ValueError("The population and crime weights must add up to 100%")
    total_population = sum(area.population for area in areas)
    total_crime = sum(area.recorded_crime for area in areas)
    shares = []
    for area in areas:
        share = Decimal(0)
        if total_population:
            share += population_weight / HUNDRED * Decimal(area.population) / total_population
        if total_crime:
            share += crime_weight / HUNDRED * Decimal(area.recorded_crime) / total_crime
        shares.append(share)
    whole = sum(shares)
    if whole == 0:  # no figures at all: split evenly
        return [Decimal(1) / len(areas)] * len(areas)
    return [share / whole for share in shares]


def split(
    total: Decimal, areas: list[AreaFigures], population_weight: Decimal, crime_weight: Decimal
) -> list[Share]:
    """``total`` split across ``areas``: each gets its share rounded down to the penny,
    then the pennies left over go one each to the areas with the largest remainders
    (ties to the earlier area), so the amounts add up exactly to ``total``."""
    if total <= 0:
        raise ValueError("The total must be more than £0")
    if not areas:
        raise ValueError("Choose at least one area")
    weights = weighted_shares(areas, population_weight, crime_weight)
    exact = [total * weight for weight in weights]
    floored = [amount.quantize(PENNY, rounding=ROUND_FLOOR) for amount in exact]
    pennies_left = int(((total - sum(floored)) / PENNY).to_integral_value())
    by_remainder = sorted(range(len(areas)), key=lambda i: (-(exact[i] - floored[i]), i))
    for index in by_remainder[:pennies_left]:
        floored[index] += PENNY
    return [
        Share(area.key, weight, amount)
        for area, weight, amount in zip(areas, weights, floored, strict=True)
    ]


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` instalments to the penny; leftover pennies go to the
    earliest instalments."""
    if parts < 1:
        raise ValueError("There must be at least one instalment")
    base = (total / parts).quantize(PENNY, rounding=ROUND_FLOOR)
    amounts = [base] * parts
    pennies_left = int(((total - base * parts) / PENNY).to_integral_value())
    for index in range(pennies_left):
        amounts[index] += PENNY
    return amounts
