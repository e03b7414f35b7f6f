"""DF006: credentials written into flow code.

Flow files are committed, synced into every Domino Job's ``/mnt/code`` and shown in job snapshots,
so a key in the source is readable by anyone with access to the project. Messages never repeat
the value: only its first four characters, so that the owner can recognise which key leaked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache

from domino_flows.lint.context import Issue, ModuleContext, issue
from domino_flows.lint.syntax import const_str, name_tokens

# Token sequences that name a credential, after splitting the name into lower-case words.
_SECRET_WORDS: tuple[tuple[str, ...], ...] = (
    ("api", "key"),
    ("apikey",),
    ("token",),
    ("password",),
    ("passwd",),
    ("pwd",),
    ("secret",),
    ("private", "key"),
    ("access", "key"),
    ("credential",),
    ("credentials",),
    ("authorization",),
)
# A last word that makes the name a *reference to* a secret rather than the secret itself.
_REFERENCE_WORDS = frozenset(
    [
        "env",
        "var",
        "variable",
        "name",
        "path",
        "file",
        "url",
        "uri",
        "endpoint",
        "id",
        "header",
        "field",
        "type",
        "prefix",
        "length",
        "len",
        "count",
        "dir",
        "ttl",
        "expiry",
        "timeout",
        "source",
        "scope",
        "kind",
        "mode",
    ]
)
_PLACEHOLDER = re.compile(
    r"[<>{}$]|\*\*\*|xxxx|changeme|change_me|your[-_ ]|example|placeholder|redacted"
    r"|(?:^|[^a-z])(?:fake|dummy|test|mock|sample)(?:[^a-z]|$)",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_AUTH_SCHEME = re.compile(r"^(?:bearer|basic|token)\s+", re.IGNORECASE)
# Formats of well-known tokens, flagged wherever they appear.
_KNOWN_TOKEN = re.compile(
    r"^(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|AKIA[0-9A-Z]{16}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,})$"
)
_ENV_WRITERS = frozenset({"setdefault", "putenv"})


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """``api_key``, ``ApiKey``, ``X-Domino-Api-Key``, ``DOMINO_USER_API_KEY``: yes;
    ``token_url``, ``secret_name``, ``API_KEY_ENV``, ``tokenizer``: no."""
    tokens = name_tokens(name)
    if not tokens or tokens[-1] in _REFERENCE_WORDS:
        return False
    for words in _SECRET_WORDS:
        width = len(words)
        if any(tuple(tokens[i : i + width]) == words for i in range(len(tokens) - width + 1)):
            return True
    return False


def secret_value(node: ast.AST | None) -> str | None:
    """The literal if it looks like a real credential (not empty, a placeholder or an env name)."""
    value = const_str(node)
    if value is None:
        return None
    value = _AUTH_SCHEME.sub("", value.strip())
    if len(value) < 6 or any(c.isspace() for c in value) or _ENV_NAME.match(value):
        return None
    if _PLACEHOLDER.search(value) or "://" in value or value.startswith(("/", "./", "~")):
        return None
    return value


def redact(value: str) -> str:
    return value[:4] + "…"


def _message(where: str, value: str) -> str:
    return (
        f"hard-coded credential in {where} (`{redact(value)}`): anyone who can read the project "
        "or its job snapshots can use it. Read it at run time instead, e.g. "
        '`os.environ["DOMINO_USER_API_KEY"]` or a Domino user environment variable, remove it '
        "from the code and revoke it."
    )


def check_credentials(ctx: ModuleContext) -> Iterator[Issue]:
    reported: set[int] = set()
    for node in ctx.of_type(ast.Assign, ast.AnnAssign, ast.Call, ast.Dict):
        for where, value_node in _candidates(node):
            value = secret_value(value_node)
            if value is not None and id(value_node) not in reported:
                reported.add(id(value_node))
                yield issue("DF006", value_node, _message(where, value))
    for node in ctx.of_type(ast.Constant):
        token = const_str(node)
        if (
            token is not None
            and id(node) not in reported
            and _KNOWN_TOKEN.match(token)
            and not _PLACEHOLDER.search(token)
        ):
            yield issue("DF006", node, _message("a string literal", token))


def _candidates(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(description, literal node) pairs where a literal is given to a credential-like name."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            name = _target_name(target)
            if name and is_secret_name(name) and node.value is not None:
                yield f"`{name}`", node.value
    elif isinstance(node, ast.Call):
        for kw in node.keywords:
            if kw.arg and is_secret_name(kw.arg):
                yield f"`{kw.arg}=`", kw.value
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _ENV_WRITERS and len(node.args) >= 2:
            key = const_str(node.args[0])
            if key and is_secret_name(key):
                yield f"`{key}`", node.args[1]
    elif isinstance(node, ast.Dict):
        for dict_key, value in zip(node.keys, node.values, strict=True):
            text = const_str(dict_key)
            if text and is_secret_name(text):
                yield f'`"{text}"`', value


def _target_name(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):  # os.environ["DOMINO_USER_API_KEY"] = "..."
        return const_str(target.slice)
    return None
