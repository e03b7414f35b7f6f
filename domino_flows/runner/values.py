"""Literals <-> Python values for the runner, and the content digests its cache keys use.

Conversions run in the engine's thread inside a flytekit context whose raw output prefix is
``.domino-flows/data/<run>/``, so files a task returns are kept with the run (cached results and
resumed runs still find them).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from domino_flows.core.errors import RunStoreError
from domino_flows.core.paths import folder_problem
from domino_flows.records.lineage import sha256_file, sha256_tree


@contextlib.contextmanager
def run_context(data_dir: Path) -> Iterator[Any]:
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.data_persistence import FileAccessProvider

    sandbox = data_dir / ".sandbox"
    try:
        sandbox.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        # A read-only project (or .domino-flows folder, or a file by that name): say so before
        # any job starts. domino-flows run keeps each run's records and results there.
        raise RunStoreError(folder_problem(sandbox, error)) from None
    access = FileAccessProvider(local_sandbox_dir=str(sandbox), raw_output_prefix=str(data_dir))
    ctx = FlyteContextManager.current_context()
    with FlyteContextManager.with_context(ctx.with_file_access(access)) as new_ctx:
        yield new_ctx


def to_python(ctx: Any, literals: dict[str, Any], types: dict[str, Any]) -> dict[str, Any]:
    from flytekit.core.type_engine import TypeEngine

    return {
        name: _folder_for_a_file(lit, types[name])
        or TypeEngine.to_python_value(ctx, lit, types[name])
        for name, lit in literals.items()
    }


def _folder_for_a_file(literal: Any, python_type: Any) -> Any:
    """A file value that is a folder (a job wrote a folder where a file was declared, which
    Domino's uploader takes as it is): flytekit's reader insists on a file, so it is made here."""
    from flytekit.types.file import FlyteFile

    from domino_flows.contract.values import strip_annotated

    blob = literal.scalar.blob if literal.scalar is not None else None
    base = strip_annotated(python_type)
    if blob is None or not (isinstance(base, type) and issubclass(base, FlyteFile)):
        return None
    local = blob.uri.removeprefix("file://")
    return base(local) if "://" not in local and Path(local).is_dir() else None


def to_literals(ctx: Any, values: dict[str, Any], types: dict[str, Any]) -> dict[str, Any]:
    from flytekit.core.type_engine import TypeEngine

    out = {}
    for name, value in values.items():
        python_type = types[name]
        out[name] = TypeEngine.to_literal(ctx, value, python_type, _literal_type(python_type))
    return out


_literal_types: dict[Any, Any] = {}


def _literal_type(python_type: Any) -> Any:
    """The Flyte type of a Python type, worked out once per type (a third of converting a
    job's outputs; the nodes of one task share their types)."""
    from flytekit.core.type_engine import TypeEngine

    try:
        known = _literal_types.get(python_type)
    except TypeError:  # an unhashable annotation: worked out each time
        return TypeEngine.to_literal_type(python_type)
    if known is None:
        known = _literal_types[python_type] = TypeEngine.to_literal_type(python_type)
    return known


def encode(literals: dict[str, Any]) -> bytes:
    from flytekit.models.literals import LiteralMap

    return LiteralMap(literals=literals).to_flyte_idl().SerializeToString(deterministic=True)


def decode(data: bytes) -> dict[str, Any]:
    from flyteidl.core import literals_pb2
    from flytekit.models.literals import LiteralMap

    proto = literals_pb2.LiteralMap()
    proto.ParseFromString(data)
    return dict(LiteralMap.from_flyte_idl(proto).literals)


def digest(literal: Any) -> str:
    """A digest of a literal's value: file and directory contents, not their paths, so the same
    data staged twice hits the cache and changed data misses it."""
    hasher = hashlib.sha256()
    _feed(hasher, literal)
    return hasher.hexdigest()


def _feed(hasher: Any, literal: Any) -> None:
    if literal.collection is not None:
        hasher.update(b"[")
        for item in literal.collection.literals:
            _feed(hasher, item)
            hasher.update(b",")
        hasher.update(b"]")
        return
    if literal.map is not None:
        hasher.update(b"{")
        for key in sorted(literal.map.literals):
            hasher.update(key.encode() + b":")
            _feed(hasher, literal.map.literals[key])
        hasher.update(b"}")
        return
    scalar = literal.scalar
    if scalar is not None and scalar.blob is not None:
        path = Path(scalar.blob.uri.removeprefix("file://"))
        if path.is_dir():
            hasher.update(b"dir:" + sha256_tree(path).encode())
        elif path.is_file():
            hasher.update(b"file:" + sha256_file(path).encode())
        else:
            hasher.update(b"uri:" + scalar.blob.uri.encode())
        return
    if scalar is not None and scalar.structured_dataset is not None:
        uri = scalar.structured_dataset.uri
        path = Path(uri.removeprefix("file://"))
        hasher.update(b"sd:" + (sha256_tree(path) if path.is_dir() else uri).encode())
        return
    hasher.update(literal.to_flyte_idl().SerializeToString(deterministic=True))
