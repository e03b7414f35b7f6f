"""The optional extras resolve together with the required dependencies."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]


def _dateutil_pin() -> Requirement:
    (pin,) = [
        Requirement(r)
        for r in importlib.metadata.requires("dominodatalab") or []
        if Requirement(r).name == "python-dateutil"
    ]
    return pin


def test_the_dataframes_extra_keeps_python_dominos_dateutil_pin() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    (ours,) = [Requirement(r) for r in extras["dataframes"] if r.startswith("python-dateutil")]
    pin = _dateutil_pin()
    # every version the extra admits is one python-domino admits, so pip never picks a pandas
    # that needs a python-dateutil outside the pin
    for version in ("2.8.2", "2.8.9", "2.9.0", "2.10.0", "3.0.0"):
        if ours.specifier.contains(Version(version)):
            assert pin.specifier.contains(Version(version)), (version, str(pin))


def test_the_installed_pandas_accepts_the_pinned_dateutil() -> None:
    installed = Version(importlib.metadata.version("python-dateutil"))
    assert _dateutil_pin().specifier.contains(installed)
    for requirement in importlib.metadata.requires("pandas") or []:
        parsed = Requirement(requirement)
        if parsed.name == "python-dateutil" and not parsed.marker:
            assert parsed.specifier.contains(installed)
