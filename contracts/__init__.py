"""Procurement and contracts: suitability, tender evaluation, KPIs and meetings (issue 6)."""
