"""Routes python-domino calls that Domino's published API description does not hold.

python-domino (``dominodatalab``) still reaches a few routes of Domino's older ``/v1`` API and an
unversioned ``/version``. None of them is in the published v4 or public API descriptions shipped in
``schemas/``, so the fake cannot check their requests or answers against a schema; it serves them
(so tests that use python-domino's own methods keep working) and records every call to them in
``FakeDomino.legacy_calls``. The domino backend calls only ``GET /version``, through python-domino's
constructor; its tests check that it calls no other.
"""

from __future__ import annotations

import hashlib
from typing import Any

from domino_flows.testing.fake_domino_http import Response, error_response, json_response
from domino_flows.testing.fake_domino_jobs import safe_relative
from domino_flows.testing.fake_domino_project import FakeProject


class LegacyApi(FakeProject):
    """Handlers of :data:`LEGACY_ROUTES`; a mixin of ``FakeDomino``."""

    def _other_owner(self, params: dict[str, str]) -> Response | None:
        if (params.get("o"), params.get("p")) != (self.owner, self.project_name):
            return error_response(404, f"project {params.get('o')}/{params.get('p')} not found")
        return None

    def _api_environments_v1(self, params: Any, query: Any, body: bytes) -> Response:
        items = [
            {"id": env_id, "name": name, "visibility": "Global"}
            for name, env_id in self.environments.items()
        ]
        return json_response(200, {"data": items})

    def _api_commits_v1(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._other_owner(params) or json_response(
            200, [{"id": c} for c in reversed(self.commit_ids)]
        )

    def _api_runs_v1(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        runs = [
            {
                "id": job.id,
                "number": job.number,
                "projectId": self.project_id,
                "title": job.title,
                "command": job.command,
                "commitId": job.commit_id,
                "outputCommitId": job.output_commit_id,
                "status": job.status,
                "isCompleted": job.is_completed,
            }
            for job in sorted(self.jobs.values(), key=lambda j: -j.number)
        ]
        return self._other_owner(params) or json_response(200, {"data": runs})

    def _api_stdout_v1(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._other_owner(params)
        if refused:
            return refused
        job = self.jobs.get(params["job"])
        if job is None:
            return error_response(404, f"job {params['job']} not found")
        text = job.log_path.read_text("utf-8", errors="replace") if job.log_path.exists() else ""
        return json_response(200, {"stdout": text, "setup": ""})

    def _api_files_list_v1(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._other_owner(params)
        if refused:
            return refused
        if params["commit"] not in self.commit_ids:
            return error_response(404, f"commit {params['commit']} not found")
        relative = safe_relative(params.get("path") or "")
        folder = self.tree(params["commit"]) / relative
        if not folder.is_dir():
            return error_response(404, f"no folder {relative!r} at that commit")
        entries = []
        for child in sorted(folder.iterdir()):
            is_dir = child.is_dir()
            entries.append(
                {
                    "path": f"{relative}/{child.name}" if relative else child.name,
                    "isDir": is_dir,
                    "size": 0 if is_dir else child.stat().st_size,
                    "key": None if is_dir else hashlib.sha1(child.read_bytes()).hexdigest(),
                    "lastModified": int(child.stat().st_mtime * 1000),
                }
            )
        return json_response(200, {"data": entries})

    def _api_upload_v1(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._other_owner(params)
        if refused:
            return refused
        path = safe_relative(params["path"])
        self.add_files({path: body})
        return json_response(201, {"path": "/" + path, "size": len(body)})
