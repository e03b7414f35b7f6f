"""What the engine needs to know of each task, worked out once per task rather than per node.

Reading a task's settings goes through ``get_custom`` (its config and flytekit's interface
transformation) and its artifact outputs through the type engine: about a millisecond each. A
task called by 5,000 nodes is read once; each node's job spec is then a few dictionary copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobSpec
from domino_flows.records import lineage


@dataclass(frozen=True)
class TaskFacts:
    config: DominoJobConfig  # as ``custom`` carries it: every job setting
    input_types: dict[str, Any]  # Python types, as the job's contract reads them
    output_types: dict[str, Any]
    output_variables: dict[str, Any]  # flytekit's typed output variables
    output_kinds: dict[str, Any]  # output name -> what lineage calls it (artifact or kind)
    input_paths: dict[str, str]  # custom paths (PathConfig, Input(path=...)) by name
    output_paths: dict[str, str]


class TaskSpecs:
    """Per-task facts of one run, and the job spec of each node built from them."""

    def __init__(self, run_id: str, flow: str, task_uses: dict[str, int]) -> None:
        self.run_id = run_id
        self.flow = flow
        self.task_uses = task_uses  # task name -> how many nodes run it
        self._facts: dict[int, tuple[Any, TaskFacts]] = {}  # id(task) -> (task, facts)

    def facts(self, task: Any) -> TaskFacts:
        known = self._facts.get(id(task))
        if known is not None and known[0] is task:
            return known[1]
        from domino_flows.authoring.artifacts import artifact_of
        from domino_flows.records.artifacts_store import artifact_specs

        outputs = dict(task.interface.outputs)
        specs = artifact_specs(outputs)
        output_types = dict(task.python_interface.outputs)
        facts = TaskFacts(
            config=DominoJobConfig.from_custom(task.get_custom(None)),
            input_types=dict(task.python_interface.inputs),
            output_types=output_types,
            output_variables=outputs,
            output_kinds={
                name: specs.get(name) or artifact_of(kind) for name, kind in output_types.items()
            },
            input_paths=task.input_paths,
            output_paths=task.output_paths,
        )
        self._facts[id(task)] = (task, facts)  # the task is kept, so its id stays its own
        return facts

    def task_key(self, task: Any, key: str, is_item: bool) -> str:
        """Jobs, attempts and logs are filed by task name: a task used by several nodes (or every
        fan-out item) gets its node path too, so no two nodes share a job."""
        unique = self.task_uses.get(task.name, 0) <= 1 and not is_item
        return task.name if unique else f"{task.name}@{key}"

    def spec(self, task: Any, key: str, is_item: bool, input_sources: dict[str, str]) -> JobSpec:
        facts = self.facts(task)
        return JobSpec(
            run_id=self.run_id,
            flow=self.flow,
            task=self.task_key(task, key, is_item),
            node=key,
            config=facts.config,
            input_types=dict(facts.input_types),
            output_types=dict(facts.output_types),
            input_sources=input_sources,
            input_paths=dict(facts.input_paths),
            output_paths=dict(facts.output_paths),
        )

    def output_datasets(self, task: Any, task_key: str) -> dict[str, str]:
        """The lineage dataset of each output of ``task`` run as ``task_key``, named as the
        attempt's COMPLETE event names it (an artifact by its artifact name)."""
        return {
            name: lineage.output_dataset_name(task_key, name, kind)
            for name, kind in self.facts(task).output_kinds.items()
        }
