"""What the on-call engineer watches: Prometheus metrics read from the database at scrape time.

Every process of the helpline (each gateway worker, the worker, replicas on other machines)
writes what happened to the one database, so the figures are read from there when
Prometheus scrapes `/metrics`: they are the same whichever gateway worker answers, survive
restarts, and need no per-process state. Counts are over the last hour (`WINDOW`), as
gauges: erasure (DELETE, retention) removes rows, so a counter read from the database could
go down. Nothing here holds a message text, a phone number or a conversation id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Iterable, Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.checkins.models import CheckIn
from bot.conversations.messages import safety_reply
from bot.conversations.models import Conversation, Message, Outbox
from bot.db import as_utc, utcnow
from bot.handoff.models import Handoff

WINDOW = timedelta(hours=1)
# Seconds from a message kept to its answer: a reply inline takes well under a second; the
# top buckets are messages kept while the assistant was down.
LATENCY_BUCKETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 300.0, 1800.0)


class HelplineCollector(Collector):
    """The helpline's figures for one scrape."""

    def __init__(self, sessions: sessionmaker, assistant=None) -> None:
        self.sessions = sessions
        self.assistant = assistant

    def collect(self) -> Iterator[Metric]:
        """Read every figure in one database session."""
        now = utcnow()
        since = now - WINDOW
        with self.sessions() as session:
            by_channel = session.execute(
                select(Message.direction, Conversation.channel, func.count(Message.id))
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.created_at >= since)
                .group_by(Message.direction, Conversation.channel)
            ).all()
            messages = GaugeMetricFamily(
                "helpline_messages_last_hour",
                "Messages in the last hour, by direction (in/out) and channel.",
                labels=["direction", "channel"],
            )
            for direction, channel, count in by_channel:
                messages.add_metric([direction, channel], count)
            yield messages

            answered = session.execute(
                select(Message.created_at, Message.answered_at).where(
                    Message.direction == Message.INBOUND,
                    Message.answered_at.is_not(None),
                    Message.answered_at >= since,
                )
            ).all()
            seconds = [(as_utc(done) - as_utc(kept)).total_seconds() for kept, done in answered]
            yield _histogram(
                "helpline_reply_seconds_last_hour",
                "Seconds from a person's message kept to its answer, for answers in the last hour.",
                seconds,
            )

            waiting = session.execute(
                select(func.count(Message.id), func.min(Message.created_at)).where(
                    Message.direction == Message.INBOUND,
                    Message.status.in_((Message.PENDING, Message.PROCESSING)),
                )
            ).one()
            yield _gauge(
                "helpline_messages_unanswered",
                "Messages from people kept but not answered yet (alert if it stays above 0).",
                waiting[0],
            )
            yield _gauge(
                "helpline_oldest_unanswered_seconds",
                "How long the oldest unanswered message has waited (0 when none).",
                (now - as_utc(waiting[1])).total_seconds() if waiting[1] else 0.0,
            )

            assistant_replies = session.scalar(
                select(func.count(Message.id)).where(
                    Message.direction == Message.OUTBOUND,
                    Message.author == "assistant",
                    Message.created_at >= since,
                )
            )
            fallbacks = session.scalar(
                select(func.count(Message.id)).where(
                    Message.direction == Message.OUTBOUND,
                    Message.topic == Message.FALLBACK_TOPIC,
                    Message.created_at >= since,
                )
            )
            yield _gauge(
                "helpline_fallback_ratio_last_hour",
                "Share of the assistant's replies in the last hour that were the fallback menu.",
                (fallbacks or 0) / assistant_replies if assistant_replies else 0.0,
            )
            yield _gauge(
                "helpline_safety_replies_last_hour",
                "Fixed safety replies sent because the assistant could not answer.",
                session.scalar(
                    select(func.count(Message.id)).where(
                        Message.direction == Message.OUTBOUND,
                        Message.author == "system",
                        Message.body == safety_reply(),
                        Message.created_at >= since,
                    )
                ),
            )

            outbox = dict(
                session.execute(
                    select(Outbox.status, func.count(Outbox.id))
                    .where(Outbox.status.in_((Outbox.QUEUED, Outbox.SENDING)))
                    .group_by(Outbox.status)
                ).all()
            )
            yield _gauge(
                "helpline_outbox_backlog",
                "Texts waiting for the worker to send them (queued or being sent).",
                sum(outbox.values()),
            )
            yield _gauge(
                "helpline_outbox_failed_last_hour",
                "Texts the provider or the retries gave up on, in the last hour.",
                session.scalar(
                    select(func.count(Outbox.id)).where(
                        Outbox.status.in_((Outbox.FAILED, Outbox.UNKNOWN)),
                        Outbox.updated_at >= since,
                    )
                ),
            )

            queue = session.execute(
                select(func.count(Handoff.id), func.min(Handoff.requested_at)).where(
                    Handoff.status == Handoff.WAITING
                )
            ).one()
            yield _gauge(
                "helpline_navigator_queue",
                "Requests for a navigator nobody has claimed yet.",
                queue[0],
            )
            yield _gauge(
                "helpline_navigator_oldest_wait_seconds",
                "How long the oldest unclaimed request has waited (0 when none).",
                (now - as_utc(queue[1])).total_seconds() if queue[1] else 0.0,
            )

            yield _gauge(
                "helpline_checkins_overdue",
                "Check-ins due more than 15 minutes ago and still not sent or skipped.",
                session.scalar(
                    select(func.count(CheckIn.id)).where(
                        CheckIn.status == CheckIn.SCHEDULED,
                        CheckIn.due_at <= now - timedelta(minutes=15),
                    )
                ),
            )
            yield _gauge(
                "helpline_checkins_sent_last_hour",
                "Check-ins sent in the last hour.",
                session.scalar(
                    select(func.count(CheckIn.id)).where(
                        CheckIn.status == CheckIn.SENT, CheckIn.sent_at >= since
                    )
                ),
            )
        yield from self._replicas()

    def _replicas(self) -> Iterable[Metric]:
        replicas: Sequence = getattr(self.assistant, "replicas", None) or ()
        if not replicas:
            return
        yield _gauge(
            "helpline_rasa_replicas_ready",
            "Rasa replicas answering with a model loaded.",
            self.assistant.replicas_ready(),
        )
        yield _gauge(
            "helpline_rasa_replicas_configured", "Rasa replicas configured.", len(replicas)
        )


def _gauge(name: str, documentation: str, value) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value or 0))


def _histogram(name: str, documentation: str, values: Sequence[float]) -> HistogramMetricFamily:
    buckets = []
    for bound in LATENCY_BUCKETS:
        buckets.append((str(bound), sum(1 for value in values if value <= bound)))
    buckets.append(("+Inf", len(values)))
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=sum(values))
