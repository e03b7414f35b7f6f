"""The start request Domino Flows' agent makes from a registered task, for checking ``submit``.

Domino Flows starts each task's job with ``POST /v4/jobs/startWorkflowJob``, copying the
registered task template's ``custom`` into a ``StartWorkflowJobRequest``. The agent is Domino's and
not public; what it must send is (the published schema), and every field of it comes from
``custom``. So a ``custom`` that cannot become a valid request is a task Domino cannot start:
:func:`workflow_job_problems` says what is wrong, through the same published description the fake
Domino checks every request against.
"""

from __future__ import annotations

from typing import Any

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.contract import job_settings
from domino_flows.testing.fake_domino_schema import check_schema

START_WORKFLOW_JOB = "domino.jobs.web.StartWorkflowJobRequest"
COMMAND = "command"  # the request's commandToRun
# The request's fields copied from ``custom`` as they are: every job field of the settings model
# but the command and the kit's additions (which submit resolves into these, or refuses).
COPIED = tuple(
    f.setting.custom_key
    for f in job_settings.job_fields(DominoJobConfig)
    if not f.setting.addition and f.setting.custom_key != COMMAND
)


def _as_json(value: Any) -> Any:
    """A Struct value as JSON carries it: protobuf's JSON form writes a whole number without a
    fraction (``2``, not ``2.0``), which is what lets a Struct's float be an integer field."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value


def workflow_job_request(custom: dict[str, Any], project_id: str) -> dict[str, Any]:
    """The ``StartWorkflowJobRequest`` a registered task's ``custom`` makes."""
    request: dict[str, Any] = {"projectId": project_id, "commandToRun": custom.get(COMMAND)}
    request.update({key: _as_json(custom[key]) for key in COPIED if key in custom})
    config: dict[str, Any] = {"workflowOrchestrator": "flyte"}
    if "inputInterfaceBase64" in custom:
        config["inputInterface"] = custom["inputInterfaceBase64"]
    if "inputOutputInterfaceBase64" in custom:
        config["inputOutputInterface"] = custom["inputOutputInterfaceBase64"]
    request["workflowConfig"] = config
    return request


def workflow_job_problems(custom: dict[str, Any], project_id: str) -> list[str]:
    """What Domino would refuse in the start request this ``custom`` makes (empty: none)."""
    return check_schema(START_WORKFLOW_JOB, workflow_job_request(custom, project_id))
