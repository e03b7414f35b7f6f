"""The command line starts fast: --help and --version never import flytekit."""

import subprocess
import sys

from click.testing import CliRunner

from domino_flows import __version__
from domino_flows.cli import COMMANDS, main


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"domino-flows, version {__version__}"


def test_help_lists_every_registered_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name, (_, short_help) in COMMANDS.items():
        assert name in result.output
        assert short_help.split()[0] in result.output


def test_unknown_command_is_an_error():
    result = CliRunner().invoke(main, ["launch"])
    assert result.exit_code == 2
    assert "No such command 'launch'" in result.output


def test_help_and_version_do_not_import_flytekit():
    code = (
        "import sys\n"
        "from domino_flows.cli import main\n"
        "for args in (['--help'], ['--version']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('FLYTEKIT' if 'flytekit' in sys.modules else 'CLEAN')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("CLEAN")


def test_importing_the_package_is_lazy():
    code = "import sys, domino_flows; print('flytekit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
