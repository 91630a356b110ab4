"""Monitoring returns from providers, review, underspends and reminders (issue 7)."""
