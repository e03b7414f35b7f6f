"""Credentials: which variables hold them, and masking their values in anything we write.

Job output is the user's, and a script may print its environment; every message, record, lineage
event, plan and console line the kit writes passes through :func:`redact`, the one masking there
is, so a key never lands there. It knows every credential in use: the credential variables'
values, the content of the file ``DOMINO_TOKEN_FILE`` names, the values a backend was given
explicitly (:func:`remember`), and API key headers or bearer tokens quoted in a text (a server
that echoes the request's headers in its error message).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading

# Domino's credential variables, named here only: in Domino's order of precedence, the proxy of a
# Domino run, a token file, a user API key; DOMINO_API_KEY is python-domino's older name for it.
API_PROXY_VARIABLE = "DOMINO_API_PROXY"
TOKEN_FILE_VARIABLE = "DOMINO_TOKEN_FILE"
API_KEY_VARIABLE = "DOMINO_USER_API_KEY"
LEGACY_API_KEY_VARIABLE = "DOMINO_API_KEY"
CREDENTIAL_CHOICES = (API_PROXY_VARIABLE, TOKEN_FILE_VARIABLE, API_KEY_VARIABLE)
# Environment variables whose values must never reach a record, a message or a log we write.
CREDENTIAL_VARIABLES = (*CREDENTIAL_CHOICES, LEGACY_API_KEY_VARIABLE)

# A credential quoted after its header or keyword: the part to keep, then the value to mask.
HEADER_PATTERNS = (
    re.compile(r"(x-domino-api-key[\"']?\s*[:=]?\s*[\"']?)[^\s\"',;}]+", re.IGNORECASE),
    re.compile(r"(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"(\bauthorization[\"']?\s*[:=]\s*[\"']?)(?!bearer\s)[^\s\"',;}]+", re.IGNORECASE),
)
# The word each pattern starts from: an ASCII text without it cannot match (see _headers).
HEADER_WORDS = ("x-domino-api-key", "bearer", "authorization")

_remembered: dict[str, str] = {}  # value -> what it is
_lock = threading.Lock()


def remember(value: str | None, what: str) -> None:
    """Mask ``value`` from now on (a credential given to a backend explicitly, not through the
    environment). Values shorter than 4 characters are not credentials worth masking."""
    if value and len(value) >= 4:
        with _lock:
            _remembered[value] = what


def remember_token_file(path: str | None) -> None:
    """Mask the token the file at ``path`` holds (a token file given explicitly)."""
    token = _read_token(path)
    if token:
        remember(token, f"{TOKEN_FILE_VARIABLE} content")


def redact(text: str | None) -> str | None:
    """``text`` with every credential in use masked."""
    if not text:
        return text
    for variable in CREDENTIAL_VARIABLES:
        value = os.environ.get(variable)
        if value and len(value) >= 4:
            text = text.replace(value, f"<{variable} redacted>")
    token = _token_file_content()
    if token:
        text = text.replace(token, f"<{TOKEN_FILE_VARIABLE} content redacted>")
    with _lock:
        remembered = sorted(_remembered.items(), key=lambda item: -len(item[0]))
    for value, what in remembered:
        text = text.replace(value, f"<{what} redacted>")
    return _headers(text)


def _headers(text: str) -> str:
    """Credentials quoted after their header or keyword, masked. Each pattern scans the whole
    text (a lineage event is 3 KB, written twice per task), so an ASCII text (every JSON text
    the kit writes) is first searched for the pattern's word, lowercased: for ASCII, that is
    exactly what the pattern's case-insensitive match needs (only a non-ASCII character, such as
    the Kelvin sign for "k", can match an ASCII letter otherwise)."""
    lowered = text.lower() if text.isascii() else None
    for pattern, word in zip(HEADER_PATTERNS, HEADER_WORDS, strict=True):
        if lowered is None or word in lowered:
            text = pattern.sub(_keep_masked, text)
    return text


def _keep_masked(match: re.Match[str]) -> str:
    value = match.group(0)[len(match.group(1)) :]
    if value.startswith("<") or value.lower() == "bearer":  # already masked above
        return match.group(0)
    return f"{match.group(1)}<redacted>"


def _token_file_content() -> str | None:
    """The token the file in ``DOMINO_TOKEN_FILE`` holds: a secret too, not only its path."""
    return _read_token(os.environ.get(TOKEN_FILE_VARIABLE))


def _read_token(path: str | None) -> str | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            token = handle.read(64 * 1024).strip()
    except OSError:
        return None
    return token if len(token) >= 8 else None


class _ConsoleHandler(logging.Handler):
    """Python's last-resort handler as the command line uses it: the kit's own warnings, masked,
    one line each; other libraries' records (python-domino logs every refused answer's body at
    ERROR, which may quote a credential) are not the console's business."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("domino_flows"):
            return
        with contextlib.suppress(OSError, ValueError):  # a closed terminal must not break a run
            sys.stderr.write((redact(self.format(record)) or "") + "\n")


def console_logging() -> None:
    """Route log records that reach no handler through :class:`_ConsoleHandler`."""
    logging.lastResort = _ConsoleHandler()
