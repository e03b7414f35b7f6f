"""Lineage beyond the laptop: every recorded OpenLineage event, also sent through
openlineage-python's own transports when they are configured.

Configuration is OpenLineage's standard one, first match wins:

1. ``OPENLINEAGE_DISABLED=true``: nothing is sent.
2. The standard sources openlineage-python reads: ``OPENLINEAGE_CONFIG`` or an ``openlineage.yml``
   in the current folder or ``~/.openlineage/``, ``OPENLINEAGE__TRANSPORT__*`` variables, or
   ``OPENLINEAGE_URL`` (with ``OPENLINEAGE_ENDPOINT`` and ``OPENLINEAGE_API_KEY``). So Marquez,
   DataHub or any HTTP, file, Kafka ... consumer receives the events.
3. The project's ``[tool.domino_flows.lineage]``: ``url = "http://marquez:5000"`` (an HTTP
   transport), or ``transport = { type = "file", log_file_path = "lineage.jsonl" }`` (any
   transport's settings). Credentials never go there: give them through the environment
   (``OPENLINEAGE_API_KEY``, ``OPENLINEAGE__TRANSPORT__AUTH__API_KEY``).

With nothing configured the events stay in the run store only, as before (openlineage-python's
fallback of printing events to the console is not used). The events sent are the ones recorded,
credentials already masked. A consumer that cannot be reached does not fail the run: the failure
is logged once as a warning naming the transport, and this process sends no more events through
it (each attempt would wait out the transport's retries); they stay in the run store.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domino_flows.core.errors import ConfigurationError

if TYPE_CHECKING:
    from domino_flows.core.project import ProjectSettings

logger = logging.getLogger(__name__)

STANDARD_VARIABLES = ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG")
STANDARD_PREFIX = "OPENLINEAGE__"

# Transports that failed in this process. Module state on purpose: every run store of the process
# shares the consumer, and retrying a dead one per event would stall runs.
_FAILED: set[str] = set()


def standard_configuration(environ: dict[str, str] | None = None) -> bool:
    """Whether openlineage-python's own configuration sources say where to send events."""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in STANDARD_VARIABLES):
        return True
    if any(name.startswith(STANDARD_PREFIX) for name in env):
        return True
    return any(_readable_file(path) for path in _config_files())


def _config_files() -> tuple[str, ...]:
    """Where openlineage-python looks for an ``openlineage.yml`` besides ``OPENLINEAGE_CONFIG``:
    the working folder, then ``~/.openlineage`` (its client's ``_find_yaml_config_path``; a test
    keeps the two in step). Looked for here, not through that client, which costs a tenth of a
    second to import."""
    return (
        os.path.join(os.getcwd(), "openlineage.yml"),
        os.path.join(os.path.expanduser("~/.openlineage"), "openlineage.yml"),
    )


def _readable_file(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.R_OK)


def project_transport(table: dict[str, Any], where: str) -> dict[str, Any] | None:
    """The transport settings of ``[tool.domino_flows.lineage]``, or None when absent."""
    if not table:
        return None
    url, transport = table.get("url"), table.get("transport")
    unknown = sorted(set(table) - {"url", "transport"})
    if unknown or (url is None) == (transport is None):
        raise ConfigurationError(
            f"{where}: [tool.domino_flows.lineage] takes either url = 'http://host:5000' or "
            "transport = { type = 'http' | 'file' | 'kafka' | ..., ... } (OpenLineage's "
            f"transport settings){'; unknown: ' + ', '.join(unknown) if unknown else ''}."
        )
    if url is not None:
        if not isinstance(url, str) or "://" not in url:
            raise ConfigurationError(
                f"{where}: [tool.domino_flows.lineage] url = {url!r}; give the consumer's base "
                "URL, e.g. 'http://localhost:5000'."
            )
        return {"type": "http", "url": url}
    if not isinstance(transport, dict) or not isinstance(transport.get("type"), str):
        raise ConfigurationError(
            f"{where}: [tool.domino_flows.lineage] transport must be a table with a type, e.g. "
            "transport = { type = 'file', log_file_path = 'lineage.jsonl' }."
        )
    return dict(transport)


class LineageEmitter:
    """Sends recorded events through one OpenLineage client, or nowhere."""

    def __init__(self, client: Any = None) -> None:
        self.client = client

    @classmethod
    def for_project(cls, project_root: Path | None) -> LineageEmitter:
        """The emitter OpenLineage's configuration, else the project's pyproject.toml, asks for."""
        return cls._configured(lambda: _project_settings(project_root))

    @classmethod
    def for_settings(cls, settings: ProjectSettings) -> LineageEmitter:
        """As ``for_project``, from settings already loaded (a run reads them once)."""
        return cls._configured(lambda: settings)

    @classmethod
    def _configured(cls, settings: Callable[[], ProjectSettings | None]) -> LineageEmitter:
        # openlineage-python (its client, transports and their HTTP stacks: about a tenth of a
        # second) is imported only when a transport is configured
        if os.environ.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true":
            return cls(None)
        if standard_configuration():
            from openlineage.client.client import OpenLineageClient

            return cls(OpenLineageClient())
        chosen = settings()
        if chosen is None or chosen.pyproject is None:
            return cls(None)
        transport = project_transport(chosen.lineage, str(chosen.pyproject))
        if transport is None:
            return cls(None)
        from openlineage.client.client import OpenLineageClient

        return cls(OpenLineageClient(config={"transport": transport}))

    @property
    def enabled(self) -> bool:
        return self.client is not None

    @property
    def _label(self) -> str:
        transport = self.client.transport
        config = getattr(transport, "config", None)
        return f"{getattr(transport, 'kind', 'configured')} {getattr(config, 'url', '')}".strip()

    def emit(self, event_json: str) -> None:
        if self.client is None or self._label in _FAILED:
            return
        try:
            event = event_from_json(event_json)
        except (KeyError, TypeError, ValueError) as error:  # not an OpenLineage run event
            logger.debug("not sent: the recorded event is not an OpenLineage run event (%s)", error)
            return
        try:
            self.client.emit(event)
        except (OSError, RuntimeError, ValueError) as error:  # transports' own failures
            _FAILED.add(self._label)
            logger.warning(
                "lineage event not sent through the %s transport: %s. This process sends no "
                "more events there; the run goes on and its events stay in the run store.",
                self._label,
                error,
            )


def _project_settings(project_root: Path | None) -> ProjectSettings | None:
    from domino_flows.core.project import find_pyproject, load_settings

    if project_root is None or find_pyproject(project_root) is None:
        return None
    return load_settings(project_root)


def event_from_json(event_json: str) -> Any:
    """A recorded event (OpenLineage JSON) as the ``RunEvent`` openlineage-python's transports
    take; facets stay as they were recorded (JSON objects with ``_producer`` and
    ``_schemaURL``)."""
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent
    from openlineage.client.event_v2 import RunState as State

    data = json.loads(event_json)

    def datasets(kind: type, items: list[dict[str, Any]]) -> list[Any]:
        return [
            kind(namespace=d["namespace"], name=d["name"], facets=d.get("facets") or {})
            for d in items
        ]

    return RunEvent(
        eventType=State(data["eventType"]),
        eventTime=data["eventTime"],
        run=Run(runId=data["run"]["runId"], facets=data["run"].get("facets") or {}),
        job=Job(
            namespace=data["job"]["namespace"],
            name=data["job"]["name"],
            facets=data["job"].get("facets") or {},
        ),
        producer=data["producer"],
        inputs=datasets(InputDataset, data.get("inputs") or []),
        outputs=datasets(OutputDataset, data.get("outputs") or []),
    )
