"""The command of a job pinned to an older commit fetches its archive with the job's own
credential, whichever form Domino gives it, and runs it as the archive's own command would."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from domino_flows.backends.domino_jobs import FETCH_CODE
from domino_flows.testing.fake_domino import FakeDomino

pytest_plugins = ["domino_flows.testing.fixtures"]


def _archive(marker: Path) -> bytes:
    """A zip application that writes ``marker`` with its own argv[0] and exits 3."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as bundle:
        bundle.writestr(
            "__main__.py",
            "import sys, pathlib\n"
            f"pathlib.Path({str(marker)!r}).write_text(sys.argv[0])\n"
            "sys.exit(3)\n",
        )
    return data.getvalue()


def test_the_fetch_takes_a_token_file_and_runs_the_archive(
    fake_domino: FakeDomino, tmp_path: Path
) -> None:
    marker = tmp_path / "ran.txt"
    relative = ".domino-flows/staging/x/job.pyz"
    commit = fake_domino.add_files({relative: _archive(marker)})
    token = tmp_path / "token"
    token.write_text(fake_domino.api_key + "\n")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DOMINO_") or k == "DOMINO_RUN_ID"
    }
    env.update(DOMINO_API_HOST=fake_domino.url, DOMINO_TOKEN_FILE=str(token))
    target = tmp_path / "mnt" / relative
    done = subprocess.run(
        [sys.executable, "-c", FETCH_CODE, fake_domino.project_id, commit, relative, str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr  # the archive's own exit code
    assert marker.read_text() == str(target)  # run as its own path, as `python job.pyz` would
    assert fake_domino.requests[-1]["auth"] == "bearer"
    assert fake_domino.api_key not in done.stdout + done.stderr


def test_the_fetch_code_survives_the_shell_in_double_quotes() -> None:
    for character in ('"', "$", "`", "\\"):
        assert character not in FETCH_CODE
