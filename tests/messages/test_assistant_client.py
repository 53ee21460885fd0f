"""The Rasa client: readiness gate, REST payload, and failures turned into AssistantUnavailable."""

from __future__ import annotations

import json
import threading
import time

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.assistant import AssistantClient, AssistantUnavailable


class FakeRasa:
    """A loopback HTTP server speaking the two Rasa endpoints the gateway uses."""

    def __init__(self) -> None:
        self.model_loaded = True
        self.delay = 0.0
        self.fail_status = None
        self.silent = False
        self.actions_up = True
        self.posts = []
        self.status_calls = 0
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def app(self, request: Request) -> Response:
        if request.path == "/status":
            self.status_calls += 1
            if request.args.get("token") != "tok":
                return Response("{}", status=401)
            body = (
                {"model_id": "m1", "model_file": "helpline.tar.gz"}
                if self.model_loaded
                else {"model_id": None, "model_file": None}
            )
            return Response(json.dumps(body), mimetype="application/json")
        if request.path == "/health":
            return Response("{}", status=200 if self.actions_up else 503)
        if request.path in ("/webhooks/sms/webhook", "/webhooks/webchat/webhook"):
            time.sleep(self.delay)
            if self.silent:
                return Response("[]", mimetype="application/json")
            if self.fail_status:
                return Response("boom", status=self.fail_status)
            payload = request.get_json()
            self.posts.append((request.path.split("/")[2], payload))
            replies = [
                {"recipient_id": payload["sender"], "text": "hello"},
                {"recipient_id": payload["sender"], "image": "x.png"},
                {
                    "recipient_id": payload["sender"],
                    "text": "pick one",
                    "buttons": [{"title": "Yes", "payload": "/affirm"}],
                },
            ]
            return Response(json.dumps(replies), mimetype="application/json")
        return Response(status=404)


@pytest.fixture
def rasa():
    fake = FakeRasa()
    yield fake
    fake.server.shutdown()


def test_send_posts_opaque_sender_and_channel_and_returns_text_replies(rasa):
    client = AssistantClient(rasa.url, "tok")
    replies = client.send("abc123", "hi there", input_channel="webchat")
    assert rasa.posts == [("webchat", {"sender": "abc123", "message": "hi there"})]
    assert [r.text for r in replies] == ["hello", "pick one"]
    assert replies[1].buttons == [{"title": "Yes", "payload": "/affirm"}]


def test_no_traffic_until_a_model_is_loaded(rasa):
    rasa.model_loaded = False
    client = AssistantClient(rasa.url, "tok")
    with pytest.raises(AssistantUnavailable):
        client.send("abc", "hi")
    assert rasa.posts == []
    rasa.model_loaded = True
    assert client.send("abc", "hi")


def test_readiness_is_cached_between_messages(rasa):
    client = AssistantClient(rasa.url, "tok")
    for _ in range(5):
        client.send("abc", "hi")
    assert rasa.status_calls == 1


def test_wrong_token_means_not_ready(rasa):
    assert not AssistantClient(rasa.url, "wrong").is_ready()


def test_unreachable_rasa_is_unavailable():
    client = AssistantClient("http://127.0.0.1:9", "tok")
    assert client.status() is None
    with pytest.raises(AssistantUnavailable):
        client.send("abc", "hi")


def test_slow_rasa_times_out_as_unavailable(rasa):
    rasa.delay = 1.0
    client = AssistantClient(rasa.url, "tok", timeout=0.2)
    with pytest.raises(AssistantUnavailable):
        client.send("abc", "hi")


def test_server_error_is_unavailable_and_forgets_readiness(rasa):
    client = AssistantClient(rasa.url, "tok")
    assert client.is_ready()
    rasa.fail_status = 500
    with pytest.raises(AssistantUnavailable):
        client.send("abc", "hi")
    assert rasa.status_calls == 1
    rasa.fail_status = None
    client.send("abc", "hi")
    assert rasa.status_calls == 2


def test_silence_with_the_action_server_down_is_unavailable(rasa):
    client = AssistantClient(rasa.url, "tok", action_server_health_url=f"{rasa.url}/health")
    rasa.silent = True
    assert client.send("abc", "hi") == []  # silence alone can be right
    rasa.actions_up = False
    with pytest.raises(AssistantUnavailable):
        client.send("abc", "hi")


# -- replicas -------------------------------------------------------------------------------


@pytest.fixture
def two():
    fakes = [FakeRasa(), FakeRasa()]
    yield fakes
    for fake in fakes:
        fake.server.shutdown()


def test_each_conversation_sticks_to_one_replica_and_they_share_the_load(two):
    client = AssistantClient([fake.url for fake in two], "tok")
    senders = [f"{n:032x}" for n in range(40)]
    for _ in range(3):
        for sender in senders:
            client.send(sender, "hi")
    for fake in two:
        by_sender = {}
        for _, payload in fake.posts:
            by_sender[payload["sender"]] = by_sender.get(payload["sender"], 0) + 1
        assert set(by_sender.values()) == {3}  # every message of a conversation, one replica
        assert 10 <= len(by_sender) <= 30  # and both replicas get a fair share
    assert client.replicas_ready() == 2


def test_a_replica_that_is_down_hands_its_conversations_to_another(two):
    client = AssistantClient([fake.url for fake in two], "tok")
    sender = next(
        s for s in (f"{n:032x}" for n in range(50)) if client.replicas_for(s)[0].url == two[0].url
    )
    two[0].server.shutdown()
    two[0].server.server_close()
    assert [r.text for r in client.send(sender, "hi")][0] == "hello"
    assert [p["sender"] for _, p in two[1].posts] == [sender]
    assert client.replicas_ready() == 1 and client.is_ready()


def test_a_replica_that_took_the_message_but_is_slow_is_not_retried_elsewhere(two):
    client = AssistantClient([fake.url for fake in two], "tok", timeout=0.3)
    sender = next(
        s for s in (f"{n:032x}" for n in range(50)) if client.replicas_for(s)[0].url == two[0].url
    )
    two[0].delay = 1.0
    with pytest.raises(AssistantUnavailable):
        client.send(sender, "hi")
    assert two[1].posts == []  # never handled twice


def test_no_replica_ready_is_unavailable(two):
    for fake in two:
        fake.model_loaded = False
    client = AssistantClient([fake.url for fake in two], "tok")
    with pytest.raises(AssistantUnavailable):
        client.send("abc", "hi")
    assert not client.is_ready() and client.replicas_ready() == 0
