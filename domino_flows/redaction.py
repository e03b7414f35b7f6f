"""Credentials: which variables hold them, and masking their values in anything we write.

Job output is the user's, and a script may print its environment; every message, record, lineage
event and plan the kit writes passes through :func:`redact`, so a key never lands there.
"""

from __future__ import annotations

import os

# Environment variables whose values must never reach a record, a message or a log we write.
CREDENTIAL_VARIABLES = (
    "DOMINO_USER_API_KEY",
    "DOMINO_API_PROXY",
    "DOMINO_TOKEN_FILE",
    "DOMINO_API_KEY",
)


def redact(text: str | None) -> str | None:
    """``text`` with the values of credential variables in this process's environment masked."""
    if not text:
        return text
    for variable in CREDENTIAL_VARIABLES:
        value = os.environ.get(variable)
        if value and len(value) >= 4:
            text = text.replace(value, f"<{variable} redacted>")
    token = _token_file_content()
    if token:
        text = text.replace(token, "<DOMINO_TOKEN_FILE content redacted>")
    return text


def _token_file_content() -> str | None:
    """The token the file in ``DOMINO_TOKEN_FILE`` holds: a secret too, not only its path."""
    path = os.environ.get("DOMINO_TOKEN_FILE")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            token = handle.read(64 * 1024).strip()
    except OSError:
        return None
    return token if len(token) >= 8 else None
