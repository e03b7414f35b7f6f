"""A mistake in the user's flow code is one line naming the file and line, never a traceback."""

from tests.runner.runner_helpers import cli


def test_syntax_error_in_an_imported_module_names_that_module(project):
    package = project / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helper_bad.py").write_text("def f(:\n")
    (package / "uses_bad.py").write_text("from probe import helper_bad  # noqa\n")
    result = cli("run", "probe/uses_bad.py", "wf")
    assert result.exit_code != 0
    assert "probe/helper_bad.py:1: syntax error" in result.output
    assert "uses_bad.py" not in result.output


def test_syntax_error_in_the_flow_file_names_the_flow_file(project):
    (project / "broken.py").write_text("x = 1\ndef f(:\n")
    result = cli("run", "broken.py", "wf")
    assert result.exit_code != 0
    assert "broken.py:2: syntax error" in result.output
