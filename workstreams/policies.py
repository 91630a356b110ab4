"""Who sees which workstream records: office staff see them all; providers none (a
provider's view of the office's work comes through their own agreements)."""

from commissioning.policies import ModelPolicy

from .models import Milestone, Workstream


class WorkstreamPolicy(ModelPolicy):
    model = Workstream


class MilestonePolicy(ModelPolicy):
    model = Milestone


workstream_policy = WorkstreamPolicy()
milestone_policy = MilestonePolicy()
