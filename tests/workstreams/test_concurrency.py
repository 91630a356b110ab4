"""Two officers ticking the same checklist item at the same moment, on two real database
connections (PostgreSQL): both succeed, there is still one row, and the first to
complete it stays recorded as having done it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from commissioning.models import Role
from tests.conftest import require, uses_postgres
from tests.factories import UserFactory, WorkstreamFactory
from workstreams import services
from workstreams.models import ChecklistItem, ChecklistStatus


def _race(item, officers) -> list[BaseException]:
    """Both officers tick ``item`` at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(officers))
    errors: list[BaseException] = []

    def tick(officer):
        try:
            barrier.wait(timeout=10)
            services.checklist_item_update(
                item=item, by=officer, status=ChecklistStatus.DONE, note=f"Done by {officer}"
            )
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_officers_ticking_one_item_at_once_both_succeed_on_one_row():
    require(uses_postgres(), "needs PostgreSQL: SQLite cannot lock a row for two connections")
    for _ in range(5):
        workstream = WorkstreamFactory()
        item = workstream.checklist_items.filter(stage="understand").first()
        officers = [UserFactory(role=Role.OFFICER), UserFactory(role=Role.OFFICER)]

        assert _race(item, officers) == []

        rows = ChecklistItem.objects.filter(workstream=workstream, template=item.template)
        assert rows.count() == 1
        ticked = rows.get()
        assert ticked.status == ChecklistStatus.DONE
        assert ticked.completed_by in officers
        assert ticked.note in {f"Done by {officer}" for officer in officers}
        # The first update to take the row lock completed it; the second kept that.
        first_done = ticked.history.filter(status=ChecklistStatus.DONE).earliest("history_date")
        assert ticked.completed_by == first_done.history_user
