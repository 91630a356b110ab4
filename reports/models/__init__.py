"""The reports app's models: report jobs (PDFs built by Celery) in ``jobs.py``; the
public pages' opportunities and stakeholder subscriptions in ``public.py``."""

from .jobs import *  # noqa: F403
from .public import *  # noqa: F403
