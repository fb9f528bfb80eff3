"""Explainable customer models: churn, propensity and credit scorecards on any tabular extract."""
