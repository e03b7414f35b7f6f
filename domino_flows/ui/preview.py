"""Previews of artifacts: text, CSV, Markdown, JSON and images; anything else is offered for
download only.

Only files the run store lists as artifacts are ever read (pages name an artifact by run, task and
output, never by path). Text is read up to a limit and passes through ``redact``, as every page
does; Markdown is rendered with raw HTML turned off, so an artifact cannot put script on a page.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from domino_flows.core.redaction import redact
from domino_flows.records.store import ArtifactRecord

TEXT_LIMIT = 256 * 1024  # bytes of a text artifact shown
CSV_ROWS = 50
IMAGE_LIMIT = 5 * 1024 * 1024  # larger images are not embedded in a report
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}
TEXTS = {".txt", ".log", ".py", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".sql", ".html", ".xml"}


@dataclass
class Preview:
    kind: str  # text, csv, markdown, json, image, none, missing
    text: str = ""  # text and json: the (pretty) text; markdown: rendered HTML
    rows: list[list[str]] = field(default_factory=list)  # csv: header first
    truncated: bool = False
    size: int = 0
    media_type: str = "application/octet-stream"
    note: str = ""


def artifact_file(artifact: ArtifactRecord) -> Path:
    return Path(artifact.path)


def media_type(artifact: ArtifactRecord) -> str:
    guessed, _ = mimetypes.guess_type(artifact.file_name or artifact.path)
    return guessed or "application/octet-stream"


def preview(artifact: ArtifactRecord) -> Preview:
    path = artifact_file(artifact)
    if not path.is_file():
        return Preview(
            "missing",
            note=f"the file is gone from {path} (moved or cleaned up since the run); the run "
            "store still lists it",
        )
    size = path.stat().st_size
    suffix = Path(artifact.file_name or path.name).suffix.lower()
    kind_media = media_type(artifact)
    if suffix in IMAGES:
        return Preview("image", size=size, media_type=kind_media)
    with path.open("rb") as handle:
        head = handle.read(TEXT_LIMIT + 1)
    truncated = len(head) > TEXT_LIMIT
    try:
        text = head[:TEXT_LIMIT].decode("utf-8")
    except UnicodeDecodeError as error:
        if not truncated or error.start < TEXT_LIMIT - 4:  # not a character cut at the limit
            return Preview("none", size=size, media_type=kind_media, note="binary file")
        text = head[: error.start].decode("utf-8")
    text = redact(text) or ""
    if suffix in (".csv", ".tsv"):
        return _csv(text, suffix, size, truncated, kind_media)
    if suffix == ".md":
        return Preview("markdown", _markdown(text), size=size, truncated=truncated)
    if suffix == ".json" and not truncated:
        try:
            pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return Preview("text", text, size=size, note="not valid JSON; shown as text")
        return Preview("json", pretty, size=size, media_type=kind_media)
    return Preview("text", text, size=size, truncated=truncated, media_type=kind_media)


def _csv(text: str, suffix: str, size: int, truncated: bool, kind_media: str) -> Preview:
    reader = csv.reader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(rows) > CSV_ROWS:
                truncated = True
                break
            rows.append(row)
    except csv.Error:
        return Preview("text", text, size=size, truncated=truncated, note="not valid CSV")
    return Preview("csv", rows=rows, size=size, truncated=truncated, media_type=kind_media)


def _markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text)


def image_data_uri(artifact: ArtifactRecord) -> str:
    """The image as a ``data:`` URI for a self-contained report; empty when it is too large."""
    path = artifact_file(artifact)
    if not path.is_file() or path.stat().st_size > IMAGE_LIMIT:
        return ""
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{media_type(artifact)};base64,{encoded}"
