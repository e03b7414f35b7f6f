"""``DominoJobTask``: a flytekit task that runs as a Domino Job.

The task holds a :class:`~domino_flows.authoring.config.DominoJobConfig` and a typed interface. It
serializes with ``task_type = "domino_job"`` and the config as camelCase JSON in ``custom`` (what
Domino Flows reads); run outside Domino, flytekit hands it to the ``domino_job`` connector, which
starts it on the selected backend.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
from typing import Any

from flytekit.configuration import SerializationSettings
from flytekit.core.base_task import PythonTask, TaskMetadata
from flytekit.core.interface import Interface, transform_interface_to_typed_interface
from flytekit.extend.backend.base_connector import AsyncConnectorExecutorMixin
from flytekit.models import interface as interface_models

from domino_flows import file
from domino_flows.authoring import outputs
from domino_flows.authoring.config import DEFAULT_TIMEOUT, TASK_TYPE, DominoJobConfig
from domino_flows.contract import formats
from domino_flows.contract import kinds as contract
from domino_flows.core.errors import ContractError, TaskDefinitionError


class DominoJobTask(AsyncConnectorExecutorMixin, PythonTask[DominoJobConfig]):
    """A task whose body is a Domino Job running ``domino_job_config.Command``.

    ``inputs`` and ``outputs`` map names to types. Inputs reach the job as files under
    ``/workflow/inputs``; the job writes each output to ``/workflow/outputs/<name>``. Outputs can
    only be primitives, files and directories, as in Domino Flows.
    """

    _TASK_TYPE = TASK_TYPE

    def __init__(
        self,
        name: str,
        domino_job_config: DominoJobConfig,
        inputs: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
        use_latest: bool = False,
        cache: bool | Any = False,
        cache_version: str = "",
        cache_serialize: bool = False,
        cache_ignore_input_vars: tuple[str, ...] = (),
        retries: int = 0,
        timeout: _dt.timedelta | None = DEFAULT_TIMEOUT,
        use_project_defaults_for_omitted: bool = False,
        input_paths: dict[str, str] | None = None,
        output_paths: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise TaskDefinitionError("DominoJobTask needs a non-empty name.")
        if not isinstance(domino_job_config, DominoJobConfig):
            raise TaskDefinitionError(
                f"task {name!r}: domino_job_config must be a DominoJobConfig, "
                f"not {type(domino_job_config).__name__}."
            )
        domino_job_config.validate(name)
        # the official plugin's arguments, kept with the job's other settings in its config
        if use_latest and not domino_job_config.UseLatest:
            domino_job_config = domino_job_config.replace(UseLatest=True)
        if use_project_defaults_for_omitted and not domino_job_config.UseProjectDefaultsForOmitted:
            domino_job_config = domino_job_config.replace(UseProjectDefaultsForOmitted=True)
        cache, cache_version, cache_serialize, cache_ignore_input_vars, salt = _cache_settings(
            name, cache, cache_version, cache_serialize, cache_ignore_input_vars
        )
        inputs = _with_paths(name, "input", dict(inputs or {}), input_paths)
        outputs = _with_paths(name, "output", dict(outputs or {}), output_paths)
        check_interface(name, inputs, outputs)
        if retries < 0:
            raise TaskDefinitionError(f"task {name!r}: retries is {retries}; use 0 or more.")
        if cache and not cache_version and salt is None:
            raise TaskDefinitionError(
                f"task {name!r}: cache=True needs a cache_version, e.g. cache_version='1'; bump "
                "it when the task's code changes so stale results are not reused."
            )
        for variable in cache_ignore_input_vars:
            if variable not in inputs:
                raise TaskDefinitionError(
                    f"task {name!r}: cache_ignore_input_vars names {variable!r}, which is not an "
                    f"input; inputs are {', '.join(inputs) or 'none'}."
                )
        self._config = domino_job_config
        self._user_cache_version = cache_version
        interface = Interface(inputs=inputs, outputs=outputs)
        metadata = TaskMetadata(
            cache=cache,
            cache_serialize=cache_serialize,
            cache_version=domino_cache_version(cache_version, domino_job_config, interface, salt)
            if cache
            else cache_version,
            cache_ignore_input_vars=tuple(cache_ignore_input_vars),
            retries=retries,
            timeout=timeout,
        )
        super().__init__(
            name=name,
            task_type=TASK_TYPE,
            task_config=domino_job_config,
            interface=interface,
            metadata=metadata,
            **kwargs,
        )

    @property
    def domino_job_config(self) -> DominoJobConfig:
        return self._config

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # in a workflow: outputs readable as Domino's flows read them
        # (domino_flows.authoring.outputs)
        result = super().__call__(*args, **kwargs)
        return outputs.task_result(self.name, tuple(self.python_interface.outputs), result)

    @property
    def input_paths(self) -> dict[str, str]:
        """Custom paths of inputs (``PathConfig``, ``Input(path=...)``), by input name."""
        return file.paths_of(self.python_interface.inputs)

    @property
    def output_paths(self) -> dict[str, str]:
        """Custom paths of outputs (``PathConfig``, ``Output(path=...)``), by output name."""
        return file.paths_of(self.python_interface.outputs)

    def get_custom(self, settings: SerializationSettings) -> dict[str, Any]:
        custom = self._config.to_custom()
        typed = transform_interface_to_typed_interface(self.python_interface)
        if typed.inputs:
            variables = interface_models.VariableMap(typed.inputs).to_flyte_idl()
            custom["inputInterfaceBase64"] = _b64(variables.SerializeToString(deterministic=True))
        if typed.outputs:
            custom["inputOutputInterfaceBase64"] = _b64(
                typed.to_flyte_idl().SerializeToString(deterministic=True)
            )
        return custom


def _with_paths(
    task: str, what: str, variables: dict[str, Any], paths: dict[str, str] | None
) -> dict[str, Any]:
    """Declared types with their custom paths in the one form that is serialized: the
    ``input_paths``/``output_paths`` arguments and ``PathConfig`` annotations alike."""
    out = {}
    for name, declared in variables.items():
        default = None
        if isinstance(declared, tuple):  # (type, default), as flytekit's Interface takes inputs
            declared, default = declared
        if paths and name in paths:
            declared = file.with_path(declared, paths[name])
        declared = file.folded(task, what, name, declared)
        out[name] = (declared, default) if default is not None else declared
    unknown = sorted(set(paths or {}) - set(variables))
    if unknown:
        raise TaskDefinitionError(
            f"task {task!r}: {what}_paths names {unknown[0]!r}, which is not an {what}; "
            f"{what}s are {', '.join(variables) or 'none'}."
        )
    return out


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_interface(task: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
    """Refuse, at definition time, names and types the Domino contract cannot carry."""
    for kind_label, variables, allowed in (
        ("input", inputs, contract.INPUT_KINDS),
        ("output", outputs, contract.OUTPUT_KINDS),
    ):
        for variable, declared in variables.items():
            # inputs may be (type, default) pairs, as flytekit's Interface takes them
            python_type = declared[0] if isinstance(declared, tuple) else declared
            try:
                formats.check_name(variable, kind_label)
            except formats.FormatError as error:
                raise TaskDefinitionError(f"task {task!r}: {error}") from None
            try:
                kind = contract.kind_of(python_type)
            except ContractError as error:
                raise TaskDefinitionError(
                    f"task {task!r}: {kind_label} {variable!r}: {error}."
                ) from None
            if kind not in allowed:
                raise TaskDefinitionError(
                    f"task {task!r}: output {variable!r} is a {contract.describe(python_type)}; "
                    "Domino Flows outputs can only be primitives (str, int, float, bool, datetime, "
                    "timedelta), FlyteFile or FlyteDirectory. Write the data to a file and declare "
                    "the output as FlyteFile (e.g. JSON for a dict or list)."
                )


def _cache_settings(
    task: str,
    cache: Any,
    version: str,
    serialize: bool,
    ignored: tuple[str, ...],
) -> tuple[bool, str, bool, tuple[str, ...], str | None]:
    """``cache=True`` with ``cache_version=...``, or flytekit's ``Cache(version=..., serialize=...,
    ignored_inputs=..., salt=...)`` object as the official plugin takes it.

    Returns (cache, version, serialize, ignored inputs, salt); salt is None for the boolean form.
    flytekit's ``Cache`` has a version or policies; policies version a Python function's body,
    which a job task does not have, so they are refused.
    """
    from flytekit.core.cache import Cache

    if isinstance(cache, Cache):
        if version:
            raise TaskDefinitionError(
                f"task {task!r}: give the cache version once, either Cache(version=...) or "
                "cache_version=..., not both."
            )
        if cache.policies:
            raise TaskDefinitionError(
                f"task {task!r}: Cache(policies=...) versions a Python function's body; a "
                "Domino job task has none. Give Cache(version='1') (or a salt) instead."
            )
        names = (cache.ignored_inputs,) if isinstance(cache.ignored_inputs, str) else ()
        return (
            True,
            cache.version or "",
            cache.serialize or serialize,
            tuple(names or cache.ignored_inputs) or ignored,
            cache.salt or "",
        )
    if not isinstance(cache, bool):
        raise TaskDefinitionError(
            f"task {task!r}: cache is {cache!r}; give True/False or flytekit's Cache(version=...)."
        )
    return cache, version, serialize, ignored, None


def domino_cache_version(
    cache_version: str, config: DominoJobConfig, interface: Interface, salt: str | None = None
) -> str:
    """Domino's cache version: the user's version, every job-config field that changes what the job
    computes (not its title, volume size, hardware tier or cluster sizing), and the interface's
    names and types. Changing any of them misses the cache; moving to a bigger tier does not."""
    from flytekit.core.type_engine import TypeEngine

    def types(variables: dict[str, Any]) -> dict[str, str]:
        return {
            name: _b64(
                TypeEngine.to_literal_type(t).to_flyte_idl().SerializeToString(deterministic=True)
            )
            for name, t in variables.items()
        }

    material: dict[str, Any] = {
        "cache_version": cache_version,
        "config": config.cache_fields(),
        "inputs": types(interface.inputs),
        "outputs": types(interface.outputs),
    }
    if salt:  # only when given, so versions computed before salts existed stay the same
        material["salt"] = salt
    digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
    return f"{cache_version}-{digest[:16]}"
