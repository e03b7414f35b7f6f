"""A server that quotes the request's credentials in its error message: the key, or the token a
token file holds, never reaches the console, the run store or its lineage. python-domino's own
log lines never reach the console either."""

from __future__ import annotations

import json
import logging
import textwrap

import pytest
from click.testing import CliRunner
from runner_helpers import domino_project

from domino_flows.cli import main
from domino_flows.core.redaction import console_logging, redact
from domino_flows.records.store import RunStore

pytest_plugins = ["domino_flows.testing.fixtures"]

FLOW = textwrap.dedent(
    """
    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task
    def inc(x: int) -> int:
        return x + 1


    @workflow
    def once(x: int = 1) -> int:
        return inc(x=x)
    """
)


@pytest.mark.parametrize("credential", ["api_key", "token_file"])
def test_a_server_echoing_the_credential_is_masked_everywhere(
    domino_env, tmp_path, monkeypatch, credential
):
    project = domino_project(domino_env, tmp_path / "project", "canary", FLOW, monkeypatch)
    secret = domino_env.api_key
    if credential == "token_file":  # the token lives only in the file, not in the environment
        token_file = tmp_path / "token"
        token_file.write_text(secret + "\n")
        monkeypatch.delenv("DOMINO_USER_API_KEY")
        monkeypatch.setenv("DOMINO_TOKEN_FILE", str(token_file))
    domino_env.echo_credentials_next("job_start", status=400)

    result = CliRunner().invoke(main, ["run", "flow.py", "once"], catch_exceptions=False)

    assert result.exit_code == 1
    said = result.output
    assert "refused" in said and "redacted" in said  # the message is there, masked
    assert secret not in said
    store = RunStore.for_project(project)
    (run,) = store.runs()
    (attempt,) = store.attempts(run["run_id"])
    assert attempt.state == "Failed" and "redacted" in attempt.error
    assert secret not in attempt.error
    events = json.dumps([row["event"] for row in store.lineage_events(run["run_id"])])
    assert secret not in events and "redacted" in events


def test_header_values_quoted_in_a_text_are_masked_even_when_unknown():
    text = 'refused: {"X-Domino-Api-Key": "abc123xyz", "Authorization": "Bearer tok.en-12345678"}'
    masked = redact(text) or ""
    assert "abc123xyz" not in masked and "tok.en-12345678" not in masked
    assert masked.count("<redacted>") == 2


def test_library_log_lines_never_reach_the_console(capsys, monkeypatch):
    monkeypatch.setattr(logging, "lastResort", logging.lastResort)  # given back after the test
    console_logging()  # what the command line installs: it handles records no handler took
    for name, level, message in (
        ("domino.http_request_manager", logging.ERROR, "the body, quoting a key"),
        ("domino_flows.core.project", logging.WARNING, f"a warning of the kit's own {'k' * 12}"),
    ):
        record = logging.LogRecord(name, level, __file__, 1, message, None, None)
        logging.lastResort.handle(record)
    err = capsys.readouterr().err
    assert "quoting a key" not in err
    assert "a warning of the kit's own" in err


def test_python_domino_logs_nothing_when_its_version_check_fails(fake_domino, tmp_path):
    import subprocess
    import sys

    fake_domino.fail_next("version", status=400)
    script = textwrap.dedent(
        f"""
        from domino_flows.backends.domino_client import DominoCredentials, build_client
        try:
            build_client("alice/flows", {fake_domino.url!r},
                         DominoCredentials(api_key={fake_domino.api_key!r}))
        except Exception as error:
            print("refused", type(error).__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert "refused" in done.stdout
    assert done.stderr == ""  # python-domino's ERROR:domino... lines are not printed
