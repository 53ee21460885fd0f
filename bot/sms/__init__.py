"""The SMS channel: inbound texts and their carrier keywords, the outbox, and Twilio."""
