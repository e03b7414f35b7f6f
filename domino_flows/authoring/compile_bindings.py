"""Wiring a node's inputs to other nodes' outputs without a thread round trip per input.

While flytekit compiles a workflow it binds every node input through ``run_sync``: the binding
coroutine runs on an event loop in another thread while the caller waits. For an input that is
another node's output (a promise not yet ready), that coroutine returns at once without awaiting
anything, yet the round trip costs about 80 us: most of the time flytekit takes to compile a
5,000-node graph. While the kit compiles a workflow (``inline_promise_bindings``), such a
binding runs in the calling thread. Every other value (a constant, a default, a ready value) goes
through flytekit's loop exactly as before, and the binding made either way is the same object.

flytekit also works out each node's typed interface (every input and output type as a Flyte type)
again for every call of a task; within the block it is worked out once per interface: 5,000 calls
of two tasks are two conversions. The typed interface is only read while nodes are made.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from flytekit.core import interface, promise

_flytekit_run_sync = promise.run_sync
_flytekit_typed_interface = interface.transform_interface_to_typed_interface
_depth = 0
_depth_lock = threading.Lock()
# id(interface) and the flag -> (the interface, kept alive so its id is not reused; its typing)
_typed: dict[tuple[int, bool], tuple[Any, Any]] = {}


def _run_sync(coroutine_function: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
    if coroutine_function is promise.binding_data_from_python_std and _wires_a_promise(args):
        upstream: list[Any] = args[4]
        listed = len(upstream)
        coroutine = coroutine_function(*args, **kwargs)
        try:
            coroutine.send(None)
        except StopIteration as finished:
            return finished.value
        # It awaited after all (a flytekit this module does not know): drop what it did so far
        # and let flytekit's loop do all of it.
        coroutine.close()
        del upstream[listed:]
    return _flytekit_run_sync(coroutine_function, *args, **kwargs)


def _wires_a_promise(args: tuple[Any, ...]) -> bool:
    """(ctx, expected type, value, python type, upstream nodes): the value another node's output
    not yet computed, the one case flytekit's coroutine returns without awaiting."""
    return (
        _KNOWN_SIGNATURE
        and len(args) == 5
        and isinstance(args[4], list)
        and isinstance(args[2], promise.Promise)
        and not args[2].is_ready
    )


_KNOWN_SIGNATURE = list(inspect.signature(promise.binding_data_from_python_std).parameters) == [
    "ctx",
    "expected_literal_type",
    "t_value",
    "t_value_type",
    "nodes",
]


def _typed_interface(python_interface: Any, allow_partial_artifact_id_binding: bool = False) -> Any:
    key = (id(python_interface), allow_partial_artifact_id_binding)
    known = _typed.get(key)
    if known is None or known[0] is not python_interface:
        typed = _flytekit_typed_interface(python_interface, allow_partial_artifact_id_binding)
        known = _typed[key] = (python_interface, typed)
    return known[1]


@contextlib.contextmanager
def inline_promise_bindings() -> Iterator[None]:
    """Bind promises in the calling thread, and type each interface once, while the block runs
    (nested blocks are fine; what was typed is forgotten when the outermost one ends)."""
    global _depth
    with _depth_lock:
        _depth += 1
        promise.run_sync = _run_sync
        interface.transform_interface_to_typed_interface = _typed_interface
    try:
        yield
    finally:
        with _depth_lock:
            _depth -= 1
            if _depth == 0:
                promise.run_sync = _flytekit_run_sync
                interface.transform_interface_to_typed_interface = _flytekit_typed_interface
                _typed.clear()
