"""Expensive figures kept in the cache, and never served after the data under them changed.

At national scale (issue 11) a few figures cost more than the rest of their page: the
grants list's totals over every matching grant and payment, the funding-awarded page's
count and totals, the dashboard's funding for the year. They are read far more often
than the tables under them are written, and every officer asks for the same ones, so
they are cached — keyed by the SQL that selects them (so by the filters and by what the
user may see) and by a **generation** of every table they read. Which tables those are
is seen as the figure is computed (every SELECT run meanwhile names its tables), so a
figure cannot depend on a table it does not know of; ``commissioning/pagecache.py``
caches whole pages this way.

A generation is a random token per table in the cache. Every INSERT, UPDATE or DELETE
through Django on a table — ``save()``, ``bulk_create``, ``QuerySet.update()``, a raw
cursor alike, since it is seen where SQL is executed — gives the table a new token once
the transaction commits. A cached figure is stored with the tokens it was computed
under, read before computing; it is used only while all of them are still current. So:

- a write committed while a figure is being computed leaves it stored under the old
  tokens, which are already out of date: it is never used (a cache that stamped the
  figure after computing it could keep a stale one);
- a transaction that has written computes its figures afresh, and does not cache them
  (they include writes that might still be rolled back);
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
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.signals import request_started
from django.db import connections, models, transaction
from django.db.backends.signals import connection_created

T = TypeVar("T")

#: The statements that change a table, as Django writes them (the table name quoted).
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"([^"]+)"', re.IGNORECASE)
_TRUNCATE = re.compile(r"\s*TRUNCATE\b", re.IGNORECASE)
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
    """Every statement: a write marks its table changed (at commit); a read, while a
    figure is being computed, tells the figure which tables it depends on."""
    result = execute(sql, params, many, context)
    if not enabled() or not isinstance(sql, str):
        return result
    if _TRUNCATE.match(sql):  # emptied outright (a test's flush, a reset)
        _renew(name for name in _NAME.findall(sql) if name in _known_tables())
        return result
    match = _WRITE.match(sql)
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
    elif _recorders.get():
        _tell_recorders(_tables_in(sql))
    return result


# --- Seeing reads -----------------------------------------------------------------------

#: The table sets of the figures being computed, innermost last.
_recorders: ContextVar[tuple[set[str], ...]] = ContextVar("fresh_recorders", default=())


def _tables_in(sql: str) -> set[str]:
    known = _known_tables()
    return {name for name in _NAME.findall(sql) if name in known}


def _tell_recorders(tables: Iterable[str]) -> None:
    for recorder in _recorders.get():
        recorder.update(tables)


@contextmanager
def _recording():
    tables: set[str] = set()
    token = _recorders.set((*_recorders.get(), tables))
    try:
        yield tables
    finally:
        _recorders.reset(token)


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
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # nothing can match (``.none()``, ``pk__in=[]``)
        return f'EMPTY "{queryset.model._meta.db_table}"'
    return f"{sql} {params!r}"


def _tables_and_key(name: str, reads, vary) -> tuple[set[str], str]:
    tables: set[str] = set()
    parts = [name, repr(tuple(vary))]
    for item in reads:
        if isinstance(item, models.QuerySet):
            sql = _sql(item)
            parts.append(sql)
            tables.update(_tables_in(sql))
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


def _tokens(tables: Iterable[str]) -> dict[str, str]:
    """The current token of each table (made if it has none yet), and the epoch's."""
    keys = {_generation_key(table): table for table in tables}
    keys[_EPOCH] = _EPOCH
    found = cache.get_many(list(keys))
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _token(), timeout=None)
        found.update(cache.get_many(missing))
    return {keys[key]: value for key, value in found.items()}


def cached(
    name: str,
    compute: Callable[[], T],
    *,
    reads: Iterable[models.QuerySet | type[models.Model] | str] = (),
    vary: Iterable = (),
    keep: Callable[[T], bool] | None = None,
    pack: Callable[[T], Any] | None = None,
    unpack: Callable[[Any], T] | None = None,
    timeout: int | None = None,
) -> T:
    """``compute()``, or what it gave before if no table under it has changed since.

    The tables under it are those ``reads`` names — querysets (their SQL is also part of
    the key), models or table names — and every table ``compute()`` reads from the
    database, seen as it runs (so a template or a lazy relation cannot read a table the
    figure does not know of). ``vary`` adds anything else it depends on to the key.
    ``keep`` says whether a value may be cached at all; ``pack`` and ``unpack`` turn a
    value into what the cache holds and back."""
    if not enabled():
        return compute()
    declared, key = _tables_and_key(name, reads, vary)
    connection = connections["default"]
    if not connection.in_atomic_block:
        _dirty(connection).clear()  # no transaction is open: what one wrote has ended
    if _dirty(connection):
        return compute()  # this transaction has written: what it sees is not for others
    stored = cache.get(key)
    if isinstance(stored, tuple) and len(stored) == 3:  # anything else: not ours, or old
        tables, tokens, value = stored
        if _tokens(tables) == tokens:
            _tell_recorders(tables)
            return unpack(value) if unpack else value
    # Every table's token before computing: a write committed meanwhile leaves the
    # figure stored under tokens already out of date.
    before = _tokens(_known_tables() | declared)
    with _recording() as read:
        value = compute()
    tables = frozenset(declared | read)
    _tell_recorders(tables)
    if keep is None or keep(value):
        tokens = {table: before[table] for table in (*tables, _EPOCH)}
        cache.set(
            key,
            (tables, tokens, pack(value) if pack else value),
            timeout=settings.FRESH_CACHE_TIMEOUT if timeout is None else timeout,
        )
    return value
