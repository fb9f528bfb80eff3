"""Appointments with a relationship manager or at a branch, without double booking."""
