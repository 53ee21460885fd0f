"""Follow-up check-ins after an overdose: consent, the schedule, sending, the worker's jobs."""
