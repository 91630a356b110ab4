"""The 503 page for a database that cannot be reached, in-process (no services needed):
the real fault is tested with a stopped PostgreSQL in test_database_outage.py."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from commissioning.middleware_db import server_error


def unreachable(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.django_db
def test_a_page_whose_queries_fail_answers_the_styled_503(client):
    with connection.execute_wrapper(unreachable):
        response = client.get("/funding-awarded/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Sorry, the service is unavailable" in page
    assert "nothing is saved half-way" in page


@pytest.mark.django_db
def test_other_errors_still_answer_the_500_page():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500


def test_a_database_error_outside_a_view_also_answers_503():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.content.decode()
