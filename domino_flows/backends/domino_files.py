"""Project files on Domino: uploading a staging folder, finding its commit, downloading outputs.

Domino's project file system (DFS) makes a commit per uploaded file; every commit holds the whole
project tree, so the newest commit after our uploads holds all of them whatever else was uploaded
meanwhile. Uploads and downloads are idempotent (same bytes, same path) and go through the same
retry policy as every other idempotent call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domino_flows.backends.domino_client import DominoApiError, RetryPolicy, call_with_retry

UPLOAD = "PUT /v1/projects/{owner}/{project}/{path}"
COMMITS = "GET /v1/projects/{owner}/{project}/commits"
LIST = "GET /v1/projects/{owner}/{project}/files/{commit}/{path}"
CONTENT = "GET /api/projects/v1/projects/{id}/files/{commit}/{path}/content"
KEEP_FILE = ".keep"  # an empty directory cannot be uploaded; contract readers skip dot files


def _commit_of(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        commit = body.get("commitId")
        return str(commit) if commit else None
    return None


def upload_tree(client: Any, policy: RetryPolicy, folder: Path, destination: str) -> str | None:
    """Upload every file under ``folder`` to ``destination/...`` in the project's files.

    Returns the commit id the last upload reported, if Domino reports one (else None: ask
    :func:`newest_commit`).
    """
    commit = None
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_dir():
            if any(path.iterdir()):
                continue
            target = f"{destination}/{relative}/{KEEP_FILE}"
            response = call_with_retry(
                policy, UPLOAD, lambda target=target: client.files_upload(target, b"")
            )
        else:
            target = f"{destination}/{relative}"
            response = call_with_retry(
                policy, UPLOAD, lambda t=target, p=path: _upload_file(client, t, p)
            )
        commit = _commit_of(response)
    return commit


def _upload_file(client: Any, target: str, path: Path) -> Any:
    """Streams the file (a retry reopens it from the start)."""
    with path.open("rb") as handle:
        return client.files_upload(target, handle)


def newest_commit(client: Any, policy: RetryPolicy) -> str:
    commits = call_with_retry(policy, COMMITS, client.commits_list)
    if not commits:
        raise DominoApiError(
            f"Domino answered {COMMITS} with no commits right after files were uploaded; "
            "check the project in Domino and rerun."
        )
    first = commits[0]
    return str(first["id"] if isinstance(first, dict) else first)


def _is_directory(entry: dict[str, Any]) -> bool:
    kind = str(entry.get("type", "")).lower()
    return bool(entry.get("isDir") or entry.get("isDirectory")) or kind in ("dir", "directory")


def list_files(client: Any, policy: RetryPolicy, commit: str, path: str) -> list[dict[str, Any]]:
    """Entries directly under ``path`` at ``commit`` (empty if the folder does not exist)."""
    try:
        body = call_with_retry(policy, LIST, lambda: client.files_list(commit, path))
    except DominoApiError as error:
        if error.status == 404:
            return []
        raise
    entries = body.get("data", []) if isinstance(body, dict) else body
    return [e for e in entries if isinstance(e, dict) and e.get("path")]


def download_file(
    client: Any, policy: RetryPolicy, project_id: str, commit: str, path: str, target: Path
) -> None:
    """Stream one file of ``commit`` to ``target`` (a retry starts the file over)."""
    url = client._routes.blobs_get_v2(path, commit, project_id)

    def fetch() -> None:
        with client.request_manager.get(url, stream=True) as response, target.open("wb") as out:
            for chunk in response.iter_content(chunk_size=1 << 20):
                out.write(chunk)

    call_with_retry(policy, CONTENT, fetch)


def download_tree(
    client: Any, policy: RetryPolicy, project_id: str, commit: str, remote: str, local: Path
) -> int:
    """Download the folder ``remote`` of ``commit`` into ``local``; returns the file count."""
    count = 0
    for entry in list_files(client, policy, commit, remote):
        full = str(entry["path"]).strip("/")
        prefix = remote.strip("/") + "/"
        relative = full[len(prefix) :] if full.startswith(prefix) else full.rsplit("/", 1)[-1]
        if not relative or ".." in Path(relative).parts:
            continue
        target = local / relative
        if _is_directory(entry):
            target.mkdir(parents=True, exist_ok=True)
            count += download_tree(
                client, policy, project_id, commit, f"{prefix}{relative}", target
            )
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            download_file(client, policy, project_id, commit, full, target)
            count += 1
    return count
