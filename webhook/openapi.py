"""GET /api/openapi.json: the web chat API, described for partners who build on it."""

from __future__ import annotations

from flask import Blueprint, jsonify

from webhook.chat import MAX_CHAT_TEXT

bp = Blueprint("openapi", __name__)

_ERROR = {"$ref": "#/components/schemas/Error"}
_SESSION = {"name": "X-Chat-Session", "in": "header", "required": True,
            "description": "The session id from POST /api/chat/sessions (never in a URL)",
            "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}  # fmt: skip


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def spec() -> dict:
    """The OpenAPI 3.0 document of the chat API."""
    errors = {
        "400": _json(_ERROR, "The message is empty or not text."),
        "404": _json(_ERROR, "No such chat (ended or erased)."),
        "429": _json(_ERROR, "Too many messages; wait a minute."),
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Overdose-response helpline web chat API",
            "version": "1",
            "description": (
                "Anonymous chat with the helpline assistant. The server makes the session "
                "id; keep it secret like a password. Send the single word DELETE to erase "
                "a chat. Every error body still names 911 and 988."
            ),
        },
        "paths": {
            "/api/chat/sessions": {
                "post": {
                    "summary": "Start a chat",
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "channel": {
                                            "type": "string",
                                            "enum": ["web", "terminal"],
                                            "default": "web",
                                        }
                                    },
                                }
                            }
                        },
                    },  # fmt: skip
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "required": ["session_id"],
                                "properties": {"session_id": {"type": "string"}},
                            },
                            "The new chat.",
                        ),  # fmt: skip
                        "400": errors["400"],
                        "429": errors["429"],
                    },
                }
            },
            "/api/chat/messages": {
                "parameters": [_SESSION],
                "post": {
                    "summary": "Send a message; get the replies available now",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {
                                        "text": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": MAX_CHAT_TEXT,
                                        }
                                    },
                                }
                            }
                        },
                    },  # fmt: skip
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/SendResult"}, "Kept."),
                        "413": _json(_ERROR, f"Longer than {MAX_CHAT_TEXT} characters."),
                        **errors,
                    },
                },
                "get": {
                    "summary": "Messages for the person after a message id (poll every few s)",
                    "parameters": [
                        {
                            "name": "after",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "default": 0},
                        },
                        {
                            "name": "history",
                            "in": "query",
                            "required": False,
                            "description": (
                                "1: the whole conversation, the person's own messages too "
                                "(author `person`), to show it again after a page reload; "
                                "then poll without it after the last id"
                            ),
                            "schema": {"type": "integer", "enum": [0, 1], "default": 0},
                        },
                    ],  # fmt: skip
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["messages"],
                                "properties": {
                                    "messages": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Message"},
                                    }
                                },
                            },
                            "Messages, oldest first.",
                        ),  # fmt: skip
                        "404": errors["404"],
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },  # fmt: skip
                "Button": {
                    "type": "object",
                    "description": (
                        "A reply (send `payload` as the text) or, with `url` instead, a link: "
                        "tel: (tap to call) or https: (directions) only"
                    ),
                    "required": ["title"],
                    "properties": {
                        "title": {"type": "string"},
                        "payload": {"type": "string"},
                        "url": {"type": "string", "pattern": "^(tel:|https://)"},
                    },
                },  # fmt: skip
                "Message": {
                    "type": "object",
                    "required": ["id", "author", "text", "buttons"],
                    "properties": {
                        "id": {"type": "integer", "nullable": True},
                        "author": {
                            "type": "string",
                            "enum": ["assistant", "system", "navigator", "person"],
                        },  # fmt: skip
                        "text": {"type": "string"},
                        "buttons": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Button"},
                        },  # fmt: skip
                    },
                },
                "SendResult": {
                    "type": "object",
                    "required": ["message_id", "pending", "replies"],
                    "properties": {
                        "message_id": {"type": "integer", "nullable": True},
                        "pending": {
                            "type": "boolean",
                            "description": (
                                "True when the assistant could not answer yet: the message is "
                                "kept and the answer arrives through GET .../messages."
                            ),
                        },  # fmt: skip
                        "erased": {"type": "boolean"},
                        "replies": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Message"},
                        },  # fmt: skip
                    },
                },
            }
        },
    }


@bp.get("/api/openapi.json")
def openapi():
    """The API description."""
    return jsonify(spec())
