"""Gates (flytekit's ``approve``, ``sleep``, ``wait_for_input``) in a local run.

On Domino Flows a gate pauses the run until someone approves it or gives the input in the UI, or
until the sleep ends. Locally:

- ``approve(value, name, timeout)``: ``--approve NAME`` (the gate's name or its node, repeatable)
  or ``--approve-all`` approve without asking; otherwise, in a terminal, the run asks; a "no"
  fails the gate's node (what follows it is skipped). Without a terminal (a pipe, CI) and without
  approval the gate's node fails with one line naming the flag to give.
- ``wait_for_input(name, timeout, expected_type)``: ``--gate-input NAME=VALUE`` (parsed by the
  expected type, as ``--input`` is) or, in a terminal, the run asks; without either the node fails
  naming the flag.
- ``sleep(duration)``: does not wait; the node notes the duration it stands for.

Each decision is the node's note: ``domino-flows run`` prints it, ``show`` lists it with the
node, and the node's recorded result carries the approved value.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domino_flows.core.errors import DominoFlowsError


class GateError(DominoFlowsError):
    """A gate was not passed: not approved, or no input given."""


@dataclass(frozen=True)
class GateOptions:
    """How gates are passed in this run (``--approve``, ``--approve-all``, ``--gate-input``)."""

    approve: frozenset[str] = frozenset()
    approve_all: bool = False
    inputs: dict[str, str] = field(default_factory=dict)  # gate name -> text of the value
    # asks a yes/no question or for a value; None when there is no terminal to ask in
    confirm: Callable[[str], bool] | None = None
    prompt: Callable[[str], str] | None = None

    @classmethod
    def from_command_line(
        cls, approve: tuple[str, ...], approve_all: bool, gate_inputs: dict[str, str]
    ) -> GateOptions:
        """The options ``run`` was given; it asks in the terminal only when stdin is one."""
        import click

        terminal = sys.stdin.isatty()
        return cls(
            frozenset(approve),
            approve_all,
            dict(gate_inputs),
            (lambda question: click.confirm(question, default=False)) if terminal else None,
            (lambda question: str(click.prompt(question))) if terminal else None,
        )


@dataclass(frozen=True)
class Passed:
    outputs: dict[str, Any]  # literals by output name
    note: str


# How a gate's node is recorded in the run store's node results (shown by ``show``).
RECORD_PREFIX = "gate "


def recorded(name: str, passed: Passed) -> str:
    return f"{RECORD_PREFIX}{name}: {passed.note}" if passed.note else f"{RECORD_PREFIX}{name}"


def is_gate(entity: Any) -> bool:
    from flytekit.core.gate import Gate

    return isinstance(entity, Gate)


def pass_gate(
    ctx: Any, gate: Any, node: str, literals: dict[str, Any], options: GateOptions
) -> Passed:
    """The gate's outputs (literals) once passed, and the decision; GateError when it is not
    passed. ``ctx`` is the run's flytekit context, for turning a given input into a literal."""
    from domino_flows.runner import values

    where = f"gate {gate.name!r} (node {node})"
    if gate.sleep_duration:
        return Passed({}, f"sleep gate: {gate.sleep_duration} not waited in a local run")
    if gate.input_type is not None:
        value, source = _given_input(gate, where, options)
        outputs = values.to_literals(ctx, {"o0": value}, {"o0": gate.input_type})
        return Passed(outputs, f"input {value!r} from {source}")
    if options.approve_all or gate.name in options.approve or node in options.approve:
        flag = "--approve-all" if options.approve_all else f"--approve {gate.name}"
        return Passed(dict(literals), f"approved by {flag}")
    if options.confirm is None:
        raise GateError(
            f"{where} needs approval and there is no terminal to ask in: run again with "
            f"--approve {gate.name} (or --approve-all)."
        )
    if not options.confirm(f"Approve {where}?"):
        raise GateError(f"{where} was not approved in the terminal.")
    return Passed(dict(literals), "approved in the terminal")


def _given_input(gate: Any, where: str, options: GateOptions) -> tuple[Any, str]:
    from domino_flows.runner.inputs import InputError, parse_text

    text = options.inputs.get(gate.name)
    source = "--gate-input"
    if text is None:
        if options.prompt is None:
            raise GateError(
                f"{where} waits for a value of type "
                f"{getattr(gate.input_type, '__name__', gate.input_type)} and there is no "
                f"terminal to ask in: run again with --gate-input {gate.name}=VALUE."
            )
        text = options.prompt(f"Value for {where}")
        source = "the terminal"
    try:
        return parse_text(gate.name, text, gate.input_type), source
    except InputError as error:
        raise GateError(f"{where}: the value from {source} does not parse: {error}") from None
