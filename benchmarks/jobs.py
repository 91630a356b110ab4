"""Background jobs at scale: time and peak memory, each in a child process of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_scale .venv/bin/python benchmarks/jobs.py
    .venv/bin/python benchmarks/jobs.py --only sweep     # one job
    .venv/bin/python benchmarks/jobs.py --only sweep --broker redis://127.0.0.1:6379/0

- ``sweep``: the daily reminder sweep (``monitoring.reminders.sweep``) over every
  return; the reminders it makes are checked against an independent count of what is
  due (each step's window on the due date, outstanding returns without that step's
  reminder), and a second sweep must make none. It is measured as it runs in
  production, where workers send the emails: each delivery's send task is enqueued,
  not run. With ``--broker redis://…`` (as measured in the README) the tasks go to a
  throwaway queue of their own on that Redis (``benchmark-sweep-<pid>``, which no
  worker reads), counted as "emails queued" and deleted at the end; without it the
  enqueue is a collector in the child that counts the delivery ids. The reminders made
  and their in-app notifications are deleted after (unless ``--keep``), so the run can
  be repeated. Target: < 60 s, < 500 MB.
- ``annual_report``: the annual commissioning report (figures, charts, PDF, as the
  Celery task builds it) for the financial year with most grants awarded. Target:
  < 30 s, < 1 GB.
- ``export_360``: the 360Giving JSON of every published grant, streamed through the
  public view and read to the end; resident memory is sampled as it streams (it must
  not grow with the grants written). Target: < 30 s.

Peak memory is ``ru_maxrss`` of the child (the whole process: Python, Django and all).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TARGETS = {"sweep": (60, 500), "annual_report": (30, 1024), "export_360": (30, None)}


def use_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)  # tasks run eagerly, in this process
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


# --- The jobs (run in the child) --------------------------------------------------------


def expected_return_reminders(today) -> int:
    import datetime

    from django.db.models import Exists, OuterRef, Q

    from monitoring.models import OUTSTANDING_STATUSES, MonitoringReturn, Reminder
    from monitoring.reminders import RETURN_STEPS

    total = 0
    for step, (earliest, latest) in RETURN_STEPS.items():
        window = Q(due_date__lte=today + datetime.timedelta(days=latest))
        if earliest is not None:
            window &= Q(due_date__gt=today + datetime.timedelta(days=earliest))
        total += (
            MonitoringReturn.objects.filter(window, status__in=OUTSTANDING_STATUSES)
            .exclude(Exists(Reminder.objects.filter(monitoring_return=OuterRef("pk"), step=step)))
            .count()
        )
    return total


class Outbox:
    """Where the sweep's send tasks go: enqueued, never run. A throwaway queue on a real
    Redis broker, or (no broker given) a list in this process."""

    def __init__(self, broker: str | None):
        from commissioning.celery import app
        from monitoring import tasks_reminders

        self.broker = broker
        self.ids: list[int] = []
        if broker is None:
            outbox = self

            class Collector:
                @staticmethod
                def delay(delivery_id: int) -> None:
                    outbox.ids.append(delivery_id)

            # monitoring.reminders looks the task up here each time it enqueues.
            tasks_reminders.send_reminder_delivery = Collector
            return
        import redis

        self.queue = f"benchmark-sweep-{os.getpid()}"
        self.redis = redis.Redis.from_url(broker)
        self.redis.ping()
        app.conf.update(
            task_always_eager=False,
            broker_url=broker,
            task_routes={"monitoring.send_reminder_delivery": {"queue": self.queue}},
        )
        app._pool = None
        app.amqp._producer_pool = None
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)

    def count(self) -> int:
        return len(self.ids) if self.broker is None else self.redis.llen(self.queue)

    def clear(self) -> None:
        self.ids.clear()
        if self.broker is not None:
            bindings = (f"_kombu.{kind}.{self.queue}" for kind in ("binding", "binding_permanent"))
            self.redis.delete(self.queue, *bindings)


def job_sweep(keep: bool, broker: str | None) -> dict:
    from django.utils import timezone

    from commissioning.models import Notification
    from monitoring.models import MonitoringReturn, Reminder
    from monitoring.reminders import sweep

    outbox = Outbox(broker)
    today = timezone.localdate()
    expected = expected_return_reminders(today)
    returns = MonitoringReturn.objects.count()
    try:
        started = time.perf_counter()
        result = sweep(today=today)
        seconds = time.perf_counter() - started
        queued = outbox.count()
        made_returns = sum(1 for key in result.made if key.startswith("return:"))
        again = sweep(today=today)
        emails = Reminder.objects.filter(key__in=result.made).values("deliveries").count()
        notifications = Notification.objects.filter(
            key__in=[f"reminder:{key}" for key in result.made]
        )
        in_app = notifications.count()
        if not keep:
            Reminder.objects.filter(key__in=result.made).delete()
            notifications.delete()
    finally:
        outbox.clear()
    return {
        "job": "sweep",
        "seconds": round(seconds, 2),
        "peak_mb": peak_mb(),
        "returns": returns,
        "reminders made": len(result.made),
        "return reminders made": made_returns,
        "return reminders due": expected,
        "emails": emails,
        "emails queued": queued,
        "queued on": "Redis" if broker else "a collector",
        "notifications": in_app,
        "second sweep made": len(again.made),
        "exact": made_returns == expected and not again.made and queued == emails,
    }


def job_annual_report() -> dict:
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commissioning.dates import FinancialYear
    from grants.models import Grant
    from reports.pdf import REPORTS, render_report

    days = Grant.objects.exclude(award_date=None).values_list("award_date", flat=True)
    years = Counter(FinancialYear.containing(day).start_year for day in days.iterator())
    year = years.most_common(1)[0][0]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        rendered = render_report(
            "annual_report",
            {"year": year},
            title=REPORTS["annual_report"].title(FinancialYear(year)),
        )
    return {
        "job": "annual_report",
        "year": str(FinancialYear(year)),
        "grants that year": years[year],
        "seconds": round(time.perf_counter() - started, 2),
        "peak_mb": peak_mb(),
        "pages": rendered.pages,
        "queries": len(queries),
    }


def job_export_360() -> dict:
    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="127.0.0.1")
    started = time.perf_counter()
    response = client.get(reverse("open-data-grants-json"))
    size = 0
    samples = []
    for index, piece in enumerate(response.streaming_content):
        size += len(piece)
        if index % 5000 == 0:
            samples.append(round(rss_mb()))
    seconds = time.perf_counter() - started
    return {
        "job": "export_360",
        "seconds": round(seconds, 2),
        "peak_mb": peak_mb(),
        "MB written": round(size / 2**20, 1),
        "rss_mb first/last": f"{samples[1] if len(samples) > 1 else samples[0]}/{samples[-1]}",
        "pieces": index + 1,
        "status": response.status_code,
    }


def child(name: str, keep: bool, broker: str | None) -> dict:
    use_django()
    if name == "sweep":
        return job_sweep(keep, broker)
    if name == "annual_report":
        return job_annual_report()
    return job_export_360()


# --- The run ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(TARGETS), action="append")
    parser.add_argument("--keep", action="store_true", help="keep the reminders made")
    parser.add_argument(
        "--broker",
        metavar="REDIS_URL",
        help="enqueue the sweep's emails on a throwaway queue on this Redis (default: "
        "collect them in the process)",
    )
    parser.add_argument("--child", choices=list(TARGETS), help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help="report only; no targets")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.keep, args.broker)))
        return 0
    ok = True
    for name in args.only or list(TARGETS):
        command = [sys.executable, __file__, "--child", name] + (["--keep"] if args.keep else [])
        command += ["--broker", args.broker] if args.broker else []
        done = subprocess.run(  # noqa: S603 - this script, fixed arguments
            command, cwd=BASE_DIR, env=os.environ.copy(), capture_output=True, text=True
        )
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        seconds, megabytes = TARGETS[name]
        met = result["seconds"] < seconds and (megabytes is None or result["peak_mb"] < megabytes)
        met = met and result.get("exact", True)
        result["target"] = "met" if met else "MISSED"
        ok = ok and met
        print(json.dumps(result))
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
