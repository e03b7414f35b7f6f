"""Commands as Domino runs them: a command that starts with a file name runs by its extension.

Domino's jobs take a file name and its arguments (``prep_data.py --rows 10``, ``prod/adsl.sas``)
and run it with the program of its job type; any other command runs in the shell. Source:
Domino's documentation, "Supported and custom Job types"
(https://docs.dominodatalab.com/en/latest/user_guide/a068c1/supported-job-types):

| extension | Domino runs |
|---|---|
| ``.py`` | ``python -u FILE ARGS`` |
| ``.r``, ``.R`` | ``R --no-save ... -f FILE --args ARGS`` (Domino's R options, below) |
| ``.rmd``, ``.rhtml`` | ``R -e "require('knitr'); knit('FILE')"`` |
| ``.sh`` | ``bash FILE ARGS`` |
| ``.ipynb`` | ``jupyter nbconvert --to notebook --execute FILE --output FILE`` |
| ``.m``, ``.mlx`` | ``matlab -sd DIR -batch NAME`` |
| ``.pl`` | ``perl FILE ARGS`` |
| ``.jl`` | ``julia FILE ARGS`` |
| ``.fsx`` | ``fsharpi FILE ARGS`` |
| ``.sas`` | ``sas FILE -stdio`` |
| ``.do`` | ``stata -b do FILE ARGS`` |

Extensions compare without case (Domino lists ``r``, ``py``...). A first word that is not a file
name with one of these extensions (``python x.py``, ``bash run.sh``, ``cd src && make``) is a shell
command and is left as it is. Lint warns when a command's first word is a file name whose
extension is none of these (``DF016``): Domino would not know how to run it.
"""

from __future__ import annotations

import posixpath
import re
import shlex

# extension (lower case, no dot) -> the program's words before the file and how arguments follow
_R = "R --no-save --no-environ --no-site-file --no-restore --max-ppsize=100000"
JOB_TYPES: dict[str, str] = {
    "py": "python -u {file} {args}",
    "r": _R + " -f {file} --args {args}",
    "rmd": "R -e {knit}",
    "rhtml": "R -e {knit}",
    "sh": "bash {file} {args}",
    "ipynb": "jupyter nbconvert --to notebook --execute {file} --output {file}",
    "m": "matlab -sd {dir} -batch {name}",
    "mlx": "matlab -sd {dir} -batch {name}",
    "pl": "perl {file} {args}",
    "jl": "julia {file} {args}",
    "fsx": "fsharpi {file} {args}",
    "sas": "sas {file} -stdio {args}",
    "do": "stata -b do {file} {args}",
}

# a first word that reads as a file name: no shell syntax, an extension of letters and digits
_FILE_NAME = re.compile(r"^[\w./@+-]+\.([A-Za-z][A-Za-z0-9]{0,7})$")


def script_of(command: str) -> tuple[str, str] | None:
    """``(file, extension)`` when the command's first word is a file name, else None."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if not words or "=" in words[0]:  # empty, or a variable assignment (PYTHONPATH=. python ...)
        return None
    found = _FILE_NAME.match(words[0])
    if not found:
        return None
    return words[0], found.group(1).lower()


def shell_command(command: str) -> str:
    """The shell command that runs ``command`` as Domino runs it."""
    script = script_of(command)
    if script is None or script[1] not in JOB_TYPES:
        return command
    file, extension = script
    words = shlex.split(command)[1:]
    directory = posixpath.dirname(file) or "."
    name = posixpath.splitext(posixpath.basename(file))[0]
    knit = "require('knitr'); knit('" + file.replace("'", "\\'") + "')"
    line = JOB_TYPES[extension].format(
        file=shlex.quote(file),
        args=" ".join(shlex.quote(w) for w in words),
        dir=shlex.quote(directory),
        name=shlex.quote(name),
        knit=shlex.quote(knit),
    )
    return line.rstrip()


def unknown_extension(command: str) -> str | None:
    """The extension of a command's file name that Domino has no job type for, else None."""
    script = script_of(command)
    if script is None or script[1] in JOB_TYPES:
        return None
    return script[1]
