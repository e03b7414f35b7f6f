"""flytekit imports the connector with every flow (it is the kit's ``flytekit.plugins`` entry
point), so `graph`, `lint` and any script that only defines a flow pay for what it imports."""

from __future__ import annotations

import subprocess
import sys


def test_the_connector_defines_its_metadata_without_the_recording_machinery() -> None:
    code = (
        "import sys, domino_flows.connector as c\n"
        "assert c.DominoJobMetadata(backend='local', job_id='j', run_id='r', task='t').key\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openlineage'}))\n"
        "print('domino_flows.execution.attempt' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "False"]
