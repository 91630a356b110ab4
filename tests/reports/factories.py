"""Factories for the reports app's models; merged into ``tests.factories.FACTORIES``."""

from __future__ import annotations

from tests.reports.factories_jobs import FACTORIES as _JOBS
from tests.reports.factories_public import FACTORIES as _PUBLIC

FACTORIES: dict = {**_JOBS, **_PUBLIC}
