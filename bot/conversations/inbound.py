"""The one path every inbound message takes, whatever the channel.

    record (a provider's retry is recognised first)
      -> the channel's steps, in order (SMS: carrier keywords, then check-in keywords;
         web chat: DELETE)
      -> the assistant (an emergency gets its first reply at once if the assistant is slow)

A step is a small function given the kept message. It either answers it (returns an
Outcome, and the path stops there) or lets it through (returns None), possibly after
sending something first (a notice about a picture) or giving the assistant a payload
instead of the text (a check-in menu choice). No step calls back into an earlier one.

The worker resumes a message that was kept but not answered (the assistant was down, or
a process died) through the same steps, so each message meets every step once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Sequence

from bot.content import CRISIS_REPLIES, crisis_reply
from bot.conversations.messages import RASA_CHANNELS
from bot.conversations.models import Conversation, Message
from bot.conversations.service import ConversationService, Outcome
from bot.crisis import Crisis, assess


@dataclass
class Kept:
    """An inbound message on its way through the steps."""

    message: Message
    conversation: Conversation
    # What the provider said came with it (SMS: pictures and files, never fetched).
    num_media: int = 0
    # Replies a step sent before the answer (shown first).
    before: List[Message] = field(default_factory=list)
    # The emergency in it, as the crisis check found it when it was kept (None: none).
    crisis: Crisis | None = None


Step = Callable[[Kept], "Outcome | None"]


class InboundPath:
    """Records each inbound message, runs its channel's steps, then asks the assistant."""

    def __init__(
        self,
        conversations: ConversationService,
        steps: Mapping[str, Sequence[Step]],
        crisis_wait: float = 0.1,
    ) -> None:
        self.conversations = conversations
        self.steps: Dict[str, Sequence[Step]] = dict(steps)
        # How long an emergency waits for the assistant before its first reply goes alone.
        self.crisis_wait = crisis_wait

    def handle(
        self,
        conversation: Conversation,
        text: str,
        external_id: str | None = None,
        num_media: int = 0,
    ) -> Outcome:
        """Keep one message from the person and answer it (inline when the channel can)."""
        crisis = assess(text)
        message = self.conversations.record(conversation, text, external_id, crisis)
        if message is None:
            assert external_id is not None
            existing = self.conversations.by_external_id(external_id)
            return Outcome(existing, self.conversations.replies_to(existing.id), duplicate=True)
        # record() claimed it for this process unless an older message is still waiting.
        claimed = message.status == Message.PROCESSING
        kept = Kept(message, conversation, num_media, crisis=crisis)
        return self._through(kept, inline=True, claimed=claimed)

    def resume(self, message: Message) -> Outcome:
        """Answer a message that was kept but not answered yet (the worker's pass)."""
        claim = self.conversations.claim(message.id)
        if claim != "claimed":
            # Another process holds it, or an older message must be answered first.
            return Outcome(message, [], answered=False, assistant_down=claim == "waiting")
        conversation = self.conversations.get(message.conversation_id)
        if conversation is None:
            return Outcome(message, [], answered=False)  # erased meanwhile
        return self._through(Kept(message, conversation), inline=False, claimed=True)

    def answer_pending(self, limit: int = 50) -> int:
        """Answer kept messages oldest first, one per conversation at a time; return count."""
        answered = 0
        for message in self.conversations.pending(limit):
            outcome = self.resume(message)
            if outcome.assistant_down:
                break
            answered += int(outcome.answered)
        return answered

    def _through(self, kept: Kept, inline: bool, claimed: bool) -> Outcome:
        for step in self.steps.get(kept.conversation.channel, ()):
            outcome = step(kept)
            if outcome is not None:
                return outcome
        sender = (kept.conversation.sender_id, kept.conversation.channel)
        crisis = kept.crisis if inline and not kept.message.payload else None
        if crisis is not None and crisis.kind in CRISIS_REPLIES:
            # An emergency never waits in line behind other conversations.
            channel = RASA_CHANNELS.get(kept.conversation.channel)
            first = crisis_reply(crisis.kind, crisis.language, channel)[0]
            outcome = self.conversations.answer_urgent(
                kept.message, first, self.crisis_wait, sender, claimed=claimed
            )
        else:
            outcome = self.conversations.answer(
                kept.message, inline=inline, sender=sender, claimed=claimed
            )
        if not kept.before:
            return outcome
        return Outcome(
            outcome.message,
            kept.before + outcome.replies,
            outcome.duplicate,
            outcome.answered,
            outcome.assistant_down,
            outcome.following,
        )
