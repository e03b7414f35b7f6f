"""``domino-flows submit FILE WORKFLOW``: check a flow and launch it on Domino Flows.

Exit status: 0 when the launch went through and, with ``--wait``, the run succeeded, and for a
dry run when a real submit would be accepted or only needs what Domino resolves at submit (names,
project defaults: listed as "resolved at submit" without credentials); 1 when preflight refused
the flow, the run failed, or a dry run found anything else a launch would refuse (its plan is
written all the same, so CI can gate on it); 2 for usage and configuration errors (no Flyte
endpoint, no project, Flyte refusing a registration).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rich_click as click

from domino_flows.core.errors import ConfigurationError, DominoFlowsError
from domino_flows.core.paths import STATE_DIR

DEFAULT_DOMAIN = "development"
PROJECT_VARIABLE = "DOMINO_PROJECT_ID"


@dataclass
class SubmitOptions:
    file: Path
    workflow: str
    inputs: list[str] = field(default_factory=list)
    name: str | None = None
    tags: list[str] = field(default_factory=list)
    domain: str = DEFAULT_DOMAIN
    project: str | None = None
    config_file: str | None = None
    wait: bool = False
    dry_run: bool = False
    allow_dirty: bool = False
    output_dir: Path | None = None


def _say(text: str, err: bool = False, color: str | None = None) -> None:
    click.echo(click.style(text, fg=color) if color else text, err=err)


def _show_checks(report: Any) -> None:
    colors = {"error": "red", "warning": "yellow", "pending": "cyan"}
    for level, line in report.lines():
        _say(line, err=True, color=colors[level])


def _parse_tags(tags: list[str]) -> list[str]:
    for tag in tags:
        key, sep, _ = tag.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--tag {tag!r}: write it as key=value, e.g. --tag team=ml")
    return list(tags)


def given_inputs(target: Any, assignments: dict[str, str]) -> dict[str, Any]:
    """The ``--input`` values, parsed by the workflow's declared types."""
    from domino_flows.runner.inputs import InputError, parse_text

    declared = target.workflow.python_interface.inputs
    fixed = target.launch_plan.fixed_inputs.literals or {}
    values = {}
    for name, text in assignments.items():
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise InputError(
                f"{target.workflow.name} has no input {name!r}; its inputs are {known}."
            )
        if name in fixed:
            raise InputError(
                f"input {name!r} is fixed by launch plan {target.launch_plan.name!r} and cannot be "
                "overridden; submit the workflow itself, or a launch plan that leaves it open."
            )
        values[name] = _remote_path(text, declared[name]) or parse_text(name, text, declared[name])
    return values


def _remote_path(text: str, python_type: Any) -> Any:
    """A file or directory input given by URI (``s3://...``): passed to Flyte as it is, where a
    local path would be uploaded."""
    from domino_flows.contract import values as contract

    if "://" not in text:
        return None
    base = contract.strip_annotated(python_type)
    try:
        kind = contract.kind_of(base)
    except DominoFlowsError:
        return None
    return base(text) if kind in ("file", "directory") else None


def missing_inputs(target: Any, given: dict[str, Any]) -> list[str]:
    """Required inputs of the executed launch plan that were not given."""
    parameters = target.launch_plan.parameters.parameters or {}
    return [name for name, p in parameters.items() if p.required and name not in given]


def submit(options: SubmitOptions) -> int:
    """The whole command; returns the exit status."""
    from domino_flows.authoring import serialize
    from domino_flows.authoring.loading import FlowLoadError
    from domino_flows.core.paths import project_of_file
    from domino_flows.core.project import load_settings
    from domino_flows.runner.inputs import InputError, parse_assignments
    from domino_flows.submit import attr_paths
    from domino_flows.submit import plan as plans
    from domino_flows.submit.git_state import git_checks
    from domino_flows.submit.preflight import (
        Report,
        domino_templates,
        lint_checks,
        redact_plan,
        scan_credentials,
        task_checks,
        validate_templates,
    )
    from domino_flows.submit.resolve import NameResolver, resolve_all

    tags = _parse_tags(options.tags)
    file = options.file
    root = project_of_file(file)  # the project run and lint take too
    report = Report()
    try:  # the same checks of [tool.domino_flows] as run's, misspelt keys warned of
        load_settings(root)
    except ConfigurationError as error:
        report.error("settings", str(error))
    report.extend(lint_checks(file))
    report.extend(git_checks(file, options.allow_dirty))

    try:
        target = plans.load_target(file, options.workflow)
    except (FlowLoadError, plans.SubmitError) as error:
        report.error("flow", str(error))
        _show_checks(report)
        return _refused(report, options.dry_run)

    given: dict[str, Any] = {}
    try:
        given = given_inputs(target, parse_assignments(list(options.inputs)))
    except InputError as error:
        report.error("inputs", str(error))
    missing = missing_inputs(target, given)
    if missing:
        needed = " ".join(f"--input {name}=VALUE" for name in missing)
        message = f"launch plan {target.launch_plan.name} needs input(s) {', '.join(missing)}"
        if options.dry_run:
            report.warning("inputs", f"{message}; a launch will need {needed}.")
        else:
            report.error("inputs", f"{message}: give {needed}.")

    resolver = NameResolver.from_environment(root)
    project = options.project or os.environ.get(PROJECT_VARIABLE)
    if not project and resolver.available:
        try:
            project = resolver.project_id()
        except DominoFlowsError as error:
            report.error("project", str(error))
    if not project:
        message = (
            "no Flyte project: Domino Flows' project is the Domino project id. Pass --project "
            f"or set {PROJECT_VARIABLE} (set for you inside Domino)"
        )
        if options.dry_run:
            report.warning("project", f"{message}; the dry run uses {serialize.DEFAULT_PROJECT!r}.")
            project = serialize.DEFAULT_PROJECT
        else:
            report.error("project", message + ".")
            project = serialize.DEFAULT_PROJECT

    from flytekit.exceptions.base import FlyteException

    try:
        first = plans.serialize_target(
            target, serialize.settings(project, options.domain, plans.PLACEHOLDER_VERSION)
        )
    except (FlyteException, DominoFlowsError, ValueError, TypeError) as error:
        report.error("serialization", f"{file}: flytekit could not serialize the flow: {error}")
        _show_checks(report)
        return _refused(report, options.dry_run)
    report.extend(task_checks(first.task_pairs(), str(file)))

    customs = {t.id.name: dict(t.custom or {}) for t in domino_templates(first.entities)}
    resolutions, checks = resolve_all(resolver, target.workflow.name, customs, options.dry_run)
    report.extend(checks)
    resolved_customs = {name: r.custom for name, r in resolutions.items()}
    version = plans.version_of(plans.with_customs(first, resolved_customs).entities)
    settings = serialize.settings(project, options.domain, version)
    final = plans.with_customs(plans.serialize_target(target, settings), resolved_customs)
    final.resolutions = resolutions
    report.extend(validate_templates(final.entities, require_ids=not options.dry_run))
    for problem in attr_paths.problems(final.entities):
        report.error("flow", problem)
    leaks = scan_credentials(final.entities)
    report.extend(leaks)

    _show_checks(report)
    lines = plans.render_plan(
        target, final, project=project, domain=options.domain, version=version, inputs=given
    )
    lines = [redact_plan(line) for line in lines]
    if options.dry_run:
        for line in lines:
            _say(line)
        if leaks:  # never copy a credential into more files
            _say("The serialized entities carry a credential, so they were not written.", err=True)
        else:
            folder = options.output_dir or plans.default_output_dir(root)
            written = plans.write_entities(final.entities, folder)
            (folder / "plan.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            _say(
                f"Wrote {len(written)} serialized entities (.pb and .json) and plan.txt to {folder}"
            )
        if not report.ok:
            _say(
                f"Dry run: a real submit would refuse this flow for the {len(report.errors)} "
                "error(s) above; nothing was registered.",
                err=True,
                color="red",
            )
            return 1
        if report.pending:
            _say(
                "Dry run: preflight passed; what is marked 'resolved at submit' is left to "
                "Domino, which needs credentials to answer; nothing was registered.",
                color="green",
            )
            return 0
        _say("Dry run: preflight passed; nothing was registered.", color="green")
        return 0
    if not report.ok:
        return _refused(report)
    for line in lines:
        _say(line)
    return _launch(options, target, final, settings, version, given, tags)


def _refused(report: Any, dry_run: bool = False) -> int:
    count = len(report.errors)
    if dry_run:  # no plan without a flow that loads and serializes: nothing to show, exit 1
        _say(
            f"Dry run: no plan, the flow does not load or serialize ({count} error(s) above); "
            "nothing was registered. Fix them and run the dry run again.",
            err=True,
            color="red",
        )
        return 1
    _say(
        f"submit refused: {count} error(s) above; nothing was registered. Fix them and run "
        "submit again (domino-flows submit --dry-run shows the plan).",
        err=True,
        color="red",
    )
    return 1


def _launch(
    options: SubmitOptions,
    target: Any,
    final: Any,
    settings: Any,
    version: str,
    given: dict[str, Any],
    tags: list[str],
) -> int:
    from flytekit.models.core.identifier import Identifier, ResourceType

    from domino_flows.submit import launch

    config = launch.flyte_config(options.config_file)
    remote = launch.make_remote(config, settings.project, settings.domain)
    _say(f"Registering {len(final.entities)} entities at version {version}")
    launch.register(remote, final.entities, settings, version, _say)
    launch_plan_id = Identifier(
        ResourceType.LAUNCH_PLAN,
        settings.project,
        settings.domain,
        target.launch_plan.name,
        version,
    )
    workflow_spec = final.workflow_spec(target.workflow.name)
    literals = launch.input_literals(remote, target.workflow, workflow_spec, given)
    started = launch.start_execution(remote, launch_plan_id, literals, name=options.name, tags=tags)
    _say(f"Execution {started.name}: {started.url}", color="green")
    if not options.wait:
        return 0
    _say("Following the execution (Ctrl-C stops following; the run goes on)")
    try:
        succeeded, text = launch.follow(
            remote.client,
            started.identifier,
            launch.node_labels(workflow_spec),
            _say,
            poll_seconds=launch.POLL_SECONDS,
        )
    except KeyboardInterrupt:
        _say(f"Stopped following; the execution goes on: {started.url}", err=True)
        return 130
    color = "green" if succeeded else "red"
    _say(f"Execution {started.name} {text}", err=not succeeded, color=color)
    return 0 if succeeded else 1


@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("workflow")
@click.option(
    "--input", "-i", "inputs", multiple=True, metavar="NAME=VALUE", help="A workflow input."
)
@click.option("--name", help="The execution's name (Flyte makes one up otherwise).")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Tag the execution.")
@click.option("--domain", default=DEFAULT_DOMAIN, show_default=True, help="Flyte domain.")
@click.option(
    "--project",
    help=f"Flyte project: the Domino project id (default: {PROJECT_VARIABLE}, or looked up "
    "through the Domino API).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="flytekit / flytectl configuration file with the Flyte endpoint.",
)
@click.option("--wait", is_flag=True, help="Follow the run and exit with its outcome.")
@click.option(
    "--dry-run", is_flag=True, help="Check, write the serialized entities and print the plan."
)
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="Launch even with uncommitted or unpushed changes (jobs run the pushed commit).",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Where --dry-run writes (default {STATE_DIR}/submit/<timestamp>/).",
)
def submit_command(
    file: Path,
    workflow: str,
    inputs: tuple[str, ...],
    name: str | None,
    tags: tuple[str, ...],
    domain: str,
    project: str | None,
    config_file: str | None,
    wait: bool,
    dry_run: bool,
    allow_dirty: bool,
    output_dir: Path | None,
) -> None:
    """Check a flow and launch it on Domino Flows.

    Preflight refuses launches that would fail or not be reproducible: lint errors, uncommitted or
    unpushed code (Domino jobs run the pushed commit), plain @task and fan_out nodes, unknown
    environment or hardware tier names. Names are resolved to ids, the workflow, its tasks and
    launch plans are registered through flytekit's FlyteRemote, and an execution starts.
    """
    options = SubmitOptions(
        file=file,
        workflow=workflow,
        inputs=list(inputs),
        name=name,
        tags=list(tags),
        domain=domain,
        project=project,
        config_file=config_file,
        wait=wait,
        dry_run=dry_run,
        allow_dirty=allow_dirty,
        output_dir=output_dir,
    )
    try:
        status = submit(options)
    except DominoFlowsError as error:
        _say(f"error: {error}", err=True, color="red")
        raise SystemExit(2) from None
    raise SystemExit(status)
