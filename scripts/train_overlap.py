"""How many of a run's probe episodes were in the video a model was trained on: whether that run's probe R^2 is held out.

`scripts/control_sweep.py` trains on the first `--train-episodes` of a demonstration set's episodes that the pretrain
settings do not hold out (`split_episodes(SOURCE, held_out, 0)`), and the probe stage of a run tests on
`split_episodes(RUN, test_fraction, seed)`'s test part. Two datasets made with the same demos `seed` share their
episodes by index (episode i is reset with `episode_seed('demo', seed, i)`), so a run with fewer episodes holds the
first ones of a larger set. This script compares the two sets by those seeds and prints the overlap per probe part
(fit, validation, test). It made the count in `results/control/reacher-easy-pixels-sweep0.json`'s note:

    .venv/bin/python scripts/train_overlap.py --source-episodes 500 --train-episodes 150 --run-episodes 150

(the model trained on `runs/control`'s 500 episodes, the closed-loop run `runs/pix0` had 150). `--json` prints the
figures as JSON. It assumes every episode of both sets is complete (a dataset's positions are then its episode indices)
and that both were made with the profile's demos seed. The settings are the profile's (`--profile cpu`): the pretrain stage's `held_out`, the probe stage's
`test_fraction` and `seed`, the demos stage's `seed`.
"""
import argparse, json
import numpy as np
from vjepa_policy.core import episode_seed, stage_settings
from vjepa_policy.probe import split_episodes


def overlap(source_episodes:int, train_episodes:int, run_episodes:int, held_out:float, test_fraction:float,
            probe_seed:int=0, demo_seed:int=0) -> dict:
    "{'train': episodes the model saw, 'fit'/'validation'/'test': the run's probe parts and how many of each it saw}."
    _, _, held = split_episodes(source_episodes, held_out, 0)
    trained = np.delete(np.arange(source_episodes), held)[:train_episodes]
    seen = {episode_seed('demo', demo_seed, int(i)) for i in trained}
    parts = dict(zip(('fit', 'validation', 'test'), split_episodes(run_episodes, test_fraction, probe_seed)))
    out = dict(train=len(trained))
    for name, idx in parts.items():
        out[name] = dict(episodes=len(idx), in_training_video=sum(episode_seed('demo', demo_seed, int(i)) in seen for i in idx))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--source-episodes', type=int, required=True, help='episodes of the set the model trained on')
    ap.add_argument('--train-episodes', type=int, required=True, help="how many of its non-held-out episodes it trained on")
    ap.add_argument('--run-episodes', type=int, required=True, help="episodes of the run whose probes are read")
    ap.add_argument('--profile', default='cpu', help='the profile whose settings both runs used (default: cpu)')
    ap.add_argument('--task', default='reacher-easy')
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    pre, probe, demos = (stage_settings(s, a.profile, task=a.task) for s in ('pretrain', 'probe', 'demos'))
    if a.train_episodes > a.source_episodes: ap.error('--train-episodes cannot exceed --source-episodes')
    r = overlap(a.source_episodes, a.train_episodes, a.run_episodes, pre.held_out, probe.test_fraction, probe.seed, demos.seed)
    if a.json: print(json.dumps(r)); return
    print(f"The model trained on {r['train']} episodes (of {a.source_episodes}, held_out {pre.held_out}); "
          f"the run has {a.run_episodes} (probe test_fraction {probe.test_fraction}, seed {probe.seed}).")
    for name in ('fit', 'validation', 'test'):
        print(f"  probe {name}: {r[name]['in_training_video']} of {r[name]['episodes']} episodes were in the training video")


if __name__ == '__main__':
    main()
