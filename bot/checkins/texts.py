"""What check-ins say: the check-in itself, the confirmations, and the menu of replies."""

from __future__ import annotations

# Plain GSM-7 texts, each under 320 characters. The check-in itself is the wording the
# seed programs asked for.
TEXTS = {
    "checkin": (
        "Checking in - how are you doing today? Reply 1 if you'd like to talk to someone, "
        "2 for treatment options, 3 for naloxone, or STOP CHECKINS to end check-ins."
    ),
    "last": " This is our last check-in. You can text us any time.",
    "enrolled": (
        "Thank you. We'll text to check in {when}, between {start} and {end}. Reply PAUSE "
        "to pause check-ins, STOP CHECKINS to end them, or STOP to end all texts."
    ),
    "enrolled_by_navigator": (
        "As you agreed with your navigator, we'll text to check in {when}, between {start} "
        "and {end}. Reply PAUSE to pause check-ins, STOP CHECKINS to end them, or STOP to "
        "end all texts."
    ),
    "already": (
        "You're signed up for check-ins. Next one: {next}. Reply PAUSE to pause them or "
        "STOP CHECKINS to end them."
    ),
    "paused": (
        "Check-in texts are paused. Reply RESUME to start them again. You can still text us "
        "any time."
    ),
    "resumed": "Check-in texts are back on. Next one: {next}. Reply PAUSE to pause them.",
    "resumed_none": (
        "There are no check-ins left in this series. Reply CHECKIN to start a new one. You "
        "can text us any time."
    ),
    "cancelled": (
        "Check-in texts are off. You can still text us any time, and reply CHECKIN to start "
        "them again."
    ),
    "none": (
        "You don't have check-in texts set up. Reply CHECKIN if you'd like us to check in "
        "over the next month."
    ),
}

# What a bare menu number right after a check-in asks the assistant (Rasa intents).
MENU = {"1": "/request_human", "2": "/treatment_options", "3": "/find_naloxone"}
