"""Two managers deciding the same assessment at the same moment, on two real PostgreSQL
connections: exactly one decision is recorded and the other manager is told who decided
first."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from commissioning.models import Notification, Role
from decisions import services
from decisions.models import AssessmentEvent, AssessmentStatus, DecisionAssessment
from tests.conftest import require, uses_postgres
from tests.factories import submitted_assessment

ROUNDS = 5


def race(assessment, contenders):
    """Run ``(manager, outcome)`` decisions in parallel threads, each on its own database
    connection, released together. Returns what each got: the assessment or the error."""
    barrier = threading.Barrier(len(contenders))
    results: dict[int, object] = {}

    def decide(index, manager, outcome):
        try:
            barrier.wait(timeout=10)
            results[index] = services.assessment_decide(
                assessment=assessment,
                by=manager,
                outcome=outcome,
                reason=f"{manager.full_name} decided: {outcome}.",
            )
        except Exception as error:  # noqa: BLE001 - reported to the test below
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(index, manager, outcome))
        for index, (manager, outcome) in enumerate(contenders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a decision never finished"
    return [results[index] for index in range(len(contenders))]


@pytest.mark.django_db(transaction=True)
def test_two_managers_deciding_at_once_record_exactly_one_decision(make_user, monkeypatch):
    require(uses_postgres(), "needs PostgreSQL: SQLite cannot lock a row for two connections")
    officer = make_user(Role.OFFICER, full_name="Olive Officer")
    approver = make_user(Role.MANAGER, full_name="Maya Manager")
    decliner = make_user(Role.MANAGER, full_name="Marcus Bell")

    # Hold each decision open for a moment after its read, so that without the row lock
    # both managers would read "submitted" and both decisions would be saved.
    locked_read = services._locked

    def slow_locked_read(assessment):
        row = locked_read(assessment)
        time.sleep(0.3)
        return row

    monkeypatch.setattr(services, "_locked", slow_locked_read)

    for round_ in range(ROUNDS):
        assessment = submitted_assessment(author=officer, title=f"Race {round_}")
        mail.outbox.clear()

        results = race(
            assessment,
            [(approver, AssessmentStatus.APPROVED), (decliner, AssessmentStatus.DECLINED)],
        )

        wins = [r for r in results if isinstance(r, DecisionAssessment)]
        losses = [r for r in results if isinstance(r, ValidationError)]
        assert len(wins) == 1 and len(losses) == 1, results
        winner = approver if wins[0].decided_by == approver else decliner
        outcome = wins[0].status

        assessment.refresh_from_db()
        assert assessment.status == outcome != AssessmentStatus.SUBMITTED
        assert assessment.decided_by == winner
        assert assessment.decision_reason == f"{winner.full_name} decided: {outcome}."

        decisions = AssessmentEvent.objects.filter(
            assessment=assessment, from_status=AssessmentStatus.SUBMITTED
        )
        assert [(e.to_status, e.by) for e in decisions] == [(outcome, winner)]

        [error] = losses
        assert error.code == "already_decided"
        assert error.messages == [
            f"This assessment has already been {outcome} by {winner.full_name}, so your "
            "decision was not recorded."
        ]

        told = Notification.objects.filter(recipient=officer, key__startswith="assessment-decided")
        assert told.filter(url=assessment.get_absolute_url()).count() == 1
        assert [m.to for m in mail.outbox] == [[officer.email]]

    assert (
        Notification.objects.filter(recipient=officer, key__startswith="assessment-decided").count()
        == ROUNDS
    )
