# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig

CMD = "export PYTHONPATH=/mnt/code && python src/train.py"
cfg = DominoJobConfig(Command=CMD)
pip = DominoJobConfig(Command="python -m pip install -r requirements.txt && python ./run.py")
