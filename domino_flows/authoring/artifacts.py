"""Flow artifacts: outputs that Domino keeps beyond the run (data, models, reports).

``Artifact("Churn model", MODEL).File(name="model.pkl")`` (or, as Domino's own flows write it,
``.File(name="report.pdf", type="pdf")``) is a type annotation for a task output or a workflow
return: a ``FlyteFile`` of that file type, carrying

- a flytekit ``Artifact`` named after the file, with the partitions Domino Flows groups Flow
  Artifacts by: ``artifact_type`` (``data``, ``model`` or ``report``) and ``artifact_name`` (the
  artifact's name). Outputs without them do not appear as Flow Artifacts in Domino;
- a ``FlyteAnnotation`` with the same facts under ``domino_flows_artifact``, which the kit's run
  store, ``show`` and lineage read (also from task templates serialized by earlier versions).

Both travel inside the serialized interface, so nothing needs a side registry.
"""

from __future__ import annotations

import enum
import typing
from dataclasses import dataclass
from typing import Any

from domino_flows.contract.kinds import ARTIFACT_ANNOTATION_KEY as ANNOTATION_KEY
from domino_flows.core.errors import TaskDefinitionError

# The flytekit Artifact partitions Domino Flows reads.
PARTITION_KEYS = ("artifact_type", "artifact_name")


class ArtifactType(str, enum.Enum):
    DATA = "DATA"
    MODEL = "MODEL"
    REPORT = "REPORT"


DATA = ArtifactType.DATA
MODEL = ArtifactType.MODEL
REPORT = ArtifactType.REPORT


@dataclass(frozen=True)
class Artifact:
    """A named artifact of one type; several files may belong to it.

    ``register=True`` (or a model name) makes a MODEL artifact a new version of a registered model
    each time a task writes it: through Domino's registered models API on the domino backend,
    MLflow's model registry locally; ``show`` names the version. Needs MLflow tracking on.
    On a DATA artifact, ``register=True`` (or a dataset name) makes the files each task writes a
    new snapshot of that dataset (locally: a numbered folder under the dataset's folder in
    ``[tool.domino_flows.datasets]``); ``show`` names the snapshot.
    """

    name: str
    type: ArtifactType
    register: bool | str = False

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
        if self.register is not False and self.type is ArtifactType.REPORT:
            raise TaskDefinitionError(
                f"Artifact {self.name!r}: register= makes a MODEL artifact a registered model "
                "version and a DATA artifact a dataset snapshot; a REPORT artifact cannot be "
                "registered. Remove register=."
            )
        if not isinstance(self.register, (bool, str)) or self.register == "":
            target = "model" if self.type is ArtifactType.MODEL else "dataset"
            raise TaskDefinitionError(
                f"Artifact {self.name!r}: register={self.register!r}; give True (the {target} is "
                f"named after the artifact) or the {target}'s name."
            )

    @property
    def model_name(self) -> str | None:
        """The registered model this artifact's files become versions of, if any."""
        if self.type is not ArtifactType.MODEL:
            return None
        return self.name if self.register is True else (self.register or None)

    @property
    def dataset_name(self) -> str | None:
        """The dataset this artifact's files become snapshots of, if any."""
        if self.type is not ArtifactType.DATA:
            return None
        return self.name if self.register is True else (self.register or None)

    def File(self, name: str, type: str | None = None) -> Any:  # official argument name
        """The type of one file of this artifact, for a task output or workflow return.

        ``type`` is the file's format (``"pdf"``, ``"csv"``); by default, the file name's
        extension.
        """
        from flytekit.core.annotation import FlyteAnnotation
        from flytekit.core.artifact import Artifact as FlyteArtifact
        from flytekit.types.file import FlyteFile

        if not isinstance(name, str) or not name.strip() or "/" in name or name in (".", ".."):
            raise TaskDefinitionError(
                f"Artifact {self.name!r}: File name {name!r} must be a plain file name such as "
                "'model.pkl' (no directories)."
            )
        if type is not None and (
            not isinstance(type, str) or not type.strip() or "/" in type or type.startswith(".")
        ):
            raise TaskDefinitionError(
                f"Artifact {self.name!r}: File {name!r} has type {type!r}; give the file format "
                "without a dot, e.g. type='pdf', or leave it out to use the file's extension."
            )
        extension = name.rsplit(".", 1)[1] if "." in name.strip(".") else ""
        file_format = type or extension
        base = FlyteFile[file_format] if file_format else FlyteFile
        facts = {"name": self.name, "type": self.type.value, "file": name}
        if self.model_name:  # only when asked: flows without it serialize as before
            facts["register"] = self.model_name
        if self.dataset_name:
            facts["dataset"] = self.dataset_name
        marker = {ANNOTATION_KEY: facts}
        domino = FlyteArtifact(name=name, partition_keys=list(PARTITION_KEYS))(
            artifact_type=self.type.value.lower(), artifact_name=self.name
        )
        return typing.Annotated[base, FlyteAnnotation(marker), domino]


def artifact_of(python_type: Any) -> dict[str, str] | None:
    """The artifact (name, type, file) a declared type belongs to, if any."""
    if typing.get_origin(python_type) is not typing.Annotated:
        return None
    for extra in typing.get_args(python_type)[1:]:
        data = getattr(extra, "data", None)
        if isinstance(data, dict) and ANNOTATION_KEY in data:
            return dict(data[ANNOTATION_KEY])
    return None
