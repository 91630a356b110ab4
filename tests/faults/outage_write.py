"""Run by test_database_outage.py in its own process, against the test's own
PostgreSQL cluster: make an awarded grant, then activate it (one service call that
writes several rows: the grant, its history, its return schedule and returns) and stop
PostgreSQL right after the call's first INSERT. Prints the grant's id and what the call
raised."""

import json
import os
import subprocess

import django

django.setup()

from django.db import connection  # noqa: E402

from grants.models import GrantStatus  # noqa: E402
from grants.services import grant_activate  # noqa: E402
from tests.factories import GrantFactory  # noqa: E402

grant = GrantFactory()
grant.status = GrantStatus.AWARDED
grant.award_date = grant.start_date
grant.save(update_fields=["status", "award_date"])
stop_command = json.loads(os.environ["FAULT_STOP_COMMAND"])
inserts = []


def stop_after_first_insert(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if sql.lstrip().upper().startswith("INSERT") and not inserts:
        inserts.append(sql)
        subprocess.run(stop_command, check=True, capture_output=True)  # noqa: S603
    return result


outcome = "completed"
try:
    with connection.execute_wrapper(stop_after_first_insert):
        grant_activate(grant=grant, by=None)
except Exception as error:  # noqa: BLE001 - reported to the test
    outcome = type(error).__name__
print(json.dumps({"grant": grant.pk, "outcome": outcome, "inserts": len(inserts)}))
