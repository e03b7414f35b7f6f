"""The web app of ``domino-flows ui`` (Starlette): read-only pages over one project's run store.

Every URL is relative and at the top level (``run?id=...``, ``static/ui.css``), so the app works
behind any path prefix, as a Domino App is served. Each request reads the store afresh (short
SQLite connections; WAL lets it read while a run writes), so a page shows runs as they progress.
Files are served only when the store lists them as a run's artifacts; downloads are sent as
attachments in a sandbox, so an artifact (an SVG, an HTML report) never runs script in the page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from domino_flows.core.errors import DominoFlowsError
from domino_flows.records.store import ArtifactRecord, RunStore
from domino_flows.ui import preview, render
from domino_flows.ui.lineage import lineage_page
from domino_flows.ui.logs import log_tail
from domino_flows.ui.model import UnknownRunError, find_run, project_of, run_view, runs_list

# Pages load only their own script and stylesheet; images may be inline (data:) or downloads.
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'self'"
)
_HEADERS = {"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"}


class BadRequest(DominoFlowsError):
    """A page was asked for without a parameter it needs."""


def create_app(store_path: Path, refresh_ms: int = render.REFRESH_MS) -> Starlette:
    """The app over the run store at ``store_path`` (which may not exist yet: no runs); pages of
    running runs refresh every ``refresh_ms``."""

    def store() -> RunStore:
        return RunStore(store_path, create=False)

    def page(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            try:
                return handler(request)
            except UnknownRunError as error:
                return _html(render.error_page("No such run", str(error)), 404)
            except BadRequest as error:
                return _html(render.error_page("Incomplete address", str(error)), 400)
            except DominoFlowsError as error:  # a damaged or locked store: say which and why
                return _html(render.error_page("The run store cannot be read", str(error)), 500)

        return endpoint

    def runs(request: Request) -> Response:
        flow = request.query_params.get("flow", "")
        state = request.query_params.get("state", "")
        number = request.query_params.get("page", "1")
        current = store()
        listed = runs_list(current, flow, state, int(number) if number.isdigit() else 1)
        return _html(render.runs_page(listed, flow, state, current))

    def run(request: Request) -> Response:
        current = store()
        view = run_view(current, _param(request, "id"))
        return _html(render.run_page(current, view, refresh_ms=refresh_ms))

    def state(request: Request) -> Response:
        view = run_view(store(), _param(request, "id"))
        return JSONResponse(render.state_document(view), headers={"Cache-Control": "no-store"})

    def panel(request: Request) -> Response:
        current = store()
        view = run_view(current, _param(request, "id"))
        path = _param(request, "node")
        node = view.node(path)
        if node is None:
            raise UnknownRunError(f"run {view.run['run_id']} has no node {path!r}.")
        return _html(render.panel(current, view, node))

    def log(request: Request) -> Response:
        current = store()
        run_id, task = _param(request, "id"), _param(request, "task")
        run_ = find_run(current, run_id)
        number = request.query_params.get("attempt", "")
        attempts = [
            a
            for a in current.attempts(run_id)
            if a.task == task and (not number or str(a.attempt) == number)
        ]
        if not attempts:
            raise UnknownRunError(f"run {run_id} has no attempt {number or ''} of task {task!r}.")
        last = attempts[-1]
        tail = log_tail(project_of(current), run_["backend"], last)
        document = {
            "text": tail.text,
            "note": tail.note,
            "url": tail.url,
            "running": last.finished_at is None,
        }
        return JSONResponse(document, headers={"Cache-Control": "no-store"})

    def artifacts(request: Request) -> Response:
        current = store()
        run_filter = request.query_params.get("id", "")
        if run_filter:
            find_run(current, run_filter)
        order = {r["run_id"]: i for i, r in enumerate(current.runs())}
        listed = current.artifacts(run_filter or None)
        listed.sort(key=lambda a: -order.get(a.run_id, -1))
        return _html(render.artifacts_page(listed, run_filter))

    def artifact(request: Request) -> Response:
        found = _artifact(store(), request)
        return _html(render.artifact_page(found, preview.preview(found)))

    def download(request: Request) -> Response:
        found = _artifact(store(), request)
        path = preview.artifact_file(found)
        if not path.is_file():
            raise UnknownRunError(preview.preview(found).note)
        return FileResponse(
            path,
            media_type=preview.media_type(found),
            filename=found.file_name or path.name,
            content_disposition_type="inline"
            if request.query_params.get("inline")
            else "attachment",
            headers={"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"},
        )

    def lineage(request: Request) -> Response:
        run_filter = request.query_params.get("run", "")
        current = store()
        if run_filter:
            find_run(current, run_filter)
        return _html(render.lineage_page(lineage_page(current, run_filter)))

    routes = [
        Route("/", page(runs)),
        Route("/run", page(run)),
        Route("/state", page(state)),
        Route("/panel", page(panel)),
        Route("/log", page(log)),
        Route("/artifacts", page(artifacts)),
        Route("/artifact", page(artifact)),
        Route("/download", page(download)),
        Route("/lineage", page(lineage)),
        Mount("/static", StaticFiles(packages=[("domino_flows.ui", "static")]), name="static"),
    ]
    return Starlette(routes=routes)


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=_HEADERS)


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name, "")
    if not value:
        raise BadRequest(f"this page needs ?{name}=...; start from the runs page.")
    return value


def _artifact(store: RunStore, request: Request) -> ArtifactRecord:
    run_id, task, output = _param(request, "id"), _param(request, "task"), _param(request, "output")
    find_run(store, run_id)
    for record in store.artifacts(run_id):
        if record.task == task and record.output == output:
            return record
    raise UnknownRunError(f"run {run_id} has no artifact from task {task!r} output {output!r}.")
