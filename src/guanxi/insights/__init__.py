"""Proactive insights about a customer's money, detected from the lake and kept for the channels."""
