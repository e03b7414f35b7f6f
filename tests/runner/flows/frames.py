"""A workflow taking a pandas DataFrame (the dataframes extra), given as Parquet on the command
line."""

import pandas as pd
from flytekit import workflow

from domino_flows import domino_task


@domino_task
def summarize(df: pd.DataFrame) -> str:
    return f"{len(df)} rows of {','.join(df.columns)}, a sums to {int(df['a'].sum())}"


@workflow
def frame_flow(df: pd.DataFrame) -> str:
    return summarize(df=df)
