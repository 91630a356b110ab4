"""Load benchmark: the key pages through gunicorn (2 workers, loopback) against the scale
database, side by side with the framework's floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_scale .venv/bin/python benchmarks/load.py
    .venv/bin/python benchmarks/load.py --smoke     # seconds: CI proves it still works

The database must already hold the data (``manage.py seed_scale``; the smoke run seeds
``--scale 0.01`` into a fresh ``<name>_smoke`` database itself and drops it after).

For each page it reports, with a signed-in session for the right user (a session made
with Django's SessionStore, sent as the cookie):

- median and p95 latency with one user: ``--requests`` requests after ``--warmup``;
- requests per second with ``--clients`` concurrent clients (threads, each with its own
  keep-alive connection) for ``--seconds`` seconds or ``--max-requests`` requests;
- the time of a first view: the page rendered with every cache empty (in this process,
  median of three) — what a page costs the first time, or after its data changed;
- queries per request, counted in this process with ``CaptureQueriesContext`` through
  Django's test client against the same database (gunicorn cannot report them): on a
  request after the page's cached figures were made (what nearly every request does)
  and, in brackets, on the first request with the cache empty;
- throughput as a ratio to the floor: ``/_benchmark/floor/<pk>/`` (one primary-key
  query and a tiny template, routed only by ``benchmarks/settings.py``), measured twice:
  signed out, and signed in as the officer (the session and user every signed-in page
  loads first). Each page is compared with the floor of its own kind; both are printed.

The server runs as in production: its cached figures and pages
(``commissioning/freshness.py``, ``commissioning/pagecache.py``) in Redis (``--redis``, a
database of its own, emptied at the start), and the client keeps its session and CSRF
cookies as a browser does. So the median, p95 and req/s are of a page seen again with
nothing changed — an officer going back to a list or refreshing the dashboard — and the
first-view column is what rendering it costs.

Targets (issue 11): median ≤ 50 ms, p95 ≤ 150 ms, throughput ≥ 1/3 of the floor's,
≤ 15 queries (with the cache warm and cold alike). The run exits 1 if a page misses one
(except with ``--smoke``).
Only 127.0.0.1 is ever requested.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TARGET_MEDIAN_MS = 50
TARGET_P95_MS = 150
TARGET_FLOOR_SHARE = 1 / 3
TARGET_QUERIES = 15


@dataclass
class Page:
    name: str
    path: str
    user: str | None  # "officer", "provider" or None (signed out)


DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


def server_environment(redis_url: str) -> dict[str, str]:
    """The settings the server and the query counts run with: production's cache."""
    return {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url,
        "FRESH_CACHE": "true",
    }


def use_django(redis_url: str = DEFAULT_REDIS) -> None:
    os.environ.update(server_environment(redis_url))
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


# --- What is measured -------------------------------------------------------------------


def pages() -> list[Page]:
    """The key pages, each at its heaviest realistic record."""
    from django.db.models import Count
    from django.urls import reverse

    from commissioning.dates import FinancialYear
    from commissioning.models import Organisation
    from contracts.models import Contract
    from monitoring.models import MonitoringReturn
    from workstreams.models import Workstream

    workstream = (
        Workstream.objects.annotate(n=Count("grants", distinct=True)).order_by("-n", "pk").first()
    )
    contract = (
        Contract.objects.annotate(n=Count("meetings", distinct=True)).order_by("-n", "pk").first()
    )
    provider = users()["provider"]
    provider_return = (
        MonitoringReturn.objects.filter(organisation=provider.organisation)
        .order_by("-due_date", "pk")
        .first()
    )
    year = FinancialYear.current().start_year - 1
    floor = f"/_benchmark/floor/{Organisation.objects.order_by('pk').first().pk}/"
    return [
        Page("floor", floor, None),
        Page("floor, signed in", floor, "officer"),
        Page("officer dashboard", reverse("dashboard"), "officer"),
        Page("workstream list", reverse("workstream-list"), "officer"),
        Page("workstream list, filtered", reverse("workstream-list") + "?role=lead", "officer"),
        Page("workstream detail", workstream.get_absolute_url(), "officer"),
        Page("grants list with totals", reverse("grant-list"), "officer"),
        Page("contract detail", contract.get_absolute_url(), "officer"),
        Page("provider's returns list", reverse("return-list"), "provider"),
        Page("return detail", provider_return.get_absolute_url(), "provider"),
        Page("forward plan", reverse("forward-plan"), "officer"),
        Page("funding awarded (public)", reverse("funding-awarded"), None),
        Page(
            "funding awarded, one year",
            reverse("funding-awarded") + f"?financial_year={year}",
            None,
        ),
    ]


def users() -> dict:
    from commissioning.models import User

    return {
        "officer": User.objects.get(email="officer@example.org"),
        "provider": User.objects.get(email="provider@example.org"),
    }


def session_cookies() -> dict[str, str]:
    """A signed-in session per user, made as Django's login makes one."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    cookies = {}
    for key, user in users().items():
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session["signed_in_at"] = session["last_seen_at"] = int(time.time())
        session.save()
        # and the CSRF cookie a browser keeps from its first page
        csrf = get_random_string(CSRF_SECRET_LENGTH)
        cookies[key] = (
            f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}"
        )
    return cookies


def count_queries(page_list: list[Page]) -> dict[str, tuple[int, int, int, float]]:
    """Queries with the cache warm, with it empty, the status of each page, and the
    median time of a first view (the cache emptied before each of three), in this
    process through the test client."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    people = users()
    result = {}
    for page in page_list:
        client = Client(HTTP_HOST=HOST)
        if page.user:
            client.force_login(people[page.user])
        client.get(page.path)  # the session and the user's first page
        first_views = []
        for _ in range(3):
            cache.clear()
            started = time.perf_counter()
            client.get(page.path)
            first_views.append((time.perf_counter() - started) * 1000)
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(page.path)
        with CaptureQueriesContext(connection) as warm:
            response = client.get(page.path)
        result[page.name] = (
            len(warm),
            len(cold),
            response.status_code,
            statistics.median(first_views),
        )
    return result


# --- gunicorn ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, redis_url: str) -> subprocess.Popen:
    env = os.environ.copy()
    env.update(server_environment(redis_url))
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "commissioning.wsgi",
            "--workers=2",
            f"--bind={HOST}:{port}",
            "--log-level=warning",
            "--timeout=60",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not start listening within 30 seconds")


class Browser:
    """One keep-alive connection to gunicorn."""

    def __init__(self, port: int, cookie: str | None):
        self.port = port
        self.headers = {"Host": f"{HOST}:{port}"}
        if cookie:
            self.headers["Cookie"] = cookie
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)

    def get(self, path: str) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
            raise
        return response.status, time.perf_counter() - started


def latency(port: int, page: Page, cookie: str | None, warmup: int, requests: int) -> dict:
    browser = Browser(port, cookie)
    for _ in range(warmup):
        status, _ = browser.get(page.path)
    if status != 200:
        raise RuntimeError(f"{page.name}: {page.path} answered {status}")
    times = sorted(browser.get(page.path)[1] * 1000 for _ in range(requests))
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {"median_ms": statistics.median(times), "p95_ms": p95}


def throughput(
    port: int, page: Page, cookie: str | None, clients: int, seconds: float, max_requests: int
) -> float:
    done = [0] * clients
    stop_at = time.perf_counter() + seconds
    budget = threading.Semaphore(max_requests)

    def work(index: int):
        browser = Browser(port, cookie)
        while time.perf_counter() < stop_at and budget.acquire(blocking=False):
            browser.get(page.path)
            done[index] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


# --- The run ----------------------------------------------------------------------------


def measure(args) -> tuple[list[dict], bool]:
    use_django(args.redis)
    page_list = pages()
    cookies = session_cookies()
    queries = count_queries(page_list)
    from django.core.cache import cache
    from django.db import connections

    cache.clear()  # the server starts cold; warm-up requests make its figures
    connections.close_all()
    port = free_port()
    server = start_gunicorn(port, args.redis)
    rows = []
    try:
        for page in page_list:
            cookie = cookies.get(page.user) if page.user else None
            row = {"page": page.name, "path": page.path}
            row.update(latency(port, page, cookie, args.warmup, args.requests))
            row["rps"] = throughput(
                port, page, cookie, args.clients, args.seconds, args.max_requests
            )
            row["queries"], row["cold_queries"], row["status"], row["first_view_ms"] = queries[
                page.name
            ]
            rows.append(row)
            print(f"  {page.name}: {row['median_ms']:.1f} ms median", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    floors = {False: rows[0]["rps"], True: rows[1]["rps"]}
    ok = True
    for page, row in zip(page_list, rows, strict=True):
        row["floor_share"] = row["rps"] / floors[False] if floors[False] else 0
        own = floors[page.user is not None]
        row["own_floor_share"] = row["rps"] / own if own else 0
        row["met"] = row["page"].startswith("floor") or (
            row["median_ms"] <= TARGET_MEDIAN_MS
            and row["p95_ms"] <= TARGET_P95_MS
            and row["own_floor_share"] >= TARGET_FLOOR_SHARE
            and max(row["queries"], row["cold_queries"]) <= TARGET_QUERIES
            and row["status"] == 200
        )
        ok = ok and row["met"]
    return rows, ok


def table(rows: list[dict]) -> str:
    lines = [
        "| page | median ms | p95 ms | req/s | × floor | × own floor | queries (cold) "
        "| first view ms | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['rps']:.0f} | "
            f"{r['floor_share']:.2f} | {r['own_floor_share']:.2f} | "
            f"{r['queries']} ({r['cold_queries']}) | {r['first_view_ms']:.0f} | "
            f"{'met' if r['met'] else 'MISSED'} |"
        )
    return "\n".join(lines)


def smoke_database() -> str:
    """A fresh ``<name>_smoke`` database beside DATABASE_URL's, seeded at 1/100 scale."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'portal'}_smoke"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    smoke_url = urlunsplit(parts._replace(path=f"/{name}"))
    env = os.environ.copy()
    env.update(
        DATABASE_URL=smoke_url,
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DEBUG="false",
        DEMO_DATA_ALLOWED="true",
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    for command in (["migrate", "-v0"], ["seed_scale", "--scale", "0.01"]):
        subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return smoke_url


def drop_database(url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, few requests")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--redis", default=DEFAULT_REDIS, help="the server's cache (a Redis database, emptied)"
    )
    args = parser.parse_args(argv)
    smoke_url = None
    if args.smoke:
        args.warmup, args.requests, args.seconds, args.max_requests = 2, 5, 0.5, 50
        smoke_url = smoke_database()
        os.environ["DATABASE_URL"] = smoke_url
    try:
        rows, ok = measure(args)
    finally:
        if smoke_url:
            from django.db import connections

            connections.close_all()
            drop_database(smoke_url)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    if args.smoke:
        return 0 if all(row["status"] == 200 for row in rows) else 1
    print(f"\nTargets: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
