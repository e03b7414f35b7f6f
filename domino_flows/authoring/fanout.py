"""``fan_out``: run one Domino job task over lists of inputs, one job per item, in parallel.

flytekit's ``map_task`` accepts only Python function tasks, and Domino Flows itself does not run
map tasks today, so the kit has its own construct for ``domino-flows run``: list inputs are zipped
item by item, bound inputs (``functools.partial``) are passed to every item, and the outputs come
back as lists. ``domino-flows lint`` and ``submit`` warn that Domino Flows cannot run it.
"""

from __future__ import annotations

import functools
from typing import Any

from flytekit.core.base_task import PythonTask
from flytekit.core.interface import Interface, transform_interface_to_list_interface

from domino_flows.authoring.config import FAN_OUT_TASK_TYPE
from domino_flows.authoring.task import DominoJobTask
from domino_flows.core.errors import DominoFlowsError, TaskDefinitionError


class DominoFanOut(PythonTask):
    """A job task applied to every item of its list inputs."""

    def __init__(
        self,
        task: DominoJobTask | functools.partial[Any],
        concurrency: int | None = None,
        min_success_ratio: float = 1.0,
    ) -> None:
        bound: dict[str, Any] = {}
        if isinstance(task, functools.partial):
            bound = dict(task.keywords)
            task = task.func  # type: ignore[assignment]  # checked just below
        if not isinstance(task, DominoJobTask):
            raise TaskDefinitionError(
                f"fan_out takes a Domino job task (@domino_task or DominoJobTask), not "
                f"{type(task).__name__}."
            )
        if concurrency is not None and concurrency < 1:
            raise TaskDefinitionError(
                f"fan_out of {task.name!r}: concurrency is {concurrency}; use 1 or more, or None "
                "for no limit beyond the runner's."
            )
        if not 0 < min_success_ratio <= 1:
            raise TaskDefinitionError(
                f"fan_out of {task.name!r}: min_success_ratio is {min_success_ratio}; use a "
                "number above 0 and at most 1."
            )
        unknown = set(bound) - set(task.python_interface.inputs)
        if unknown:
            raise TaskDefinitionError(
                f"fan_out of {task.name!r}: bound input {sorted(unknown)[0]!r} is not an input "
                f"of the task; inputs are {', '.join(task.python_interface.inputs)}."
            )
        if len(bound) == len(task.python_interface.inputs):
            raise TaskDefinitionError(
                f"fan_out of {task.name!r}: every input is bound, so there is nothing to fan out "
                "over; leave at least one input as a list."
            )
        self.task = task
        self.bound_inputs = bound
        self.concurrency = concurrency
        self.min_success_ratio = min_success_ratio
        # Bound inputs are fixed for every item: they leave the interface, the rest become lists.
        item_inputs = {
            name: python_type
            for name, python_type in task.python_interface.inputs.items()
            if name not in bound
        }
        interface = transform_interface_to_list_interface(
            Interface(inputs=item_inputs, outputs=task.python_interface.outputs),
            set(),
            set(),
            min_success_ratio < 1,
        )
        super().__init__(
            task_type=FAN_OUT_TASK_TYPE,
            name=f"{task.name}.fan_out",
            interface=interface,
            metadata=task.metadata,
        )

    def execute(self, **kwargs: Any) -> Any:
        raise DominoFlowsError(
            f"fan_out of {self.task.name!r} runs with `domino-flows run`; flytekit's local "
            "execution and Domino Flows do not run it. Use `domino-flows run FILE WORKFLOW`."
        )


def fan_out(
    task: DominoJobTask | functools.partial[Any],
    concurrency: int | None = None,
    min_success_ratio: float = 1.0,
) -> DominoFanOut:
    """Run ``task`` once per item of its list inputs; see :class:`DominoFanOut`."""
    return DominoFanOut(task, concurrency=concurrency, min_success_ratio=min_success_ratio)
