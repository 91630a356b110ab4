"""An email backend for the fault tests: Django's file backend, except that once the
outbox holds ``FAULT_BLOCK_AFTER`` emails every further send hangs (after touching the
file ``FAULT_BLOCKED_FLAG``) until the process is killed. The test waits for the flag,
so it kills the worker exactly in the middle of a batch, with some emails sent and
others claimed but not sent, without guessing at timings."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class HangingFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        limit = int(os.environ["FAULT_BLOCK_AFTER"])
        if len(list(Path(self.file_path).glob("*.log"))) >= limit:
            Path(os.environ["FAULT_BLOCKED_FLAG"]).touch()
            threading.Event().wait()  # until SIGKILL
        return super().send_messages(email_messages)
