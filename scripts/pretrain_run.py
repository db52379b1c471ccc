"""Train the pretrain stage's model of a run folder outside the notebook (resumable): the long positive-control run.
    python scripts/pretrain_run.py RUN_DIR [--profile cpu] [--task reacher-easy] [--set pretrain.steps=2000 ...]
Writes RUN_DIR/TASK/pretrain/{train.pt, model/, metrics.json}; the pipeline's pretrain stage then reuses it."""
import argparse
from dataclasses import asdict
from pathlib import Path
from vjepa_policy.core import stage_settings, parse_overrides, write_metrics
from vjepa_policy.pretrain import pretrain

ap = argparse.ArgumentParser()
ap.add_argument('run_dir'); ap.add_argument('--profile', default='cpu'); ap.add_argument('--task', default='reacher-easy')
ap.add_argument('--set', nargs='*', default=[])
a = ap.parse_args()
cfg = stage_settings('pretrain', a.profile, parse_overrides(a.set).get('pretrain'))
root = Path(a.run_dir)/a.task
rows = pretrain(root/'demos'/'data.zarr', cfg, root/'pretrain')
write_metrics(root/'pretrain', 'pretrain', rows, profile=a.profile, settings=asdict(cfg))
print(rows[0])
