"""Business calendars: working hours and holidays per branch, for SLA clocks and bookings."""
