"""Celery finds an app's tasks in its ``tasks.py``: the monitoring app keeps them in one
module per part, gathered here."""

from .tasks_office import *  # noqa: F403
from .tasks_reminders import *  # noqa: F403
