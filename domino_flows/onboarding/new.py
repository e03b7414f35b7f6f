"""``domino-flows new``: create a flow project from the bundled cookiecutter template.

The template ships inside the package (``domino_flows/templates/cookiecutter-template``; the
repository's ``cookiecutter-template`` points there), so the command works from a wheel. Answers
are checked with the template's own pre-generation hook, loaded from the template, so the
messages are the same with ``domino-flows new``, with prompts or without, and with plain
``cookiecutter``. Generation itself is cookiecutter's, hooks included. No flytekit here.
"""

from __future__ import annotations

import importlib.metadata
import json
import types
import urllib.parse
from pathlib import Path
from typing import Any

import rich_click as click
from click.exceptions import Abort

from domino_flows.core.errors import DominoFlowsError

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "cookiecutter-template"


class NewProjectError(DominoFlowsError):
    """The answers cannot make a project, or the project's folder is taken."""


def kit_requirement() -> str:
    """The generated project's dependency on the kit: where the running kit came from.

    pip records how it installed a distribution in ``direct_url.json`` (PEP 610): a VCS checkout,
    an archive (a wheel or sdist, a file or a URL) or a local folder (editable or not). A kit from
    a package index has none, and the project asks for this version or newer from the index.
    """
    from domino_flows._version import __version__

    for distribution in importlib.metadata.distributions(name="domino-flows"):
        text = distribution.read_text("direct_url.json")
        if text:
            try:
                return requirement_from_direct_url(json.loads(text))
            except (ValueError, KeyError, TypeError):
                break  # unreadable record: fall back to the index
    return f"domino-flows>={__version__}"


def requirement_from_direct_url(document: dict[str, Any]) -> str:
    """A PEP 508 direct reference from a PEP 610 ``direct_url.json`` document."""
    url = _without_credentials(str(document["url"]))
    vcs = document.get("vcs_info")
    if isinstance(vcs, dict):
        reference = vcs.get("commit_id") or vcs.get("requested_revision")
        url = f"{vcs['vcs']}+{url}" + (f"@{reference}" if reference else "")
    subdirectory = document.get("subdirectory")
    if subdirectory:
        url += f"#subdirectory={subdirectory}"
    return f"domino-flows @ {url}"


def _without_credentials(url: str) -> str:
    # pip strips them from direct_url.json already; a hand-made record must not leak a token
    # into a committed pyproject.toml either.
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def template_variables() -> dict[str, Any]:
    """The template's variables (those a user may set) and their defaults, in prompt order."""
    document = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    return {key: value for key, value in document.items() if not key.startswith("_")}


def parse_settings(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``key=value`` pairs for the template; unknown keys are refused with the valid ones."""
    known = template_variables()
    settings: dict[str, str] = {}
    for item in items:
        key, separator, value = item.partition("=")
        key = key.strip()
        if not separator or not key:
            raise NewProjectError(f"--set {item!r}: write it as key=value, e.g. --set license=MIT.")
        if key not in known:
            raise NewProjectError(
                f"--set {key}: the template has no variable {key!r}; valid ones: "
                f"{', '.join(known)}."
            )
        settings[key] = value
    return settings


def _hook() -> Any:
    """The template's pre-generation hook, as a module."""
    path = TEMPLATE / "hooks" / "pre_gen_project.py"
    # Compiled by hand rather than imported: no bytecode cache lands in the installed template.
    module = types.ModuleType("domino_flows_template_pre_gen")
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    return module


def answer_problems(answers: dict[str, Any]) -> list[str]:
    """What the template's pre-generation hook would refuse in these answers."""
    problems: list[str] = _hook().problems(dict(answers))
    return problems


def create_project(
    output_dir: Path, settings: dict[str, str] | None = None, no_input: bool = True
) -> Path:
    """Generate a project under ``output_dir``; returns its folder.

    ``settings`` answer template variables; with ``no_input`` every other variable takes its
    default, otherwise cookiecutter asks for them.
    """
    from cookiecutter.exceptions import CookiecutterException, FailedHookException
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    settings = dict(settings or {})
    settings.setdefault("domino_flows_requirement", kit_requirement())
    if no_input and "project_name" in settings and "project_slug" not in settings:
        # The template's default slug only lower-cases; "Ünïcode Flöws" needs its accents
        # dropped to make a folder and distribution name ("unicode-flows").
        settings["project_slug"] = _hook()._suggest_slug(settings["project_name"])
    variables = template_variables()
    parse_settings([f"{key}=" for key in settings])  # raises on unknown keys, listing valid ones
    for key, value in settings.items():
        choices = variables[key]
        if isinstance(choices, list) and value not in choices:
            raise NewProjectError(
                f"--set {key}={value}: {key} is one of {', '.join(map(str, choices))}."
            )
    try:
        context = generate_context(
            context_file=str(TEMPLATE / "cookiecutter.json"), extra_context=settings
        )
    except ValueError as error:  # a value that is not one of a choice variable's options
        raise NewProjectError(f"--set: {error}") from None
    answers = prompt_for_config(context, no_input=no_input)
    problems = answer_problems(answers)
    if problems:
        raise NewProjectError("the template refused these answers:\n  " + "\n  ".join(problems))
    output_dir = output_dir.resolve()
    target = output_dir / answers["project_slug"]
    if target.exists():
        raise NewProjectError(
            f"{target} already exists; choose another folder name with --set project_slug=..., "
            "another OUTPUT_DIR, or remove it first."
        )
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        generated = generate_files(
            repo_dir=str(TEMPLATE),
            context={"cookiecutter": answers},
            output_dir=str(output_dir),
            overwrite_if_exists=False,
            accept_hooks=True,
        )
    except FailedHookException as error:
        raise NewProjectError(f"the template's hook refused the answers: {error}") from None
    except CookiecutterException as error:
        raise NewProjectError(f"generating the project failed: {error}") from None
    return Path(generated)


def _variables_help() -> str:
    return ", ".join(template_variables())


@click.command(
    "new",
    epilog=f"Template variables for --set: {_variables_help()}.",
)
@click.argument(
    "output_dir",
    required=False,
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--no-input",
    is_flag=True,
    help="Do not ask: take --set values and the defaults for everything else.",
)
@click.option(
    "--set",
    "-s",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Answer a template variable, e.g. --set project_name='Churn Flows'. Repeatable.",
)
def new_command(output_dir: Path, no_input: bool, settings: tuple[str, ...]) -> None:
    """Create a new flow project from the template, in a new folder under OUTPUT_DIR.

    The project has a multi-step training flow (tasks on different environments and hardware
    tiers, a stage script, model and report artifacts), tests, lint and CI configuration, and
    optionally a gallery of anti-patterns beside their fixes. OUTPUT_DIR defaults to the current
    directory; the project's folder is named by project_slug.
    """
    try:
        answers = parse_settings(settings)
        project = create_project(output_dir, answers, no_input=no_input)
    except NewProjectError as error:  # a usage mistake: one line and exit 2, as every command
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    except (EOFError, Abort, RuntimeError) as stopped:
        if isinstance(stopped, RuntimeError) and "stdin" not in str(stopped):
            raise
        if _interactive() and not isinstance(stopped, EOFError):
            raise  # Ctrl-C at a question: click's own "Aborted!"
        # The questions met a closed or empty standard input (CI, a pipe, `< /dev/null`;
        # a closed one makes input() raise "lost sys.stdin").
        click.echo("")  # end the unanswered question's line
        click.echo(
            "error: domino-flows new asks its questions on standard input, which is closed or "
            "ran out of answers, so nothing was created. Answer on the command line instead: "
            "domino-flows new --no-input --set project_name='My Flows' (the defaults for the "
            f"rest; variables: {_variables_help()}).",
            err=True,
        )
        raise SystemExit(2) from None
    package = _package_of(project)
    click.echo(f"Created {project}")
    click.echo(f"It installs domino-flows from: {_requirement_of(project)}")
    click.echo(
        "  (where this domino-flows came from; to install it from elsewhere, change `dependencies`"
        " in pyproject.toml, or --set domino_flows_requirement=...)"
    )
    click.echo("Next steps:")
    click.echo(f"  cd {project}")
    click.echo('  python -m venv .venv && . .venv/bin/activate && pip install -e ".[test]"')
    run = f"domino-flows run {package}/flow.py training_flow"
    click.echo(f"  {run}   # run the flow locally")
    click.echo(f"  {'python -m pytest':<{len(run)}}   # run the tests")


def _interactive() -> bool:
    import sys

    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # a closed stream
        return False


def _requirement_of(project: Path) -> str:
    text = (project / "pyproject.toml").read_text()
    line = next((ln for ln in text.splitlines() if ln.startswith("dependencies = ")), "")
    return line.removeprefix("dependencies = ").strip('[]"') or "(see pyproject.toml)"


def _package_of(project: Path) -> str:
    flows = sorted(project.glob("*/flow.py"))
    return flows[0].parent.name if flows else "<package>"
