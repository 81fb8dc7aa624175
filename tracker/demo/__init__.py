"""Demo data: the first info day of the seed with its groups, synthetic invitees and demo accounts."""
