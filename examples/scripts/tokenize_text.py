"""Stage script of examples/stage_scripts.py: split text into one token a line."""

import tempfile
from pathlib import Path

from domino_flows import job

text = job.read_input("text", str)
tokens = [word.strip(".,;:!?").lower() for word in text.split()]
scratch = Path(tempfile.mkdtemp())
(scratch / "tokens.txt").write_text("\n".join(tokens) + "\n")
job.write_output("tokens", scratch / "tokens.txt")
job.write_output("token_count", len(tokens))
