"""The keys of a task template's ``custom`` beyond Domino's plugin's, each listed once.

The job config, with how the task runs (``UseLatest``, ``UseProjectDefaultsForOmitted``), is
written and read by ``DominoJobConfig.to_custom``/``from_custom`` from the one settings model
(``contract/job_settings.py``). Some of its keys are the kit's own: its backends read them at run
time and ``submit`` removes (or resolves) them before registering with Domino Flows. The interface
keys are written by the task and read by Domino Flows.
"""

from __future__ import annotations

from domino_flows.authoring.config import ENVIRONMENT_NAME, HARDWARE_TIER_NAME, DominoJobConfig
from domino_flows.contract import job_settings

# The kit's additions to ``custom`` that Domino's own plugin does not write: the job fields the
# settings model marks as additions (names, launch-time snapshots, how omitted fields are filled).
ADDITIONS = job_settings.additions(DominoJobConfig)
# Additions that name something Domino knows by id (resolved by the backend or by submit).
NAME_KEYS = (ENVIRONMENT_NAME, HARDWARE_TIER_NAME)
# What the interface rides in (written by the task, read by Domino Flows).
INTERFACE_KEYS = ("inputInterfaceBase64", "inputOutputInterfaceBase64")
