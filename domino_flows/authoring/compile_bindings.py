"""Wiring a node's inputs to other nodes' outputs without a thread round trip per input.

While flytekit compiles a workflow it binds every node input through ``run_sync``: the binding
coroutine runs on an event loop in another thread while the caller waits. For an input that is
another node's output (a promise not yet ready), that coroutine returns at once without awaiting
anything, yet the round trip costs about 80 us: most of the time flytekit takes to compile a
5,000-node graph. While the kit compiles a workflow (``inline_promise_bindings``), such a
binding runs in the calling thread. Every other value (a constant, a default, a ready value) goes
through flytekit's loop exactly as before, and the binding made either way is the same object.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from flytekit.core import promise

_flytekit_run_sync = promise.run_sync
_depth = 0
_depth_lock = threading.Lock()


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


@contextlib.contextmanager
def inline_promise_bindings() -> Iterator[None]:
    """Bind promises in the calling thread while the block runs (nested blocks are fine)."""
    global _depth
    with _depth_lock:
        _depth += 1
        promise.run_sync = _run_sync
    try:
        yield
    finally:
        with _depth_lock:
            _depth -= 1
            if _depth == 0:
                promise.run_sync = _flytekit_run_sync
