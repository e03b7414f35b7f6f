"""Stage script of examples/stage_scripts.py: one file a word, holding its count."""

import tempfile
from collections import Counter
from pathlib import Path

from domino_flows import job

tokens = job.read_input("tokens", Path).read_text().split()
min_count = job.read_input("min_count", int)
if not tokens:
    job.fail("no tokens to count: the text input was empty")
counts = Counter(tokens)
out = Path(tempfile.mkdtemp()) / "counts"
out.mkdir()
kept = {word: n for word, n in counts.items() if n >= min_count}
for word, n in kept.items():
    (out / word).write_text(str(n))
job.write_output("counts", out)
job.write_output("distinct", len(kept))
