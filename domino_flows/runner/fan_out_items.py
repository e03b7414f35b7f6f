"""The items of a fan-out node (``map_task``/``fan_out``) and the lists its outputs become."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domino_flows.core.errors import DominoFlowsError


@dataclass
class FanOutItems:
    """A fan-out node's items (one job each, bound inputs plus one element of each list input)
    and, as they finish, their results; the node's outputs are lists in item order, with None
    where an item failed."""

    items: list[dict[str, Any]]
    concurrency: int | None
    min_success_ratio: float
    next_item: int = 0
    active: int = 0
    results: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    failed: set[int | None] = field(default_factory=set)

    @classmethod
    def build(cls, ctx: Any, entity: Any, literals: dict[str, Any]) -> FanOutItems:
        from flytekit.core.type_engine import TypeEngine

        bound = {
            name: TypeEngine.to_literal(
                ctx,
                value,
                entity.task.python_interface.inputs[name],
                TypeEngine.to_literal_type(entity.task.python_interface.inputs[name]),
            )
            for name, value in entity.bound_inputs.items()
        }
        lists = {name: lit.collection.literals for name, lit in literals.items()}
        lengths = {len(items) for items in lists.values()}
        if len(lengths) > 1:
            sizes = ", ".join(f"{name}: {len(items)}" for name, items in lists.items())
            raise DominoFlowsError(
                f"fan-out {entity.name!r}: its list inputs have different lengths ({sizes}); "
                "give lists of the same length, one item per job."
            )
        count = lengths.pop() if lengths else 0
        items = [{**bound, **{n: lists[n][i] for n in lists}} for i in range(count)]
        return cls(items, entity.concurrency, entity.min_success_ratio)

    def outputs(self, entity: Any) -> dict[str, Any]:
        from flytekit.models.literals import Literal, LiteralCollection, Scalar, Void

        out = {}
        for name in entity.python_interface.outputs:
            items = []
            for index in range(len(self.items)):
                result = self.results.get(index)
                items.append(
                    result[name] if result is not None else Literal(scalar=Scalar(none_type=Void()))
                )
            out[name] = Literal(collection=LiteralCollection(literals=items))
        return out
