"""What the endpoint mixins of :class:`~domino_flows.testing.fake_domino.FakeDomino` use of it.

The handlers live in mixins (``fake_domino_api``, ``fake_domino_legacy``) so each file stays about
one kind of route; this base declares, once, the project state and file operations they share, so
mypy checks them against ``FakeDomino``, which defines them all.
"""

from __future__ import annotations

from pathlib import Path

from domino_flows.testing.fake_domino_jobs import FakeJob


class FakeProject:
    """The project one fake Domino serves: its names, environments, jobs and committed files."""

    owner: str
    project_name: str
    project_id: str
    environments: dict[str, str]
    jobs: dict[str, FakeJob]

    @property
    def commit_ids(self) -> list[str]:
        raise NotImplementedError

    def tree(self, commit: str | None = None) -> Path:
        raise NotImplementedError

    def add_files(self, files: dict[str, bytes | str]) -> str:
        raise NotImplementedError
