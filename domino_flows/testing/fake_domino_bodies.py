"""Answer bodies of the fake Domino server, shaped as Domino's published schemas require.

Each function builds one schema's object with every required field; the HTTP layer checks the
result against the description before it is sent (``fake_domino_schema.check_response``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from domino_flows.testing.fake_domino_jobs import FakeJob

_EPOCH_ISO = "2024-01-01T00:00:00Z"


def iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def metadata(offset: int = 0, limit: int = 0, total: int | None = None) -> dict[str, Any]:
    """A public API ``PaginatedMetadataV1``: ``MetadataV1`` and ``PaginationV1`` together (its
    ``allOf``), with the pagination also under ``pagination``, which it requires too."""
    pagination: dict[str, Any] = {"offset": offset, "limit": limit}
    if total is not None:
        pagination["totalCount"] = total
    return {"requestId": str(uuid.uuid4()), "notices": [], **pagination, "pagination": pagination}


def project_overview(
    project_id: str, owner: str, name: str, main_repository: dict[str, Any] | None
) -> dict[str, Any]:
    """``ProjectGatewayOverview`` (GET /v4/gateway/projects/findProjectByOwnerAndName)."""
    body: dict[str, Any] = {
        "id": project_id,
        "name": name,
        "owner": {"id": None, "userName": owner},
        "description": "",
        "hardwareTierName": "",
        "hardwareTierId": "",
        "environmentName": "",
        "allowedOperations": ["Run", "Edit", "BrowseReadFiles", "ViewRuns"],
        "visibility": "Private",
        "tags": [],
        "numComments": 0,
        "runsCountByType": [],
        "totalRunTime": "PT0S",
        "stageId": "0" * 24,
        "status": {"status": "active", "isBlocked": False},
        "requestingUserRole": "Owner",
        "details": {"updatedAt": _EPOCH_ISO, "projectType": "Analytic"},
    }
    if main_repository is not None:
        body["mainRepository"] = main_repository
    return body


def hardware_tier(tier_id: str, name: str, is_default: bool) -> dict[str, Any]:
    """``HardwareTierWithCapacityDto``."""
    return {
        "hardwareTier": {
            "id": tier_id,
            "name": name,
            "hwtResources": {
                "cores": 1.0,
                "memory": {"value": 4.0, "unit": "GiB"},
                "allowSharedMemoryToExceedDefault": False,
            },
            "hwtFlags": {
                "isDefault": is_default,
                "isVisible": True,
                "isGlobal": True,
                "isArchived": False,
                "isFree": True,
                "isDataAnalystTier": False,
                "isAllowedDuringTrial": True,
            },
            "centsPerMinute": 0.0,
            "creationTime": _EPOCH_ISO,
            "updateTime": _EPOCH_ISO,
            "podCustomization": {
                "additionalRequests": {},
                "additionalLimits": {},
                "additionalAnnotations": {},
                "additionalLabels": {},
                "hugepages": {},
                "capabilities": [],
            },
            "metadata": {},
        },
        "capacity": {
            "currentNumberOfExecutors": 1,
            "maximumNumberOfExecutors": 10,
            "numberOfCurrentlyExecutingRuns": 0,
            "numberOfQueuedRuns": 0,
            "maximumConcurrentRuns": 10,
            "availableCapacityWithoutLaunching": 10,
            "maximumAvailableCapacity": 10,
            "capacityLevel": "CAN_EXECUTE_WITH_CURRENT_INSTANCES",
        },
        "dataPlane": {
            "id": "000000000000000000000000",
            "name": "Local",
            "namespace": "domino-compute",
            "isLocal": True,
            "configuration": {},
            "status": {
                "state": "Healthy",
                "message": "",
                "agentVersion": "",
                "catalogVersion": "",
                "requiresUpgrade": False,
                "supportsUpgrade": False,
            },
            "isHealthy": True,
            "isArchived": False,
            "isFileSyncDisabled": False,
            "isLocked": False,
        },
    }


def environment(env_id: str, name: str) -> dict[str, Any]:
    """``ProjectEnvironmentDTO``."""
    return {
        "id": env_id,
        "name": name,
        "archived": False,
        "version": 1,
        "visibility": "Global",
        "supportedClusters": [],
        "activeRevisionId": env_id,
        "activeRevisionNumber": 1,
    }


def job(fake_job: FakeJob, project_id: str) -> dict[str, Any]:
    """``domino.jobs.interface.Job`` (start, status, stop and the project's job listing)."""
    body: dict[str, Any] = {
        "id": fake_job.id,
        "number": fake_job.number,
        "projectId": project_id,
        "title": fake_job.title,
        "jobRunCommand": fake_job.command,
        "stageTime": {
            "submissionTime": int(fake_job.submitted * 1000),
            "runStartTime": None,
            "completedTime": None,
        },
        "statuses": {
            "isCompleted": fake_job.is_completed,
            "isArchived": False,
            "isScheduled": False,
            "executionStatus": fake_job.status,
        },
        "commitDetails": {
            "inputCommitId": fake_job.commit_id,
            "outputCommitId": fake_job.output_commit_id,
        },
        "mainRepoGitRef": fake_job.payload.get("mainRepoGitRef"),
        "tags": [],
        "commentsCount": 0,
        "dominoStats": [],
        "dependentRepositories": [],
        "dependentDatasetMounts": [],
        "dependentProjects": [],
        "suggestDatasets": False,
        "goalIds": [],
        "dependentExternalVolumeMounts": [],
        "dependentNetAppVolumeMounts": [],
        "snapshotDatasetsOnCompletion": False,
        "snapshotNetAppVolumesOnCompletion": False,
    }
    return body


def job_set(jobs: list[dict[str, Any]], total: int, offset: int, limit: int) -> dict[str, Any]:
    """``JobSet`` (GET /v4/jobs)."""
    return {
        "jobs": jobs,
        "totalCount": total,
        "pagination": {"offset": offset, "limit": limit, "sortBy": "desc", "orderBy": "number"},
        "dominoStatColumns": [],
    }


def logs(text: str, started: float) -> dict[str, Any]:
    """``LogsEnvelopeV1`` (GET /api/jobs/beta/jobs/{id}/logs): one entry per line."""
    content = [
        {"timestamp": iso(started), "logType": "stdOut", "log": line, "size": len(line)}
        for line in text.splitlines()
    ]
    return {
        "logs": {"logContent": content, "isComplete": True},
        "metadata": {
            "requestId": str(uuid.uuid4()),
            "notices": [],
            "pagination": {"limit": len(content)},
        },
    }


def resolved_defaults(
    request: dict[str, Any], head: str, tier_id: str, environment_id: str, revision_id: str
) -> dict[str, Any]:
    """``ResolvedJobProperties``: the request's values, the project's defaults for the rest."""
    tier = request.get("hardwareTierId") or {"value": tier_id}
    chosen = request.get("environmentId") or environment_id
    return {
        "commitId": request.get("commitId") or head,
        "hardwareTierId": tier,
        "environmentId": chosen,
        # a specific revision: the one asked for, else the environment's active one
        "environmentRevisionSpec": _revision(request.get("environmentRevisionSpec"), revision_id),
        "datasetSnapshots": list(request.get("datasetSnapshots") or []),
        "netAppVolumeSnapshots": [],
        "externalVolumeMountIds": list(request.get("externalVolumeMountIds") or []),
        "netAppVolumeIds": [],
        "volumeSizeGiB": float(request.get("volumeSizeGiB") or 10.0),
        "mainRepoGitRef": request.get("mainRepoGitRef"),
        "computeClusterProperties": _cluster(request.get("computeClusterProperties"), revision_id),
    }


def _cluster(asked: dict[str, Any] | None, active: str) -> dict[str, Any] | None:
    """``ComputeClusterConfigSpecWithSpecificRevisionDto``: the asked cluster with a specific
    revision for its compute environment (the one asked for, else the active one)."""
    if not asked:
        return None
    return {
        **asked,
        "computeEnvironmentRevisionSpec": _revision(
            asked.get("computeEnvironmentRevisionSpec"), active
        ),
    }


def _revision(asked: Any, active: str) -> dict[str, Any]:
    if isinstance(asked, dict) and asked.get("revisionId"):
        return {"revisionId": asked["revisionId"]}
    return {"revisionId": active}


def data_mount(mount_id: str, name: str, project_id: str) -> dict[str, Any]:
    """``DataMountDto`` (GET /v4/datamount/projects/{projectId}): an NFS volume of the project."""
    return {
        "id": mount_id,
        "name": name,
        "description": None,
        "volumeType": "Nfs",
        "pvcName": f"pvc-{mount_id}",
        "pvId": f"pv-{mount_id}",
        "mountPath": f"/mnt/data/{name}",
        "users": [],
        "projects": [project_id],
        "readOnly": False,
        "isPublic": False,
        "isRegistered": True,
        "dataPlanes": [],
    }


def dataset(dataset_id: str, name: str, project_id: str, snapshots: list[str]) -> dict[str, Any]:
    """``DatasetRwDetailsV1``."""
    return {
        "id": dataset_id,
        "name": name,
        "projectId": project_id,
        "createdAt": _EPOCH_ISO,
        "snapshotIds": snapshots,
        "tags": {},
    }
