"""Every contact with a customer, whatever the channel (BIAN: Contact Handler, Customer Event History)."""
