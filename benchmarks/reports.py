"""How long the annual commissioning report and the funding-awarded report take to build,
and how much memory, at 1, 10 and 100 times the demo data.

    .venv/bin/python benchmarks/reports.py                 # a fresh SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python benchmarks/reports.py
    .venv/bin/python benchmarks/reports.py --scales 1 10   # fewer scales

The database is always a fresh one made for the run: a temporary SQLite file, or, when
DATABASE_URL names a PostgreSQL database, a new database beside it called
``<name>_benchmark`` (the named database is never touched). It is removed at the end
unless ``--keep`` is given.

It is migrated and given the demo data (``manage.py load_demo``); each further scale
copies every demo organisation, funding stream, workstream, milestone, decision, grant
(with its charges, payments, underspends and onward grants), contract (with its charges,
KPIs, meetings and actions) and monitoring return (with its KPI and outcome figures)
with ``bulk_create``, so ×100 holds a hundred copies of each. Each report is then built
(figures, charts and the PDF, as the Celery task builds it) in a child process of its
own, whose wall time and peak resident memory (``ru_maxrss``) are what the table shows.
The target is the annual report at ×100 in under 30 seconds and 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SCALES = (1, 10, 100)
REPORTS = ("annual_report", "funding_awarded")
#: What is built at each scale: the year with the most grants awarded (most money), and
#: the current year (the demo's decisions are taken now) for the annual report.
RUNS = (("annual_report", "busiest"), ("annual_report", "current"), ("funding_awarded", "busiest"))
TARGET_SECONDS = 30
TARGET_MB = 1024


# --- The database -----------------------------------------------------------------------


def fresh_database_url() -> str:
    """A new, empty database for this run, as a DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/') or 'portal'}_benchmark"
        import psycopg

        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path=f"/{name}"))
    folder = Path(tempfile.mkdtemp(prefix="portal-benchmark-"))
    return f"sqlite:///{folder / 'benchmark.sqlite3'}"


def drop_database(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        import shutil

        shutil.rmtree(Path(database_url.removeprefix("sqlite:///")).parent, ignore_errors=True)
        return
    import psycopg

    parts = urlsplit(database_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')


def use_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.settings.local")
    os.environ["DEBUG"] = "false"  # no query log growing through the run
    os.environ["DEMO_DATA_ALLOWED"] = "true"
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("REDIS_URL", None)  # the demo's background work runs eagerly
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


# --- Seeding ----------------------------------------------------------------------------


def _copy_specs():
    """(model, {field attname: how a copy's value is made}) in the order rows are copied.
    Foreign keys to a copied model point at the copy; others keep pointing where they
    did (users, programmes, areas, question sets, outcome measures)."""
    from commissioning.models import FundingStream, Organisation
    from contracts.models import KPI, Contract, ContractCharge, ContractMeeting, MeetingAction
    from decisions.models import DecisionAssessment
    from grants.models import Grant, GrantCharge, OnwardGrant, Payment, UnderspendReturn
    from monitoring.models import KPIResult, MonitoringReturn, OutcomeResult, ReturnSchedule
    from workstreams.models import Milestone, Workstream

    def suffix(value, copy):
        return f"{value} ({copy})"

    def dashed(value, copy):
        return f"{value}-{copy}"

    def blank(value, copy):
        return ""

    def none(value, copy):
        return None

    return [
        (Organisation, {"name": suffix, "identifier": blank}),
        (FundingStream, {"name": suffix}),
        (Workstream, {"title": suffix, "predecessor_id": none}),
        (Milestone, {}),
        (DecisionAssessment, {"reference": dashed, "supersedes_id": none}),
        (Grant, {"reference": dashed, "allocation_id": none, "signed_agreement": blank}),
        (GrantCharge, {}),
        (Payment, {}),
        (UnderspendReturn, {}),
        (OnwardGrant, {}),
        (
            Contract,
            {"reference": dashed, "procurement_id": none, "end_milestone_id": none},
        ),
        (ContractCharge, {}),
        (KPI, {}),
        (ContractMeeting, {}),
        (MeetingAction, {}),
        (ReturnSchedule, {}),
        (MonitoringReturn, {}),
        (KPIResult, {}),
        (OutcomeResult, {}),
    ]


def snapshot():
    """The demo's own rows of every copied model (copies are made from these only)."""
    return [(model, how, list(model.objects.order_by("pk"))) for model, how in _copy_specs()]


def add_copies(rows, first: int, last: int) -> None:
    """Copies ``first`` to ``last`` (inclusive) of every demo row, in bulk."""
    from django.db import transaction

    for copy in range(first, last + 1):
        with transaction.atomic():
            new_ids: dict = {}
            for model, how, originals in rows:
                fields = [f for f in model._meta.concrete_fields if not f.primary_key]
                copies = []
                for original in originals:
                    values = {}
                    for field in fields:
                        value = getattr(original, field.attname)
                        if field.attname in how:
                            value = how[field.attname](value, copy)
                        elif field.is_relation and field.related_model in new_ids:
                            value = new_ids[field.related_model].get(value)
                        values[field.attname] = value
                    copies.append(model(**values))
                made = model.objects.bulk_create(copies, batch_size=500)
                new_ids[model] = {
                    original.pk: row.pk for original, row in zip(originals, made, strict=True)
                }


def counts() -> dict:
    from contracts.models import Contract
    from decisions.models import DecisionAssessment
    from grants.models import Grant
    from monitoring.models import MonitoringReturn

    return {
        "grants": Grant.objects.count(),
        "contracts": Contract.objects.count(),
        "decisions": DecisionAssessment.objects.count(),
        "returns": MonitoringReturn.objects.count(),
    }


def busiest_year() -> int:
    """The financial year with the most grants awarded: the one the reports are about."""
    from collections import Counter

    from commissioning.dates import FinancialYear
    from grants.models import Grant

    days = Grant.objects.exclude(award_date=None).values_list("award_date", flat=True)
    years = Counter(FinancialYear.containing(day).start_year for day in days)
    return years.most_common(1)[0][0] if years else FinancialYear.current().start_year


# --- Measuring --------------------------------------------------------------------------


def measure(kind: str, year: int) -> dict:
    """Build one report as the task does and say how long and how much it took (run in
    a child process of its own, so its peak memory is its own)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commissioning.dates import FinancialYear
    from reports.pdf import REPORTS, render_report

    title = REPORTS[kind].title(FinancialYear(year))
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        rendered = render_report(kind, {"year": year}, title=title)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    return {
        "kind": kind,
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_kb / 1024),
        "pages": rendered.pages,
        "bytes": len(rendered.content),
        "queries": len(queries),
    }


def measure_in_child(kind: str, year: int) -> dict:
    result = subprocess.run(  # noqa: S603 - this script, with fixed arguments
        [sys.executable, __file__, "--measure", kind, "--year", str(year)],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
        cwd=BASE_DIR,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- The run ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES))
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--measure", choices=REPORTS, help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:  # the child process
        use_django(os.environ["DATABASE_URL"])
        print(json.dumps(measure(args.measure, args.year)))
        return 0

    database_url = fresh_database_url()
    try:
        return run(database_url, args.scales)
    finally:
        if args.keep:
            print(f"\nThe database is kept: DATABASE_URL={database_url}")
        else:
            from django.db import connections

            connections.close_all()
            drop_database(database_url)


def run(database_url: str, scales: list[int]) -> int:
    use_django(database_url)
    from django.core.management import call_command
    from django.db import connection

    print(f"Database: {connection.vendor}, fresh for this run", flush=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"Migrated and loaded the demo data in {time.perf_counter() - started:.1f}s")
    demo_rows = snapshot()
    from commissioning.dates import FinancialYear

    years = {"busiest": busiest_year(), "current": FinancialYear.current().start_year}
    print(
        f"Most grants awarded in {FinancialYear(years['busiest'])}; "
        f"the current year is {FinancialYear(years['current'])}\n",
        flush=True,
    )

    lines = []
    copies = 1
    failed = False
    header = (
        f"{'data':>6} {'grants':>7} {'contracts':>9} {'decisions':>9} {'returns':>8}  "
        f"{'report':<24} {'seconds':>7} {'peak MB':>7} {'pages':>5} {'queries':>7}"
    )
    for scale in sorted(scales):
        if scale > copies:
            seeding = time.perf_counter()
            add_copies(demo_rows, copies, scale - 1)
            copies = scale
            print(f"×{scale}: seeded in {time.perf_counter() - seeding:.1f}s", flush=True)
        sizes = counts()
        for kind, which in RUNS:
            year = years[which]
            result = measure_in_child(kind, year)
            name = f"{kind} {FinancialYear(year)}"
            line = (
                f"{'×' + str(scale):>6} {sizes['grants']:>7} {sizes['contracts']:>9} "
                f"{sizes['decisions']:>9} {sizes['returns']:>8}  {name:<24} "
                f"{result['seconds']:>7.2f} {result['peak_mb']:>7} {result['pages']:>5} "
                f"{result['queries']:>7}"
            )
            lines.append(line)
            print(line, flush=True)
            if kind == "annual_report" and scale == 100:
                failed = failed or (
                    result["seconds"] >= TARGET_SECONDS or result["peak_mb"] >= TARGET_MB
                )

    print()
    print(header)
    print("\n".join(lines))
    if 100 in scales:
        verdict = "missed" if failed else "met"
        print(
            f"\nTarget (annual report at ×100 under {TARGET_SECONDS}s and "
            f"{TARGET_MB} MB): {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
