"""Conversations: the records of every message, and the one path every inbound message takes."""
