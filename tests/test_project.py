"""Project settings from [tool.domino_flows], and the backend choice built on them."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from domino_flows.backends import backend_name, get_backend
from domino_flows.backends.local import LocalBackend
from domino_flows.core import project
from domino_flows.core.errors import ConfigurationError
from domino_flows.core.project import load_settings

CONFIGURED = """
[project]
name = "demo"

[tool.domino_flows]
backend = "local"
filesystem = "domino"
project_layout = "git"
artifacts = "results"

[tool.domino_flows.environments."Python 3.11"]
python = "/usr/bin/python3.11"

[tool.domino_flows.environments."GPU Python 3.11"]
command_prefix = "conda run -n gpu"

[tool.domino_flows.environments.Relative]
python = ".venv/bin/python"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
memory_gib = 4

[tool.domino_flows.hardware_tiers.Large]
cores = 8
memory_gib = 0.5

[tool.domino_flows.domino]
project = "alice/churn"
host = "https://domino.example.com"
poll_outage_minutes = 45
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text)
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project, "_NOTED", set())


def test_configured_names(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, CONFIGURED))
    assert settings.pyproject == tmp_path / "pyproject.toml"
    assert settings.backend == "local"
    assert settings.environment("Python 3.11").interpreter == "/usr/bin/python3.11"
    gpu = settings.environment("GPU Python 3.11")
    assert gpu.command_prefix == "conda run -n gpu" and gpu.python is None
    assert settings.environment("Relative").python == str(tmp_path / ".venv/bin/python")
    small = settings.hardware_tier("Small")
    assert (small.cores, small.memory_gib, small.memory_bytes) == (1.0, 4.0, 4 * 1024**3)
    assert small.memory_text == "4 GiB"
    assert settings.hardware_tier("Large").memory_text == "0.5 GiB"
    assert (settings.project_owner, settings.project_name) == ("alice", "churn")
    assert settings.domino.host == "https://domino.example.com"
    assert settings.domino.poll_outage_minutes == 45.0
    assert settings.domino.start_budget_minutes is None


def test_nearest_pyproject_above_the_root(tmp_path: Path) -> None:
    write(tmp_path, CONFIGURED)
    nested = tmp_path / "flows" / "deep"
    nested.mkdir(parents=True)
    assert load_settings(nested).pyproject == tmp_path / "pyproject.toml"


def test_unknown_environment_lists_configured_names_and_file(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, CONFIGURED))
    with pytest.raises(ConfigurationError) as error:
        settings.environment("Python 3.12", task="train")
    message = str(error.value)
    assert "task 'train' uses environment 'Python 3.12'" in message
    assert "GPU Python 3.11, Python 3.11, Relative" in message
    assert str(tmp_path / "pyproject.toml") in message


def test_unknown_tier_lists_configured_names(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, CONFIGURED))
    with pytest.raises(ConfigurationError, match=r"'Medium'.*Large, Small"):
        settings.hardware_tier("Medium", task="evaluate")


def test_a_star_entry_maps_every_name_not_listed(tmp_path: Path) -> None:
    settings = load_settings(
        write(
            tmp_path,
            """
            [tool.domino_flows.environments."Python 3.11"]
            python = "/usr/bin/python3.11"
            [tool.domino_flows.environments."*"]
            python = ".venv/bin/python"
            [tool.domino_flows.hardware_tiers.Small]
            cores = 1
            [tool.domino_flows.hardware_tiers."*"]
            cores = 2
            memory_gib = 8
            """,
        )
    )
    assert settings.environment("Python 3.11").python == "/usr/bin/python3.11"
    other = settings.environment("GPU Python 3.11")
    assert (other.name, other.python) == ("GPU Python 3.11", str(tmp_path / ".venv/bin/python"))
    large = settings.hardware_tier("Large")
    assert (large.name, large.cores, large.memory_text) == ("Large", 2.0, "8 GiB")
    assert settings.hardware_tier("Small").cores == 1.0


def test_unknown_names_mention_the_star_entry(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, CONFIGURED))
    with pytest.raises(ConfigurationError, match=r'a "\*" entry maps every name not listed'):
        settings.hardware_tier("Medium", task="evaluate")


def test_defaults_when_nothing_is_configured_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(write(tmp_path, "[project]\nname = 'x'\n"))
    with caplog.at_level(logging.WARNING, logger="domino_flows.core.project"):
        for name in ("Python 3.11", "GPU", "Python 3.11"):
            assert settings.environment(name).interpreter == sys.executable
            tier = settings.hardware_tier("Large")
            assert tier.cores == 1 and tier.memory_bytes is None
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 2, notes
    assert any("no environments are configured" in n for n in notes)
    assert any("no hardware tiers are configured" in n for n in notes)


def test_no_pyproject_at_all(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.pyproject is None and settings.project_name == tmp_path.name
    assert settings.environment(None).interpreter == sys.executable


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('backend = "cloud"', "backend = 'cloud'"),
        ('[tool.domino_flows.environments.X]\npython = "a"\ncommand_prefix = "b"', "exactly one"),
        ("[tool.domino_flows.environments.X]\n", "exactly one"),
        ("[tool.domino_flows.hardware_tiers.S]\ncores = 0", "positive number"),
        ('[tool.domino_flows.hardware_tiers.S]\nmemory_gib = "4G"', "positive number"),
        ("[tool.domino_flows.hardware_tiers.S]\ncores = inf", "hardware_tiers.S] cores = inf"),
        ("[tool.domino_flows.hardware_tiers.S]\ncores = nan", "hardware_tiers.S] cores = nan"),
        ("[tool.domino_flows.hardware_tiers.S]\ncores = -inf", "cores = -inf; give a finite"),
        ("[tool.domino_flows.hardware_tiers.S]\ncores = true", "cores = true; give a finite"),
        ("[tool.domino_flows.hardware_tiers.S]\nmemory_gib = nan", "S] memory_gib = nan; give"),
        ("[tool.domino_flows.hardware_tiers.S]\nmemory_gib = inf", "S] memory_gib = inf; give"),
        ("[tool.domino_flows.hardware_tiers.S]\nmemory_gib = -2", "S] memory_gib = -2; give"),
        ("[tool.domino_flows.hardware_tiers.S]\nmemory_gib = 0", "S] memory_gib = 0; give"),
        ("[tool.domino_flows.hardware_tiers.S]\nmemory_gib = 0.0", "S] memory_gib = 0.0; give"),
        ("[tool.domino_flows.domino]\nhost = 8080", "[tool.domino_flows.domino] host = 8080; it"),
        ("[tool.domino_flows.domino]\nhost = true", "domino] host = true; it must be a string"),
        ("[tool.domino_flows.domino]\nhost = [1]", "domino] host = [1]; it must be a string"),
        ("[tool.domino_flows.domino]\nproject = 42", "domino] project = 42; it must be a string"),
        ("[tool.domino_flows.domino.host]\nurl = 'x'", "domino] host = a table; it must be"),
        (
            '[tool.domino_flows.environments."Py 3"]\npython = 3.11',
            'environments."Py 3"] python = 3.11; it must be a string',
        ),
        (
            "[tool.domino_flows.environments.X]\ncommand_prefix = ['conda', 'run']",
            "environments.\"X\"] command_prefix = ['conda', 'run']; it must be a string",
        ),
        ('[tool.domino_flows.domino]\nproject = "churn"', "owner/project-name"),
        ('[tool.domino_flows.domino]\napi_key = "abc"', "credentials never go in"),
        (
            "[tool.domino_flows.domino]\npoll_outage_minutes = 0",
            "[tool.domino_flows.domino] poll_outage_minutes = 0",
        ),
        ("environments = 3", "must be a table"),
    ],
)
def test_invalid_settings_say_what_and_where(tmp_path: Path, table: str, fragment: str) -> None:
    text = "[tool.domino_flows]\n" + table if not table.startswith("[") else table
    write(tmp_path, text)
    with pytest.raises(ConfigurationError) as error:
        load_settings(tmp_path)
    assert fragment in str(error.value)
    assert str(tmp_path / "pyproject.toml") in str(error.value)


def test_invalid_toml(tmp_path: Path) -> None:
    write(tmp_path, "[tool.domino_flows\n")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(tmp_path)


NOT_UTF8 = b'[tool.domino_flows]\nbackend = "loc\xffal"\n'


def test_a_byte_that_is_not_utf8_names_the_file_and_position(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(NOT_UTF8)
    expected = f"{tmp_path / 'pyproject.toml'}:2: byte 0xff at position 34 is not UTF-8"
    with pytest.raises(ConfigurationError) as error:
        load_settings(tmp_path)
    assert expected in str(error.value)
    with pytest.raises(ConfigurationError) as error:
        backend_name(None, tmp_path)
    assert expected in str(error.value)


@pytest.mark.parametrize("command", [["run", "flow.py", "wf"], ["lint", "flow.py"]])
def test_a_pyproject_that_is_not_utf8_is_one_line_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    from click.testing import CliRunner

    from domino_flows.cli import main

    (tmp_path / "pyproject.toml").write_bytes(NOT_UTF8)
    (tmp_path / "flow.py").write_text(
        "from flytekit import task, workflow\n\n\n@task\ndef t() -> int:\n    return 1\n\n\n"
        "@workflow\ndef wf() -> int:\n    return t()\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOMINO_FLOWS_BACKEND", raising=False)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    result = CliRunner().invoke(main, command)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "byte 0xff at position 34 is not UTF-8" in " ".join(result.output.split())


def test_backend_choice_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, '[tool.domino_flows]\nbackend = "domino"\n')
    assert backend_name(None, tmp_path) == "domino"
    monkeypatch.setenv("DOMINO_FLOWS_BACKEND", "local")
    assert backend_name(None, tmp_path) == "local"
    assert backend_name("domino", tmp_path) == "domino"
    monkeypatch.delenv("DOMINO_FLOWS_BACKEND")
    write(tmp_path, "[project]\nname = 'x'\n")
    assert backend_name(None, tmp_path) == "local"
    assert isinstance(get_backend(None, tmp_path), LocalBackend)


def test_unknown_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMINO_FLOWS_BACKEND", "kubernetes")
    with pytest.raises(ConfigurationError, match=r"'kubernetes' \(from \$DOMINO_FLOWS_BACKEND\)"):
        get_backend(None, tmp_path)


def test_domino_backend_never_falls_back_to_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "domino_flows.backends.domino", None)  # import fails
    with pytest.raises(ConfigurationError, match="domino backend was chosen but cannot be loaded"):
        get_backend("domino", tmp_path)


MISSPELT = """
[tool.domino_flow]
backend = "local"

[tool.domino_flows]
backnd = "local"
extras = 1

[tool.domino_flows.environments."Python 3.11"]
command_prefix = "env"
pyhton = "python3"

[tool.domino_flows.hardware_tiers.Small]
core = 2
memory_gib = 2

[tool.domino_flows.domino]
project = "team/churn"
hots = "https://domino.example.com"

[tool.domino_flows.lint]
production = ["flows/**"]
"""


def test_unknown_keys_and_a_near_miss_table_are_errors_with_did_you_mean(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as error:
        load_settings(write(tmp_path, MISSPELT))
    where = tmp_path / "pyproject.toml"
    assert str(error.value) == "\n".join(
        [
            f"{where}: 6 settings domino-flows does not read (a misspelt name would silently "
            "fall back to a default):",
            "  - [tool.domino_flow] is not read by domino-flows; did you mean [tool.domino_flows]?",
            "  - [tool.domino_flows] has 'backnd', which domino-flows does not read; did you "
            "mean 'backend'?",
            "  - [tool.domino_flows] has 'extras', which domino-flows does not read; known "
            "keys: backend, environments, hardware_tiers, domino, lint, lineage, filesystem, "
            "project_layout, artifacts, datasets, volumes, netapp_volumes, bundles, tracking.",
            "  - [tool.domino_flows.environments.\"Python 3.11\"] has 'pyhton', which "
            "domino-flows does not read; did you mean 'python'?",
            "  - [tool.domino_flows.hardware_tiers.Small] has 'core', which domino-flows does "
            "not read; did you mean 'cores'?",
            "  - [tool.domino_flows.domino] has 'hots', which domino-flows does not read; did "
            "you mean 'host'?",
        ]
    )


def test_a_misspelt_tier_table_fails_the_run_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from domino_flows.cli import main

    write(tmp_path, "[tool.domino_flows.hardware_tier.Small]\ncores = 2\n")
    (tmp_path / "flow.py").write_text(
        "from flytekit import workflow\nfrom domino_flows import domino_task\n\n\n"
        "@domino_task(hardware_tier='Small')\ndef t(x: int) -> int:\n    return x\n\n\n"
        "@workflow\ndef wf(x: int = 1) -> int:\n    return t(x=x)\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "flow.py", "wf"])
    assert result.exit_code == 2
    assert "'hardware_tier', which domino-flows does not read; did you mean 'hardware_tiers'?" in (
        result.stderr
    )
    assert not (tmp_path / ".domino-flows" / "runs.sqlite").exists()


def test_known_keys_and_other_tools_are_quiet(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = CONFIGURED + "\n[tool.ruff]\nline-length = 100\n\n[tool.domino_flows.lint]\n"
    text += '\n[tool.domino_flows.datasets]\nsales = "data/sales"\n'  # names, not keys
    with caplog.at_level(logging.WARNING, logger="domino_flows.core.project"):
        load_settings(write(tmp_path, text))
    assert [r.getMessage() for r in caplog.records] == []


def test_tier_numbers_beyond_any_float_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "[tool.domino_flows.hardware_tiers.S]\ncores = " + "9" * 400)
    with pytest.raises(ConfigurationError, match="give a finite positive number"):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ("[tool.domino_flows.hardware_tiers.Small]\ncores = inf", "Small] cores = inf"),
        ("[tool.domino_flows.hardware_tiers.Small]\nmemory_gib = nan", "memory_gib = nan"),
        ("[tool.domino_flows.domino]\nhost = 443", "[tool.domino_flows.domino] host = 443"),
    ],
)
def test_bad_settings_stop_a_run_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, fragment: str
) -> None:
    from click.testing import CliRunner

    from domino_flows.cli import main

    write(tmp_path, "[project]\nname = 'demo'\n" + table)
    (tmp_path / "flow.py").write_text(FLOW)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "flow.py", "wf"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert "Traceback" not in result.output
    assert f"error: {tmp_path / 'pyproject.toml'}: " in result.output
    assert fragment in result.output


FLOW = """
from flytekit import workflow

from domino_flows import domino_task


@domino_task(hardware_tier="Small")
def one() -> int:
    return 1


@workflow
def wf() -> int:
    return one()
"""
