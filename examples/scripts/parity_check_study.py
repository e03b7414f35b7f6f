"""Stage script of examples/official_volumes.py: count the subjects of a NetApp volume snapshot."""

from domino_flows import job

volume_id = job.read_input("volume_id", str)
study = job.domino_path(f"/mnt/netapp-volumes/{volume_id}/study.csv")
if not study.is_file():
    job.fail(f"no study table at {study}: is NetApp volume {volume_id!r} mounted?")
job.write_output("subjects", len(study.read_text().splitlines()) - 1)
