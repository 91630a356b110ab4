"""Expensive figures kept in the cache, and never served after the data under them changed.

At national scale (issue 11) a few figures cost more than the rest of their page: the
grants list's totals over every matching grant and payment, the funding-awarded page's
count and totals, the dashboard's funding for the year. They are read far more often
than the tables under them are written, and every officer asks for the same ones, so
they are cached — keyed by the SQL that selects them (so by the filters and by what the
user may see) and by a **generation** of every table they read.

A generation is a random token per table in the cache. Every INSERT, UPDATE or DELETE
through Django on a table — ``save()``, ``bulk_create``, ``QuerySet.update()``, a raw
cursor alike, since it is seen where SQL is executed — gives the table a new token once
the transaction commits. A cached figure is stored with the tokens it was computed
under, read before computing; it is used only while all of them are still current. So:

- a write committed while a figure is being computed leaves it stored under the old
  tokens, which are already out of date: it is never used (a cache that stamped the
  figure after computing it could keep a stale one);
- a transaction that has written to a table computes that table's figures afresh, and
  does not cache them (they include writes that might still be rolled back);
- tokens are random, not counters, so a token lost from the cache (evicted, Redis
  restarted) cannot come back and validate an old figure;
- data changed outside Django (a restored backup, SQL typed by hand) is not seen: such
  a change should be followed by ``manage.py forget_cached_figures``, and figures
  expire after ``FRESH_CACHE_TIMEOUT`` seconds in any case.

Why not django-cachalot, which caches every ORM query this way: it stamps a result with
the time it *finished*, so a write committed while a slow aggregate ran can leave the old
figure cached until the next write; and caching every query of every page is more than
these few figures need.

The cache must be shared by every process that writes (web workers, Celery workers):
it is on when ``FRESH_CACHE`` is true, which by default it is when Redis is configured.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_started
from django.db import connections, models, transaction
from django.db.backends.signals import connection_created

T = TypeVar("T")

#: The statements that change a table, as Django writes them (the table name quoted).
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"([^"]+)"', re.IGNORECASE)
#: Quoted names in a SELECT: the tables among them are what it reads.
_NAME = re.compile(r'"([^"]+)"')
_PREFIX = "fresh"
#: Changed by ``forget_all``: every figure cached before is out of date.
_EPOCH = f"{_PREFIX}:epoch"


def enabled() -> bool:
    return bool(getattr(settings, "FRESH_CACHE", False))


def _token() -> str:
    return secrets.token_hex(8)


def _generation_key(table: str) -> str:
    return f"{_PREFIX}:gen:{table}"


# --- Seeing writes ----------------------------------------------------------------------


def _dirty(connection) -> set[str]:
    """Tables written by the connection's open transaction (not yet committed)."""
    if not hasattr(connection, "fresh_dirty"):
        connection.fresh_dirty = set()
    return connection.fresh_dirty


def _renew(tables: Iterable[str]) -> None:
    cache.set_many({_generation_key(table): _token() for table in tables}, timeout=None)


def _committed(connection, table: str) -> None:
    _dirty(connection).discard(table)
    _renew([table])


def _note_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if not enabled():
        return result
    match = _WRITE.match(sql) if isinstance(sql, str) else None
    if match:
        table = match.group(1)
        connection = context["connection"]
        if connection.in_atomic_block:
            _dirty(connection).add(table)
            transaction.on_commit(
                functools.partial(_committed, connection, table), using=connection.alias
            )
        else:
            _renew([table])
    return result


def _watch(sender, connection, **kwargs) -> None:
    if _note_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_note_writes)


def _new_request(sender, **kwargs) -> None:
    """No transaction outlives a request: what a rolled-back one wrote is not dirty."""
    for connection in connections.all(initialized_only=True):
        _dirty(connection).clear()


def install() -> None:
    """Watch every database connection for writes (called from AppConfig.ready)."""
    connection_created.connect(_watch, dispatch_uid="commissioning.freshness.watch")
    request_started.connect(_new_request, dispatch_uid="commissioning.freshness.new_request")
    for connection in connections.all(initialized_only=True):
        _watch(None, connection)


def forget_all() -> None:
    """Make every cached figure out of date (after data changed outside Django)."""
    cache.set(_EPOCH, _token(), timeout=None)


# --- Cached figures ---------------------------------------------------------------------


def _sql(queryset: models.QuerySet) -> str:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    return f"{sql} {params!r}"


def _tables_and_key(name: str, reads, vary) -> tuple[set[str], str]:
    known = _known_tables()
    tables: set[str] = set()
    parts = [name, repr(tuple(vary))]
    for item in reads:
        if isinstance(item, models.QuerySet):
            sql = _sql(item)
            parts.append(sql)
            tables.update(found for found in _NAME.findall(sql) if found in known)
        elif isinstance(item, type) and issubclass(item, models.Model):
            tables.add(item._meta.db_table)
        else:
            tables.add(str(item))
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return tables, f"{_PREFIX}:value:{digest}"


@functools.cache
def _known_tables() -> frozenset[str]:
    from django.apps import apps

    return frozenset(model._meta.db_table for model in apps.get_models(include_auto_created=True))


def cached(
    name: str,
    compute: Callable[[], T],
    *,
    reads: Iterable[models.QuerySet | type[models.Model] | str],
    vary: Iterable = (),
) -> T:
    """``compute()``, or what it gave before if no table it reads has changed since.

    ``reads`` names what the figure reads: querysets (their SQL is part of the key, and
    every table in it is watched), models or table names (watched only). ``vary`` adds
    anything else the figure depends on to the key."""
    if not enabled():
        return compute()
    tables, key = _tables_and_key(name, reads, vary)
    connection = connections["default"]
    if not connection.in_atomic_block:
        _dirty(connection).clear()  # no transaction is open: what one wrote has ended
    if tables & _dirty(connection):
        return compute()  # this transaction changed them: its figure is not for others
    generation_keys = [_EPOCH, *sorted(_generation_key(table) for table in tables)]
    found = cache.get_many([*generation_keys, key])
    missing = [k for k in generation_keys if k not in found]
    if missing:
        for k in missing:
            cache.add(k, _token(), timeout=None)
        found.update(cache.get_many(missing))
    generations = tuple(found.get(k) for k in generation_keys)
    stored = found.get(key)
    if stored is not None and stored[0] == generations:
        return stored[1]
    value = compute()
    cache.set(key, (generations, value), timeout=settings.FRESH_CACHE_TIMEOUT)
    return value
