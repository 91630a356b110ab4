"""Reference data from data migrations survives an emptied database (a flush, as every
transactional test ends with), so no test depends on running before one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from commissioning.models import Role
from decisions.models import QuestionSet
from grants.models import Programme
from workstreams.models import ChecklistTemplateItem, Portfolio


@pytest.mark.django_db(transaction=True)
def test_question_set_portfolios_checklists_programmes_and_role_groups_come_back_after_a_flush():
    call_command("flush", interactive=False, verbosity=0)

    assert QuestionSet.objects.get(is_current=True).questions.count() == 6
    assert Portfolio.objects.count() == 8
    assert ChecklistTemplateItem.objects.filter(role="lead").count() == 12
    assert Programme.objects.filter(code="police-and-crime-grant").exists()
    assert set(Group.objects.values_list("name", flat=True)) == set(Role.labels)
