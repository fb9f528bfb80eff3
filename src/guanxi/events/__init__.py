"""Relationship events: seminars, investment salons, product launches; invitations, RSVP, attendance."""
