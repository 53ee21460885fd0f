"""Custom Rasa graph components for the helpline (referenced from config.yml)."""
