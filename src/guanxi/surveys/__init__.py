"""Satisfaction surveys: CSAT and NPS after cases and contacts (BIAN: Customer Surveys)."""
