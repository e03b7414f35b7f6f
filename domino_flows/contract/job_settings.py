"""The one job-settings model: how each field of a Domino job is spelled, carried and digested.

Every job field is declared once, as a field of
:class:`~domino_flows.authoring.config.DominoJobConfig` made with :func:`setting`. The declaration
says everything the kit does with the field:

- its official PascalCase name (the dataclass field, as in Domino's own plugin);
- the kit's snake_case keyword, which ``@domino_task`` and ``run_domino_job_task`` both take;
- the other spellings those two accept (Domino's helper's ``hardware_tier_name=``, the kit's
  earlier ``external_volume_mounts=``), each translated here, once, to the field;
- its camelCase key in the task template's ``custom`` and how its value is written and read there
  (``to_custom``/``from_custom``, which backends and ``submit`` read);
- whether a change of it misses the cache (Domino's rule: title, disk and tier do not);
- which properties of Domino's job start request (``StartJobRequest``, ``POST /v4/jobs/start``)
  it fills, or why that request cannot carry it (``start``/``unsent``, read by the domino
  backend's ``domino_start``); what submit registers (``StartWorkflowJobRequest``) is ``custom``.

So the decorator, the helper, the custom codec, the cache digest and lint's keyword lists read
the same table, and a new job field is one field in ``config.py`` plus its tests.

Standard library only: the config, lint and the command line read it without flytekit.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from domino_flows.core.errors import TaskDefinitionError

METADATA = "domino_flows.setting"


def _same(value: Any) -> Any:
    return value


def is_set(value: Any) -> bool:
    """Only fields that are set appear in ``custom``, as in Domino's own plugin (a switch that
    is off is not set)."""
    return value is not None and value is not False and value != "" and value != []


@dataclass(frozen=True)
class Setting:
    """How one job field is spelled and carried (see the module's docstring)."""

    custom_key: str
    keyword: str | None = None
    # other accepted keywords, each with what turns its value into the field's (None: as is)
    aliases: Mapping[str, Callable[[Any], Any] | None] = dataclasses.field(default_factory=dict)
    encode: Callable[[Any], Any] = _same
    decode: Callable[[Any], Any] = _same
    cache_neutral: bool = False
    # the kit's own key, which Domino's plugin does not write: the backend or submit resolves it
    addition: bool = False
    # written even when empty (the command: Domino Flows reads it from every job task)
    always: bool = False
    # the StartJobRequest properties the field fills (names resolved to ids by the backend)
    start: tuple[str, ...] = ()
    # why StartJobRequest cannot carry the field (the backend then warns that it is not sent)
    unsent: str = ""


@dataclass(frozen=True)
class JobField:
    """A job field: its official name and its :class:`Setting`."""

    name: str
    setting: Setting

    @property
    def keywords(self) -> tuple[str, ...]:
        """Every keyword the kit's functions take for this field, the kit's own first."""
        own = (self.setting.keyword,) if self.setting.keyword else ()
        return own + tuple(self.setting.aliases)


def setting(
    custom_key: str,
    *,
    keyword: str | None = None,
    aliases: Mapping[str, Callable[[Any], Any] | None] | None = None,
    encode: Callable[[Any], Any] = _same,
    decode: Callable[[Any], Any] = _same,
    cache_neutral: bool = False,
    addition: bool = False,
    always: bool = False,
    start: tuple[str, ...] = (),
    unsent: str = "",
    default: Any = None,
    default_factory: Callable[[], Any] | None = None,
) -> Any:
    """A dataclass field that is a job setting (used in ``DominoJobConfig``'s body)."""
    described = Setting(
        custom_key,
        keyword,
        dict(aliases or {}),
        encode,
        decode,
        cache_neutral,
        addition,
        always,
        tuple(start),
        unsent,
    )
    metadata = {METADATA: described}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def job_fields(config_type: type) -> tuple[JobField, ...]:
    """The job fields of a config class, in declaration order (the order ``custom`` keeps);
    read once per class (every job's settings are written through them)."""
    known = _FIELDS.get(config_type)
    if known is None:
        known = _FIELDS[config_type] = tuple(
            JobField(f.name, f.metadata[METADATA])
            for f in dataclasses.fields(config_type)
            if METADATA in f.metadata
        )
    return known


_FIELDS: dict[type, tuple[JobField, ...]] = {}


def to_custom(config: Any) -> dict[str, Any]:
    """The fields that are set, by ``custom`` key, written as Domino Flows reads them."""
    out: dict[str, Any] = {}
    for job_field in job_fields(type(config)):
        value = getattr(config, job_field.name)
        if job_field.setting.always or is_set(value):
            out[job_field.setting.custom_key] = job_field.setting.encode(value)
    return out


def from_custom(config_type: type, custom: Mapping[str, Any]) -> dict[str, Any]:
    """The config's keyword arguments read back from ``custom`` (absent keys keep defaults)."""
    return {
        job_field.name: job_field.setting.decode(custom[job_field.setting.custom_key])
        for job_field in job_fields(config_type)
        if custom.get(job_field.setting.custom_key) is not None
    }


def cache_neutral_keys(config_type: type) -> frozenset[str]:
    return frozenset(
        f.setting.custom_key for f in job_fields(config_type) if f.setting.cache_neutral
    )


def additions(config_type: type) -> tuple[str, ...]:
    """The kit's own ``custom`` keys among the config's (Domino's plugin writes none of them)."""
    return tuple(f.setting.custom_key for f in job_fields(config_type) if f.setting.addition)


def keywords(config_type: type) -> frozenset[str]:
    """Every job-setting keyword ``@domino_task`` and ``run_domino_job_task`` take."""
    return frozenset(k for f in job_fields(config_type) for k in f.keywords)


def _by_keyword(config_type: type) -> Iterator[tuple[str, JobField, Callable[[Any], Any] | None]]:
    for job_field in job_fields(config_type):
        if job_field.setting.keyword:
            yield job_field.setting.keyword, job_field, None
        for alias, convert in job_field.setting.aliases.items():
            yield alias, job_field, convert


def from_keywords(
    config_type: type,
    task: str,
    function: str,
    given: Mapping[str, Any],
    options: Collection[str] = (),
) -> dict[str, Any]:
    """The config's keyword arguments for the job settings a call gave by keyword.

    Settings left at None are omitted. Raises :class:`TaskDefinitionError` naming the task and
    the keyword for a keyword no field takes, and for one field given under two spellings.
    ``options`` are the function's other keywords (taken out of ``given`` already), named in
    the error when one of them is the closest.
    """
    table = {
        keyword: (job_field, convert) for keyword, job_field, convert in _by_keyword(config_type)
    }
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for keyword, value in given.items():
        if keyword not in table:
            close = difflib.get_close_matches(keyword, sorted({*table, *options}), n=1)
            hint = f"did you mean {close[0]}=? " if close else ""
            others = f"; its other options are {', '.join(sorted(options))}" if options else ""
            raise TaskDefinitionError(
                f"task {task!r}: {function}() takes no keyword {keyword}=; {hint}its job "
                f"settings are {', '.join(sorted(table))}{others}."
            )
        if value is None:
            continue
        job_field, convert = table[keyword]
        if job_field.name in spelled:
            raise TaskDefinitionError(
                f"task {task!r}: {function}() gives {job_field.name} twice, as "
                f"{spelled[job_field.name]}= and {keyword}=; keep one of them."
            )
        spelled[job_field.name] = keyword
        out[job_field.name] = convert(value) if convert is not None else value
    return out


def settings_text(config_type: type, custom: Mapping[str, Any]) -> str:
    """Job settings read from ``custom`` as users write them: each by the kit's keyword (or its
    key, for a field no keyword sets), in declaration order; a text value as it is, others as
    compact JSON."""
    parts = []
    for job_field in job_fields(config_type):
        key = job_field.setting.custom_key
        if key not in custom:
            continue
        value = custom[key]
        shown = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        parts.append(f"{job_field.setting.keyword or key}={shown}")
    return ", ".join(parts)
