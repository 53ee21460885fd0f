"""The helpline's shared core: settings, database, services. Imports neither Flask nor rasa_sdk."""
