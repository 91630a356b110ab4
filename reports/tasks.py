"""Celery finds an app's tasks in its ``tasks.py``: the reports app keeps them in one
module per part, gathered here."""

from .tasks_jobs import *  # noqa: F403
from .tasks_public import *  # noqa: F403
