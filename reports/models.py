"""Indicators, targets and KPI facts (built by the KPI engine)."""
