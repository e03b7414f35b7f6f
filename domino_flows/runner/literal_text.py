"""Stored Flyte literals as short text for ``domino-flows show``, without importing flytekit.

Run inputs and outputs are kept as serialized flyteidl ``LiteralMap`` bytes; reading them with
flytekit would add a second to a command that only prints. The protobuf classes are enough:
primitives print as Python would, files and directories as their path, collections and maps
element by element, structs and MessagePack values (flytekit's dicts and dataclasses) as JSON.
"""

from __future__ import annotations

import json
from typing import Any

_LIMIT = 200


def literal_map_text(data: bytes | None) -> dict[str, str]:
    """Name -> printable value of a serialized ``LiteralMap`` (empty for None)."""
    if not data:
        return {}
    from flyteidl.core import literals_pb2

    literal_map = literals_pb2.LiteralMap()
    literal_map.ParseFromString(data)
    return {name: _short(_text(lit)) for name, lit in sorted(literal_map.literals.items())}


def _short(text: str) -> str:
    return text if len(text) <= _LIMIT else text[: _LIMIT - 3] + "..."


def _text(literal: Any) -> str:
    kind = literal.WhichOneof("value")
    if kind == "collection":
        return "[" + ", ".join(_text(item) for item in literal.collection.literals) + "]"
    if kind == "map":
        items = sorted(literal.map.literals.items())
        return "{" + ", ".join(f"{k!r}: {_text(v)}" for k, v in items) + "}"
    if kind != "scalar":
        return f"<{kind or 'empty'} literal>"
    return _scalar(literal.scalar)


def _scalar(scalar: Any) -> str:
    kind = scalar.WhichOneof("value")
    if kind == "primitive":
        return _primitive(scalar.primitive)
    if kind == "blob":
        return scalar.blob.uri
    if kind == "structured_dataset":
        return scalar.structured_dataset.uri
    if kind == "none_type":
        return "None"
    if kind == "generic":
        from google.protobuf.json_format import MessageToDict

        return json.dumps(MessageToDict(scalar.generic), sort_keys=True)
    if kind == "binary":
        return _binary(scalar.binary)
    if kind == "union":
        return _text(scalar.union.value)
    if kind == "error":
        return f"<error: {scalar.error.message}>"
    return f"<{kind or 'empty'} value>"


def _primitive(primitive: Any) -> str:
    kind = primitive.WhichOneof("value")
    if kind == "string_value":
        return repr(primitive.string_value)
    if kind == "integer":
        return str(primitive.integer)
    if kind == "float_value":
        return repr(primitive.float_value)
    if kind == "boolean":
        return str(primitive.boolean)
    if kind == "datetime":
        return primitive.datetime.ToJsonString()
    if kind == "duration":
        return primitive.duration.ToJsonString()
    return "<empty>"


def _binary(binary: Any) -> str:
    # flytekit writes dicts and dataclasses as MessagePack (tag "msgpack")
    if binary.tag == "msgpack":
        try:
            import msgpack

            return json.dumps(msgpack.unpackb(binary.value), sort_keys=True, default=str)
        except (ImportError, ValueError) as error:
            return f"<{len(binary.value)} bytes of MessagePack: {error}>"
    return f"<{len(binary.value)} bytes ({binary.tag or 'binary'})>"
