"""Settings for a worker that must be caught in the middle of a batch: the local
settings, with an email backend that hangs once the outbox holds FAULT_BLOCK_AFTER
emails (see backends.py)."""

from commissioning.settings.local import *  # noqa: F403

EMAIL_BACKEND = "tests.faults.backends.HangingFileBackend"
