"""Grants: awards, payment schedules and local allocations (issue 5)."""
