"""Cards: the customer locks, unlocks or reports them lost, from any channel."""
