"""A customer's merged history: contacts, cases, surveys, appointments and notable transactions."""
