"""Stage script of examples/official_volumes.py: count rows in mounted data.

Reads the reference table from the external data volume ``reference`` (``/mnt/data/reference``),
the NetApp volume snapshot chosen at launch (``/mnt/netapp-volumes/<volume id>``) and the
``sales`` dataset snapshot; ``job.domino_path`` finds them locally too.
"""

import json

from domino_flows import job

snapshot = json.loads(job.read_input("netapp_volume_snapshot_0", str))
volume = job.domino_path(f"/mnt/netapp-volumes/{snapshot['Id']}")
reference = job.domino_path("/mnt/data/reference/reference.csv")
sales = job.domino_path("/domino/datasets/local/snapshots/sales/1/sales.csv")
counts = {}
for label, path in (("study", volume / "study.csv"), ("reference", reference), ("sales", sales)):
    if not path.is_file():
        job.fail(f"{label} data not found at {path}: is it mounted?")
    counts[label] = len(path.read_text().splitlines()) - 1
job.write_output("rows", sum(counts.values()))
