"""Workstreams: commissioning roles, the Understand-Plan-Do-Review cycle, milestones and the
forward plan (issue 3)."""
