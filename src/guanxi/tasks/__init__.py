"""Follow-up tasks for staff: survey follow-ups, call-backs, event follow-ups."""
