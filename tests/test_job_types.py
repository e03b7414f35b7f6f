"""Commands as Domino runs them: a script by its extension (domino_flows.contract.job_types)."""

import shlex

import pytest

from domino_flows.contract import job_types
from domino_flows.lint import lint_source


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("prep_data.py", "python -u prep_data.py"),
        (
            "scripts/prep.py --rows 10 'two words'",
            "python -u scripts/prep.py --rows 10 'two words'",
        ),
        ("prod/adam/ADSL.sas", "sas prod/adam/ADSL.sas -stdio"),
        (
            "analysis.R 3",
            "R --no-save --no-environ --no-site-file --no-restore --max-ppsize=100000 "
            "-f analysis.R --args 3",
        ),
        ("run.sh a b", "bash run.sh a b"),
        (
            "notebooks/eda.ipynb",
            "jupyter nbconvert --to notebook --execute notebooks/eda.ipynb "
            "--output notebooks/eda.ipynb",
        ),
        ("models/fit.m", "matlab -sd models -batch fit"),
        ("report.Rmd", "R -e \"require('knitr'); knit('report.Rmd')\""),
        ("tool.pl x", "perl tool.pl x"),
        ("sim.jl", "julia sim.jl"),
        ("study.do", "stata -b do study.do"),
    ],
)
def test_a_script_runs_with_the_program_of_its_job_type(command, expected):
    # compared as the shell splits it: quoting may differ, the words may not
    assert shlex.split(job_types.shell_command(command)) == shlex.split(expected)


@pytest.mark.parametrize(
    "command",
    [
        "python prep.py",
        "PYTHONPATH=/mnt/code python -m pkg.main",
        "cd src && ./build.sh",
        "python3.11 x.py",
        "echo hi > /workflow/outputs/out",
        "report.txt",  # no job type: left to the shell (and DF016 warns)
        "",
        "'unbalanced",
    ],
)
def test_anything_else_is_a_shell_command_left_as_it_is(command):
    assert job_types.shell_command(command) == command


def test_file_names_with_shell_characters_stay_one_word():
    assert shlex.split(job_types.shell_command("my-dir/prep.v2.py 'a;b'")) == [
        "python",
        "-u",
        "my-dir/prep.v2.py",
        "a;b",
    ]


def test_lint_warns_only_on_an_extension_domino_does_not_run():
    source = (
        "from domino_flows import DominoJobConfig, run_domino_job_task\n"
        "a = DominoJobConfig(Command='prod/adsl.sas')\n"
        "b = DominoJobConfig(Command='build.bat --fast')\n"
        "c = run_domino_job_task('t', 'python x.py')\n"
    )
    findings = [f for f in lint_source(source, "flow.py") if f.rule == "DF016"]
    assert [(f.line, f.rule) for f in findings] == [(3, "DF016")]
    assert "starts with `build.bat`" in findings[0].message
    assert "no job type for .bat" in findings[0].message
