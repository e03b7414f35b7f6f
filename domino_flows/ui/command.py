"""``domino-flows ui`` and ``domino-flows report RUN --html FILE``.

Both need the ``[ui]`` extra (Jinja2 for the pages; Starlette and uvicorn to serve them): when it
is missing they say how to install it. Neither needs a Domino connection, and neither writes the
run store.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import socket
import tempfile
from pathlib import Path

import rich_click as click

from domino_flows.core.errors import ConfigurationError, DominoFlowsError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8888
SERVING = ("starlette", "uvicorn", "jinja2", "markdown_it")
REPORTING = ("jinja2", "markdown_it")


def require_extra(command: str, modules: tuple[str, ...]) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigurationError(
            f"domino-flows {command} needs the ui extra, which is not installed (missing: "
            f"{', '.join(missing)}): pip install 'domino-flows[ui]'"
        )


def _fail(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)
    raise SystemExit(2)


def _store_path() -> Path:
    from domino_flows.core.paths import STORE_FILE, default_project_root, state_dir

    return state_dir(default_project_root()) / STORE_FILE


def check_port(host: str, port: int) -> None:
    """Fail now, in one line, when the address cannot be served (uvicorn would log a traceback)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            reason = f"port {port} is already in use on {host}"
        else:
            reason = f"{host}:{port} cannot be served ({error.strerror or error})"
        raise ConfigurationError(
            f"{reason}: choose another with --port (and --host), or stop what uses it."
        ) from None


@click.command("ui")
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on; 0.0.0.0 to serve it as a Domino App.",
)
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
def ui_command(host: str, port: int) -> None:
    """Browse runs, their live DAG, task logs, artifacts and lineage in a web page.

    Reads this project's run store (.domino-flows/runs.sqlite) only; runs in progress refresh
    themselves. As a Domino App: domino-flows ui --host 0.0.0.0 --port 8888
    """
    try:
        require_extra("ui", SERVING)
        check_port(host, port)
    except DominoFlowsError as error:
        _fail(error)
    import uvicorn

    from domino_flows.ui.app import create_app

    store = _store_path()
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    click.echo(f"domino-flows ui: runs of {store.parent.parent} at http://{shown}:{port}/")
    click.echo("Ctrl-C stops it.")
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")


@click.command("report")
@click.argument("run_id")
@click.option(
    "--html",
    "html_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the run page to this file: one self-contained HTML file.",
)
def report_command(run_id: str, html_file: Path) -> None:
    """Write a run's page (DAG, tasks, logs, artifact previews) as one HTML file.

    The file needs no server and no network: open it in a browser, attach it to a review, or
    keep it as a REPORT artifact.
    """
    try:
        require_extra("report", REPORTING)
        from domino_flows.records.store import RunStore
        from domino_flows.ui.model import run_view
        from domino_flows.ui.render import run_page

        store = RunStore(_store_path(), create=False)
        text = run_page(store, run_view(store, run_id), embed=True)
        write_whole(html_file, text)
    except DominoFlowsError as error:
        _fail(error)
    click.echo(f"wrote {html_file} (run {run_id}); open it in a browser, no server needed")


def write_whole(path: Path, text: str) -> None:
    """Write ``path`` all at once: a failure leaves no half-written file behind."""
    folder = path.resolve().parent
    if not folder.is_dir():
        raise ConfigurationError(
            f"cannot write {path}: the folder {folder} does not exist; create it or choose "
            "another --html path."
        )
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as error:
        raise ConfigurationError(
            f"cannot write {path}: {error.strerror or error} in {folder}; choose another "
            "--html path."
        ) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)  # mkstemp makes the file private; give it a new file's usual mode
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ConfigurationError(
            f"cannot write {path}: {error.strerror or error}; nothing was written."
        ) from None
