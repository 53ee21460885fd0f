"""The rasa-sdk action server: one module per feature, each a thin shell over `bot/`."""
