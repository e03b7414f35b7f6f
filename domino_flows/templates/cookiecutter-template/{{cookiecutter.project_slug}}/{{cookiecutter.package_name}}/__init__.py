"""{{ cookiecutter.project_name }}.

{{ cookiecutter.description.rstrip('.') }}.
"""

# Import flytekit before any module of this package imports domino_flows' task classes: in
# domino-flows 0.1.0, `from domino_flows import DominoJobTask` fails with a circular import when
# it is the first import of flytekit in a process.
import flytekit  # noqa: F401
