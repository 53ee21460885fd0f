"""The action team's figures: counts over a period, never a person or a message."""
