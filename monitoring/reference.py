"""Reference data: the outcome frameworks of the programmes the strategy names.

``ensure_reference_frameworks()`` makes each framework and measure that is missing and
leaves the ones already there alone (administrators may have edited them), so the demo
loader and a data migration can both call it, any number of times. In a migration, pass
the migration's app registry so the historical models are used::

    def load(apps, schema_editor):
        ensure_reference_frameworks(apps)

The wording follows the funders' own: the Ministry of Justice victims grant funds support
that helps victims "cope and, as far as possible, recover" (the strategy's account of the
grant agreements), and the Home Office's three success measures for Violence Reduction
Units are quoted in the strategy, each "especially among those victims aged under 25".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps as global_apps

from .models import FunderReturn, MeasureDirection

HIGHER, LOWER = MeasureDirection.HIGHER, MeasureDirection.LOWER


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    description: str
    unit: str
    direction: str
    funder_code: str


@dataclass(frozen=True)
class FrameworkSpec:
    name: str
    description: str
    funder_return: str
    #: Codes of the grants app's Programme reference data (grants/migrations/0002).
    programmes: tuple[str, ...]
    measures: tuple[MeasureSpec, ...]


VICTIM_SERVICES = "Victim services"
VIOLENCE_REDUCTION_UNIT = "Violence Reduction Unit"

FRAMEWORKS = (
    FrameworkSpec(
        name=VICTIM_SERVICES,
        description="Outputs and outcomes of services that help victims of crime cope and, "
        "as far as possible, recover: the figures the Ministry of Justice victims grant "
        "return asks for.",
        funder_return=FunderReturn.MOJ_VICTIMS,
        programmes=("victim-services", "moj-idva", "moj-da-sv"),
        measures=(
            MeasureSpec(
                "Referrals received",
                "Referrals to the service received in the period, from any source "
                "(police, other agencies, self-referral).",
                "referrals",
                HIGHER,
                "referrals",
            ),
            MeasureSpec(
                "Victims supported",
                "Victims who received support from the service in the period (new and "
                "continuing cases), counted once each.",
                "people",
                HIGHER,
                "victims_supported",
            ),
            MeasureSpec(
                "Victims reporting improved ability to cope and recover",
                "Of the victims whose support ended in the period, those who said they "
                "were better able to cope and, as far as possible, recover.",
                "people",
                HIGHER,
                "outcome_cope_recover",
            ),
            MeasureSpec(
                "Victims reporting feeling safer",
                "Of the victims whose support ended in the period, those who said they felt safer.",
                "people",
                HIGHER,
                "outcome_feel_safer",
            ),
            MeasureSpec(
                "Victims reporting improved health and wellbeing",
                "Of the victims whose support ended in the period, those who said their "
                "health and wellbeing had improved.",
                "people",
                HIGHER,
                "outcome_health_wellbeing",
            ),
            MeasureSpec(
                "Victims reporting they feel better informed and able to take part in the "
                "criminal justice process",
                "Of the victims whose support ended in the period, those who said they "
                "felt better informed and better able to take part in the criminal "
                "justice process, if they chose to.",
                "people",
                HIGHER,
                "outcome_informed_cjs",
            ),
        ),
    ),
    FrameworkSpec(
        name=VIOLENCE_REDUCTION_UNIT,
        description="The Home Office's success measures for Violence Reduction Units, each "
        "especially among victims aged under 25, and the outputs of the interventions "
        "the unit funds: the figures the Home Office VRU grant return asks for.",
        funder_return=FunderReturn.HOME_OFFICE_VRU,
        programmes=("vru",),
        measures=(
            MeasureSpec(
                "Hospital admissions for assault with a knife or sharp object, victims under 25",
                "Home Office success measure: a reduction in hospital admissions for "
                "assaults with a knife or sharp object, especially among victims aged "
                "under 25. Report the admissions of under-25s in the area the "
                "intervention serves, for the period.",
                "admissions",
                LOWER,
                "ho_hospital_admissions_sharp_object_u25",
            ),
            MeasureSpec(
                "Knife-enabled serious violence offences, victims under 25",
                "Home Office success measure: a reduction in knife-enabled serious "
                "violence, especially among victims aged under 25. Report the police "
                "recorded offences against under-25s in the area, for the period.",
                "offences",
                LOWER,
                "ho_knife_enabled_serious_violence_u25",
            ),
            MeasureSpec(
                "Non-domestic homicides involving knives, victims under 25",
                "Home Office success measure: a reduction in all non-domestic homicides "
                "involving knives, especially among victims aged under 25. Report the "
                "homicides of under-25s in the area, for the period.",
                "homicides",
                LOWER,
                "ho_non_domestic_knife_homicides_u25",
            ),
            MeasureSpec(
                "Young people reached by interventions",
                "Children and young people who took part in an intervention the unit "
                "funds during the period, counted once each.",
                "people",
                HIGHER,
                "output_young_people_reached",
            ),
            MeasureSpec(
                "Young people completing an intervention",
                "Children and young people who completed the intervention they started.",
                "people",
                HIGHER,
                "output_young_people_completed",
            ),
        ),
    ),
)


def ensure_reference_frameworks(apps=None) -> dict[str, object]:
    """Make the frameworks and measures that are missing; return every framework in
    ``FRAMEWORKS`` by name. A framework's programmes are linked when it is made (an
    administrator may change them afterwards, and a later call leaves them as they are).
    Existing rows are never saved again."""
    registry = apps or global_apps
    framework_model = registry.get_model("monitoring", "OutcomeFramework")
    measure_model = registry.get_model("monitoring", "OutcomeMeasure")
    programme_model = registry.get_model("grants", "Programme")
    frameworks = {}
    for spec in FRAMEWORKS:
        framework = framework_model.objects.filter(name=spec.name).first()
        if framework is None:
            framework = _create(
                framework_model(
                    name=spec.name, description=spec.description, funder_return=spec.funder_return
                )
            )
            framework.programmes.add(*programme_model.objects.filter(code__in=spec.programmes))
        existing = set(framework.measures.values_list("name", flat=True))
        for order, measure in enumerate(spec.measures, start=1):
            if measure.name in existing:
                continue
            _create(
                measure_model(
                    framework=framework,
                    name=measure.name,
                    description=measure.description,
                    unit=measure.unit,
                    direction=measure.direction,
                    funder_code=measure.funder_code,
                    order=order * 10,
                )
            )
        frameworks[spec.name] = framework
    return frameworks


def _create(instance):
    instance.full_clean()
    instance._history_user = None  # reference data: made by the system
    instance.save()
    return instance
