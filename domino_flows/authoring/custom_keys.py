"""The one codec for a task template's ``custom``: the job config plus the kit's own keys.

Domino's plugin writes the job config as camelCase JSON (``DominoJobConfig.to_custom``). The kit
adds a few keys of its own, which its backends read at run time and ``submit`` removes (or
resolves) before registering with Domino Flows. Every module that writes or reads those keys goes
through :class:`TaskCustom`, so a key is spelled in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domino_flows.authoring.config import ENVIRONMENT_NAME, HARDWARE_TIER_NAME, DominoJobConfig
from domino_flows.contract import job_settings

USE_LATEST = "useLatest"
USE_PROJECT_DEFAULTS = "useProjectDefaultsForOmitted"

# The kit's additions to ``custom`` that Domino's own plugin does not write: the job fields the
# settings model marks as additions, and how to run the task.
ADDITIONS = (
    *job_settings.additions(DominoJobConfig),
    USE_LATEST,
    USE_PROJECT_DEFAULTS,
)
# Additions that name something Domino knows by id (resolved by the backend or by submit).
NAME_KEYS = (ENVIRONMENT_NAME, HARDWARE_TIER_NAME)
# What the interface rides in (written by the task, read by Domino Flows).
INTERFACE_KEYS = ("inputInterfaceBase64", "inputOutputInterfaceBase64")


@dataclass(frozen=True)
class TaskCustom:
    """A task's ``custom`` as the kit reads it: the job config and how to run it."""

    config: DominoJobConfig
    use_latest: bool = False
    use_project_defaults: bool = False

    def to_custom(self) -> dict[str, Any]:
        """The config's camelCase JSON plus the kit's additions that are set."""
        custom = self.config.to_custom()
        if self.use_latest:
            custom[USE_LATEST] = True
        if self.use_project_defaults:
            custom[USE_PROJECT_DEFAULTS] = True
        return custom

    @classmethod
    def from_custom(cls, custom: dict[str, Any] | None) -> TaskCustom:
        custom = dict(custom or {})
        return cls(
            config=DominoJobConfig.from_custom(custom),
            use_latest=bool(custom.get(USE_LATEST)),
            use_project_defaults=bool(custom.get(USE_PROJECT_DEFAULTS)),
        )
