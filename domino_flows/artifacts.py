"""Flow artifacts: outputs that Domino keeps beyond the run (data, models, reports).

``Artifact("Churn model", MODEL).File(name="model.pkl")`` is a type annotation for a task output
or a workflow return. It is a ``FlyteFile`` carrying a ``FlyteAnnotation``, so the artifact's name,
type and file name travel inside the serialized interface: backends and ``domino-flows lineage``
read them from there, with no side registry.
"""

from __future__ import annotations

import enum
import typing
from dataclasses import dataclass
from typing import Any

from domino_flows.contract import ARTIFACT_ANNOTATION_KEY as ANNOTATION_KEY
from domino_flows.errors import TaskDefinitionError


class ArtifactType(str, enum.Enum):
    DATA = "DATA"
    MODEL = "MODEL"
    REPORT = "REPORT"


DATA = ArtifactType.DATA
MODEL = ArtifactType.MODEL
REPORT = ArtifactType.REPORT


@dataclass(frozen=True)
class Artifact:
    """A named artifact of one type; several files may belong to it."""

    name: str
    type: ArtifactType

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise TaskDefinitionError(
                "Artifact needs a non-empty name, e.g. Artifact('Churn model', MODEL)."
            )
        try:
            object.__setattr__(self, "type", ArtifactType(self.type))
        except ValueError:
            raise TaskDefinitionError(
                f"Artifact {self.name!r} has type {self.type!r}; use DATA, MODEL or REPORT "
                "(from domino_flows import DATA, MODEL, REPORT)."
            ) from None

    def File(self, name: str) -> Any:
        """The type of one file of this artifact, for a task output or workflow return."""
        from flytekit.core.annotation import FlyteAnnotation
        from flytekit.types.file import FlyteFile

        if not isinstance(name, str) or not name.strip() or "/" in name or name in (".", ".."):
            raise TaskDefinitionError(
                f"Artifact {self.name!r}: File name {name!r} must be a plain file name such as "
                "'model.pkl' (no directories)."
            )
        extension = name.rsplit(".", 1)[1] if "." in name.strip(".") else ""
        base = FlyteFile[extension] if extension else FlyteFile
        marker = {ANNOTATION_KEY: {"name": self.name, "type": self.type.value, "file": name}}
        return typing.Annotated[base, FlyteAnnotation(marker)]


def artifact_of(python_type: Any) -> dict[str, str] | None:
    """The artifact (name, type, file) a declared type belongs to, if any."""
    if typing.get_origin(python_type) is not typing.Annotated:
        return None
    for extra in typing.get_args(python_type)[1:]:
        data = getattr(extra, "data", None)
        if isinstance(data, dict) and ANNOTATION_KEY in data:
            return dict(data[ANNOTATION_KEY])
    return None
