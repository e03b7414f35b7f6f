"""Attribute and index paths on promises (``xs[0]``, ``d["k"]``, ``p.x``), resolved as Flyte does.

flytekit records ``xs[0]`` as a promise with an attribute path (flyteorg/flytekit#1825). flytekit
1.16 keeps the path's steps as plain ``str``/``int`` in its Python models (``PromiseAttribute`` with
``string_value``/``int_value`` only once serialized), so both spellings are read here. The rules
are Flyte's: an index selects from a list, a key from a typed dict, a field from a dataclass or an
untyped dict (a struct, or msgpack bytes in newer flytekit); a primitive, file or folder has
nothing to select from.
"""

from __future__ import annotations

from typing import Any

from domino_flows.core.errors import DominoFlowsError


class AttrPathError(DominoFlowsError):
    """An attribute or index path does not resolve on the value it reads."""


def attr_path(reference: Any) -> list[str | int]:
    """The steps of a promise's attribute path, as plain str/int."""
    steps: list[str | int] = []
    for step in getattr(reference, "attr_path", None) or []:
        if isinstance(step, str | int):
            steps.append(step)
        elif getattr(step, "string_value", None) is not None:
            steps.append(step.string_value)
        else:
            steps.append(int(step.int_value))
    return steps


def spelled(path: list[str | int]) -> str:
    """``[0]["k"]``: how the path reads in the flow."""
    return "".join(f"[{step!r}]" for step in path)


def select(literal: Any, path: list[str | int], what: str) -> Any:
    """The literal at ``path`` inside ``literal``; ``what`` names the value for errors."""
    from flytekit.models.literals import Binary, Literal, Scalar

    value = literal
    for used, step in enumerate(path):
        where = f"{what}{spelled(path[:used])}"
        if value.scalar is not None and value.scalar.union is not None:
            value = value.scalar.union.value
        if value.collection is not None:
            items = value.collection.literals
            if not isinstance(step, int):
                raise AttrPathError(f"{where} is a list; select an item by index, not {step!r}.")
            if not -len(items) <= step < len(items):
                raise AttrPathError(
                    f"{where}[{step}] is out of range: the list has {len(items)} items."
                )
            value = items[step]
            continue
        if value.map is not None:
            entries = value.map.literals
            if step not in entries:
                known = ", ".join(repr(k) for k in entries) or "none"
                raise AttrPathError(f"{where} has no key {step!r}; its keys are {known}.")
            value = entries[step]
            continue
        scalar = value.scalar
        rest = path[used:]
        if scalar is not None and scalar.generic is not None:
            return _from_struct(scalar.generic, rest, where)
        if scalar is not None and scalar.binary is not None and scalar.binary.tag == "msgpack":
            import msgpack

            loaded = msgpack.loads(scalar.binary.value, strict_map_key=False)
            found = _from_python(loaded, rest, where)
            return Literal(scalar=Scalar(binary=Binary(value=msgpack.dumps(found), tag="msgpack")))
        raise AttrPathError(
            f"{where} is {_kind(value)}, which has nothing to select {spelled(rest)} from; "
            "attribute and index paths work on lists, dicts and dataclasses."
        )
    return value


def _from_struct(struct: Any, path: list[str | int], where: str) -> Any:
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine
    from google.protobuf.json_format import MessageToDict

    found = _from_python(MessageToDict(struct), path, where)
    python_type = type(found)
    return TypeEngine.to_literal(
        FlyteContextManager.current_context(),
        found,
        python_type,
        TypeEngine.to_literal_type(python_type),
    )


def _from_python(value: Any, path: list[str | int], where: str) -> Any:
    for used, step in enumerate(path):
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            at = f"{where}{spelled(path[:used])}"
            raise AttrPathError(f"{at} has no attribute or item {step!r}.") from None
    return value


def _kind(literal: Any) -> str:
    scalar = literal.scalar
    if scalar is None:
        return "a value"
    if scalar.blob is not None:
        return "a folder" if scalar.blob.metadata.type.dimensionality == 1 else "a file"
    if scalar.none_type is not None:
        return "None"
    if scalar.primitive is not None:
        return f"a single value ({type(scalar.primitive.value).__name__})"
    if scalar.structured_dataset is not None:
        return "a dataframe"
    return "a single value"
