"""Masking credentials quoted after a header: an ASCII text is searched for each pattern's word
first, and must come out exactly as the patterns alone would make it, whatever the case."""

from __future__ import annotations

import json

import pytest

from domino_flows.core import redaction


def patterns_only(text: str) -> str:
    for pattern in redaction.HEADER_PATTERNS:
        text = pattern.sub(redaction._keep_masked, text)
    return text


TEXTS = [
    "plain text, nothing to mask",
    'request refused: {"X-Domino-Api-Key": "k3y-0123456789"}',
    "headers: x-domino-api-key=abc123def; next",
    "Authorization: Bearer eyJhbGciOi.payload.sig",
    'AUTHORIZATION="token-abcdef0123"',
    "bEaReR abcdefgh12345678 and authorization: secret-value",
    "bearer short",  # under 8 characters: not a token
    json.dumps({"error": "Bearer abcdefgh12345678", "n": 1}),
    # non-ASCII: the Kelvin sign matches "k" case-insensitively, a dotless i matches "i"
    "x-domino-api-\u212aey: abc123def456",
    "Author\u0131zation: secret-value-9",
    "café bearer abcdefgh12345678",
]


@pytest.mark.parametrize("text", TEXTS)
def test_headers_are_masked_as_the_patterns_mask_them(text: str) -> None:
    assert redaction._headers(text) == patterns_only(text)


def test_a_bearer_token_in_a_json_text_is_masked() -> None:
    text = json.dumps({"message": "401 for Authorization: Bearer abcdefgh12345678"})
    assert "abcdefgh12345678" not in (redaction.redact(text) or "")
    assert redaction.redact(text) == patterns_only(text)


def test_the_kelvin_sign_spelling_is_still_masked() -> None:
    masked = redaction.redact("x-domino-api-\u212aey: abc123def456") or ""
    assert "abc123def456" not in masked
