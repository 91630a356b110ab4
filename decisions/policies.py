"""Decisions are office business: staff see them all, providers none."""

from commissioning.policies import ModelPolicy

from .models import DecisionAssessment


class DecisionAssessmentPolicy(ModelPolicy):
    model = DecisionAssessment


assessment_policy = DecisionAssessmentPolicy()
