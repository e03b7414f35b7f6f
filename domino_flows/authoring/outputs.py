"""What calling a Domino job task inside a workflow gives back, read the way Domino's flows read it.

Domino's flows take a task's outputs in every one of these forms, for ``run_domino_job_task``,
``DominoJobTask`` and ``@domino_task`` alike::

    res.out            res["out"]           res            # a task with one output 'out'
    res.model          res["model"]         res[0]         # a task with several outputs
    a, b, c = res                                          # several outputs, in declared order

flytekit alone turns ``res.out`` on a one-output task into an attribute path on the output value
(an ``int`` or a file has no attribute ``out``: Flyte fails at run time), and a dict of outputs
unpacks to its *names*. Here a job output's own name selects the output itself, the several
outputs are a tuple in declared order, and anything else (``res.typo``, ``res[3]``) is refused
while the flow compiles, in one line naming the outputs. Job outputs are only primitives, files
and folders, so no other attribute or index of one can resolve.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flytekit.core.promise import Promise

from domino_flows.core.errors import TaskDefinitionError


class OutputAccessError(TaskDefinitionError):
    """A workflow reads an output of a job task that does not exist (``res.typo``, ``res[5]``)."""


def _names(outputs: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in outputs) or "none"


class JobOutput(Promise):
    """One output of a job task; its own name (``.out``, ``["out"]``) selects itself."""

    _task_name: str
    _output_names: tuple[str, ...]

    @classmethod
    def of(cls, promise: Promise, task_name: str, output_names: tuple[str, ...]) -> JobOutput:
        output = cls(var=promise.var, val=promise.val, type=promise._type)
        output._promise_ready = promise._promise_ready
        output._ref = promise._ref
        output._attr_path = list(promise._attr_path)
        output._task_name = task_name
        output._output_names = output_names
        return output

    def __getattr__(self, key: str) -> Any:
        # flytekit's Promise turns every unknown attribute into an attribute path; private names
        # are Python's own look-ups (copying, pickling), not a workflow reading an output.
        if key.startswith("_"):
            raise AttributeError(key)
        return self._select(key, f".{key}")

    def __getitem__(self, key: Any) -> Any:
        return self._select(key, f"[{key!r}]")

    def _select(self, key: Any, spelled: str) -> JobOutput:
        if key == self.var:
            return self
        if len(self._output_names) == 1:
            raise OutputAccessError(
                f"task {self._task_name!r}: result{spelled} names no output; the task's one "
                f"output is {self.var!r}: use the result itself or result.{self.var}."
            )
        raise OutputAccessError(
            f"task {self._task_name!r}: output {self.var!r} is a single value (a primitive, "
            f"file or folder), so {self.var}{spelled} selects nothing in it; outputs of the task "
            f"are {_names(self._output_names)}."
        )


class JobOutputs(tuple[JobOutput, ...]):
    """The outputs of a job task with several: a tuple in declared order (so ``a, b = res``
    unpacks them in that order), readable by name as ``res.model`` or ``res["model"]``."""

    _task_name: str
    _by_name: dict[str, JobOutput]

    def __new__(cls, task_name: str, outputs: dict[str, JobOutput]) -> JobOutputs:
        made = super().__new__(cls, outputs.values())
        made._task_name = task_name
        made._by_name = dict(outputs)
        return made

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def __getattr__(self, key: str) -> JobOutput:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._named(key, f".{key}")

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._named(key, f"[{key!r}]")
        if isinstance(key, int) and not -len(self) <= key < len(self):
            raise OutputAccessError(
                f"task {self._task_name!r}: result[{key}] is out of range; the task has "
                f"{len(self)} outputs, {_names(self._by_name)}, in that order."
            )
        return super().__getitem__(key)

    def _named(self, key: str, spelled: str) -> JobOutput:
        found = self._by_name.get(key)
        if found is None:
            raise OutputAccessError(
                f"task {self._task_name!r}: result{spelled} names no output; outputs are "
                f"{_names(self._by_name)}."
            )
        return found

    # ordering (``>>``) and overrides apply to the node, which every output shares
    def with_overrides(self, *args: Any, **kwargs: Any) -> JobOutputs:
        self[0].with_overrides(*args, **kwargs)
        return self

    def runs_before(self, other: Any) -> JobOutputs:
        return self

    @property
    def ref(self) -> Any:
        """The node that produces the outputs, so ``a >> result`` orders a whole result."""
        return self[0].ref

    @property
    def is_ready(self) -> bool:
        return self[0].is_ready

    def __rshift__(self, other: Any) -> Any:
        return self[0] >> other


def task_result(task_name: str, output_names: tuple[str, ...], result: Any) -> Any:
    """A job task call's result, as Domino's flows read it.

    ``result`` is what flytekit's call returned: a Promise (one output), flytekit's output tuple
    (several), a node result (none) or plain values (the task ran outside a workflow).
    """
    if isinstance(result, Promise) and len(output_names) == 1:
        return JobOutput.of(result, task_name, output_names)
    if (
        isinstance(result, tuple)
        and len(output_names) > 1
        and len(result) == len(output_names)
        and all(isinstance(item, Promise) for item in result)
    ):
        by_name = {
            name: JobOutput.of(item, task_name, output_names)
            for name, item in zip(output_names, result, strict=True)
        }
        return JobOutputs(task_name, by_name)
    return result
