"""Actions that change something (acks, runbook runs): journal first, then the source."""
