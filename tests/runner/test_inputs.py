"""Workflow inputs: parsed by declared type, with errors naming the input and the type."""

import json

import pytest
from runner_helpers import cli

from domino_flows.runner import inputs


def test_values_parse_by_declared_type(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a")
    assert inputs.parse_text("n", "42", int) == 42
    assert inputs.parse_text("r", "0.5", float) == 0.5
    assert inputs.parse_text("f", "yes", bool) is True
    assert inputs.parse_text("f", "false", bool) is False
    assert inputs.parse_text("xs", "[1, 2]", list[int]) == [1, 2]
    assert inputs.parse_text("m", '{"a": 1.5}', dict[str, float]) == {"a": 1.5}
    assert str(inputs.parse_text("w", "1h30m", __import__("datetime").timedelta)) == "1:30:00"
    from flytekit.types.file import FlyteFile

    assert inputs.parse_text("data", str(data), FlyteFile).path == str(data)


@pytest.mark.parametrize(
    ("name", "text", "python_type", "message"),
    [
        ("rows", "many", int, "input 'rows' expects int: expected a whole number, found 'many'"),
        ("rate", "fast", float, "input 'rate' expects float: expected a number"),
        ("flag", "maybe", bool, "input 'flag' expects bool: expected 'true' or 'false'"),
        ("xs", "[1,", list[int], "input 'xs' expects list[int] written as JSON"),
        ("xs", '["a"]', list[int], "input 'xs[0]' expects int"),
        ("data", "/nope/x.csv", "file", "input 'data' expects a file; '/nope/x.csv' is not one"),
    ],
)
def test_bad_values_name_the_input_and_type(name, text, python_type, message):
    if python_type == "file":
        from flytekit.types.file import FlyteFile

        python_type = FlyteFile
    with pytest.raises(inputs.InputError) as raised:
        inputs.parse_text(name, text, python_type)
    assert message in str(raised.value)


def test_assignments_need_an_equals_sign():
    with pytest.raises(inputs.InputError, match="--input 'rows': write it as name=value"):
        inputs.parse_assignments(["rows"])


def test_an_input_given_twice_with_two_values_is_refused():
    with pytest.raises(inputs.InputError, match="input 'x' is given twice .*give it once"):
        inputs.parse_assignments(["x=3", "x=4"])
    assert inputs.parse_assignments(["x=3", "x=3"]) == {"x": "3"}  # the same value twice is fine


def test_an_input_given_twice_ends_the_run_command_in_one_line(project):
    result = cli("run", "shapes.py", "shapes", "--input", "x=3", "--input", "x=4")
    assert result.exit_code == 2
    assert result.output.startswith("error: input 'x' is given twice")
    assert not (project / ".domino-flows" / "runs.sqlite").exists()  # nothing was started


def test_unknown_and_missing_inputs_on_the_command_line(project):
    unknown = cli("run", "shapes.py", "shapes", "--input", "y=1")
    assert unknown.exit_code == 2
    assert "has no input 'y'; its inputs are x, flag" in unknown.output
    missing = cli("run", "shapes.py", "typed")
    assert missing.exit_code == 2
    assert "needs input 'x' (int); give it with --input x=VALUE" in missing.output
    bad = cli("run", "shapes.py", "shapes", "--input", "x=three")
    assert bad.exit_code == 2
    assert "input 'x' expects int" in bad.output


@pytest.mark.slow
def test_inputs_file_json_and_yaml(project):
    (project / "in.json").write_text(json.dumps({"x": 2, "unit": "cm"}))
    (project / "in.yaml").write_text("x: 3\nwait: 2m\n")
    result = cli("run", "shapes.py", "typed", "--inputs-file", "in.json", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outputs"] == {"o0": "2 cm after 0:05:00"}
    result = cli(
        "run", "shapes.py", "typed", "--inputs-file", "in.yaml", "--input", "x=4", "--json"
    )
    assert json.loads(result.stdout)["outputs"] == {"o0": "4 m after 0:02:00"}


def test_inputs_file_errors(project):
    (project / "bad.json").write_text("[1, 2]")
    result = cli("run", "shapes.py", "typed", "--inputs-file", "bad.json")
    assert result.exit_code == 2
    assert "expected a mapping of input names to values" in result.output
    result = cli("run", "shapes.py", "typed", "--inputs-file", "absent.json")
    assert "--inputs-file absent.json: no such file" in result.output


def test_a_yaml_inputs_file_with_a_syntax_error_is_one_line(project):
    (project / "bad.yaml").write_text("x: 1\ny: [2, 3\n")
    result = cli("run", "shapes.py", "typed", "--inputs-file", "bad.yaml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: --inputs-file bad.yaml: not valid YAML:")
    assert "line 3" in line  # where the file is broken


def test_unknown_flow_names_and_files(project):
    result = cli("run", "shapes.py", "nope")
    assert result.exit_code == 2
    assert "has no workflow, launch plan or task named 'nope'" in result.output
    assert "shapes" in result.output
    result = cli("run", "absent.py", "wf")
    assert "flow file absent.py not found" in result.output


def test_flows_inside_a_package_import_their_siblings(project):
    package = project / "pipeline"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "steps.py").write_text("OFFSET = 5\n")
    (package / "flow.py").write_text(
        "from flytekit import workflow\n"
        "from pipeline.steps import OFFSET\n"
        "from domino_flows import domino_task\n"
        "@domino_task\n"
        "def shift(x: int) -> int:\n"
        "    return x + OFFSET\n"
        "@workflow\n"
        "def wf(x: int = 1) -> int:\n"
        "    return shift(x=x)\n"
    )
    result = cli("graph", "pipeline/flow.py", "wf")
    assert result.exit_code == 0, result.output
    assert "pipeline.flow.shift" in result.output


@pytest.mark.parametrize("text", ["99999999999999999999", "-9223372036854775809"])
def test_an_int_beyond_int64_names_the_input_and_the_range(text):
    with pytest.raises(inputs.InputError) as raised:
        inputs.parse_text("n", text, int)
    message = str(raised.value)
    assert message.startswith(f"input 'n' expects int: {text} is outside the 64-bit integer range")
    assert "(-9223372036854775808 to 9223372036854775807)" in message
    assert inputs.parse_text("n", "9223372036854775807", int) == 2**63 - 1


def test_an_int_beyond_int64_from_an_inputs_file_or_a_list():
    with pytest.raises(inputs.InputError, match="input 'n' expects int: .* outside the 64-bit"):
        inputs.coerce("n", 2**64, int)
    with pytest.raises(inputs.InputError, match="input 'xs\\[1\\]' expects int: .* outside"):
        inputs.coerce("xs", [1, 2**64], list[int])
    assert inputs.coerce("n", -(2**63), int) == -(2**63)


def test_int_beyond_int64_on_the_command_line_is_one_line_not_a_traceback(project):
    result = cli("run", "bad_values.py", "double_flow", "--input", "n=99999999999999999999")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "error: input 'n' expects int: 99999999999999999999 is outside" in result.output
    assert not (project / ".domino-flows" / "jobs").exists()  # nothing started


def test_an_inputs_file_that_is_not_utf8(project):
    (project / "in.json").write_bytes(b'{"x": "\xe9"}')
    result = cli("run", "shapes.py", "typed", "--inputs-file", "in.json")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "--inputs-file in.json: " in result.output and "is not UTF-8 text" in result.output


# --- DataFrame inputs: a Parquet file or a folder of Parquet files, as pyflyte run takes them ----


def _parquet_file_and_folder(tmp_path):
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    single = tmp_path / "t.parquet"
    pandas.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(single)
    folder = tmp_path / "parts"
    folder.mkdir()
    pandas.DataFrame({"a": [1, 2]}).to_parquet(folder / "part-0.parquet")
    pandas.DataFrame({"a": [3]}).to_parquet(folder / "part-1.parquet")
    (folder / "_SUCCESS").write_text("")
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,x\n")
    return single, folder, csv


def test_a_dataframe_input_is_read_from_a_parquet_file_or_folder(tmp_path):
    import pandas

    single, folder, _ = _parquet_file_and_folder(tmp_path)
    frame = inputs.parse_text("df", str(single), pandas.DataFrame)
    assert frame.to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    assert inputs.parse_text("df", str(folder), pandas.DataFrame)["a"].tolist() == [1, 2, 3]
    assert inputs.coerce("df", str(single), pandas.DataFrame)["a"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("csv", "; '{text}' is not a Parquet file (a CSV: convert it with pandas.read_csv"),
        ('{"a":[1,2]}', """; '{text}' is neither."""),
        ("/nope/t.parquet", "; '{text}' is neither."),
        ("empty", "; folder '{text}' holds no files."),
        ("mixed", "; t.csv in folder '{text}' is not a Parquet file."),
    ],
)
def test_other_dataframe_values_say_what_is_accepted_in_one_line(tmp_path, value, why):
    import pandas

    _, folder, csv = _parquet_file_and_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    places = {"csv": str(csv), "empty": str(tmp_path / "empty"), "mixed": str(folder)}
    (folder / "t.csv").write_text("a\n1\n")
    text = places.get(value, value)
    with pytest.raises(inputs.InputError) as raised:
        inputs.parse_text("df", text, pandas.DataFrame)
    expected = (
        "input 'df' expects a DataFrame: give the path of a Parquet file or of a folder of "
        "Parquet files" + why.replace("{text}", text)
    )
    assert str(raised.value).startswith(expected)
    assert "\n" not in str(raised.value)


def test_a_dataframe_from_an_inputs_file_must_be_a_path():
    import pandas

    with pytest.raises(inputs.InputError, match="expects a DataFrame: give the path of a Parquet"):
        inputs.coerce("df", {"a": [1, 2]}, pandas.DataFrame)


@pytest.mark.slow
def test_a_dataframe_workflow_input_runs_from_parquet_on_the_command_line(project, tmp_path):
    single, folder, csv = _parquet_file_and_folder(tmp_path)
    for path, summary in [
        (single, "2 rows of a,b, a sums to 3"),
        (folder, "3 rows of a, a sums to 6"),
    ]:
        result = cli("run", "frames.py", "frame_flow", "--input", f"df={path}", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["outputs"] == {"o0": summary}
    for value in (str(csv), '{"a":[1,2]}'):
        refused = cli("run", "frames.py", "frame_flow", "--input", f"df={value}")
        assert refused.exit_code == 2
        assert "Traceback" not in refused.output
        assert "error: input 'df' expects a DataFrame: give the path of a Parquet file" in (
            refused.output
        )


NON_UTF8_FLOW = """from flytekit import task, workflow
from flytekit.types.file import FlyteFile


@task
def echo(s: str) -> str:
    return s


@workflow
def echo_flow(s: str = "a") -> str:
    return echo(s=s)


@task
def size(f: FlyteFile) -> int:
    return 1


@workflow
def file_flow(f: FlyteFile) -> int:
    return size(f=f)
"""


@pytest.mark.parametrize("command", [["run"], ["submit", "--dry-run"]])
def test_a_value_that_is_not_utf8_is_one_line_naming_the_input(project, command):
    import os

    (project / "texts.py").write_text(NON_UTF8_FLOW)
    bad_name = os.fsdecode(b"bad\xffname.csv")
    (project / bad_name).write_text("x")
    for workflow, assignment, byte in [
        ("echo_flow", "s=" + os.fsdecode(b"caf\xe9"), "0xe9"),
        ("file_flow", "f=" + bad_name, "0xff"),
    ]:
        result = cli(*command, "texts.py", workflow, "--input", assignment)
        assert result.exit_code != 0 or "--dry-run" in command  # a dry run lists, exits 0
        name = assignment[0]
        assert f"input '{name}': its value is not valid UTF-8 text (byte {byte} at position 3)" in (
            result.output
        )
        assert "Traceback" not in result.output
