"""Credentials: which variables hold them, and masking their values in anything we write.

Job output is the user's, and a script may print its environment; every message, record, lineage
event and plan the kit writes passes through :func:`redact`, so a key never lands there.
"""

from __future__ import annotations

import os

# Domino's credential variables, named here only: in Domino's order of precedence, the proxy of a
# Domino run, a token file, a user API key; DOMINO_API_KEY is python-domino's older name for it.
API_PROXY_VARIABLE = "DOMINO_API_PROXY"
TOKEN_FILE_VARIABLE = "DOMINO_TOKEN_FILE"
API_KEY_VARIABLE = "DOMINO_USER_API_KEY"
LEGACY_API_KEY_VARIABLE = "DOMINO_API_KEY"
CREDENTIAL_CHOICES = (API_PROXY_VARIABLE, TOKEN_FILE_VARIABLE, API_KEY_VARIABLE)
# Environment variables whose values must never reach a record, a message or a log we write.
CREDENTIAL_VARIABLES = (*CREDENTIAL_CHOICES, LEGACY_API_KEY_VARIABLE)


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
        text = text.replace(token, f"<{TOKEN_FILE_VARIABLE} content redacted>")
    return text


def _token_file_content() -> str | None:
    """The token the file in ``DOMINO_TOKEN_FILE`` holds: a secret too, not only its path."""
    path = os.environ.get(TOKEN_FILE_VARIABLE)
    if not path:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            token = handle.read(64 * 1024).strip()
    except OSError:
        return None
    return token if len(token) >= 8 else None
