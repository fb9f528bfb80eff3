"""Outbound messages: written in the use case's transaction, delivered after commit by a worker."""
