"""Actions that change the world, journal first: acknowledgements (Alertmanager
silences, with an outbox that survives outages and restarts) and runbook runs."""
