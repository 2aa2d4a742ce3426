"""Validation of a run's result: SQL-level checks built from the policy (GX suites)."""
