"""``manage.py load_demo`` on an empty database: loader order, all-or-nothing, and the
production guard."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from commissioning import demo
from commissioning.models import Organisation, User

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_runs_registered_loaders_in_order_and_all_or_nothing(monkeypatch):
    monkeypatch.setattr(demo, "_LOADERS", dict(demo._LOADERS))
    ran: list[str] = []

    def later(log):
        ran.append("later")
        raise RuntimeError("a later app's loader failed")

    def earlier(log):
        ran.append("earlier")
        log("earlier ran")

    demo.register_demo_loader("later-app", 99, later)
    demo.register_demo_loader("earlier-app", 5, earlier)
    assert [item.name for item in demo.demo_loaders()][:2] == ["earlier-app", "core"]

    with pytest.raises(RuntimeError):
        load_demo()

    assert ran == ["earlier", "later"]
    assert not Organisation.objects.exists()
    assert not User.objects.exists()


def test_demo_data_is_refused_where_it_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("load_demo", stdout=io.StringIO())

    assert not User.objects.filter(email="admin@example.org").exists()
