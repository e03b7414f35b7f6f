# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig

# standard library only, as Domino's docs write stage scripts
docs_style = DominoJobConfig(Command="python /mnt/code/tests/lint/corpus/scripts/standard_library_only.py")
# repository imports, with the project root on the path
fixed = DominoJobConfig(Command='PYTHONPATH="$PWD" python tests/lint/corpus/scripts/imports_the_repository.py')
# -m puts the working directory (the project root) on the path: `examples` imports
as_module = DominoJobConfig(Command="python -m examples.hello")
# the kit's own examples: they import only domino_flows, which is installed
example = DominoJobConfig(Command="python examples/scripts/count_words.py")
