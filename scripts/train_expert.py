"""Train (or resume, or reuse) a task's state-SAC expert and commit it under results/experts/<task>/.

The expert stage's own code (`experts.train_expert`) with the task's registered settings (`envs.TASKS`): the SAC
run lives in `runs/experts/<task>/sac` (checkpoints every 20k steps: run the command again after a stop), then the
actor, its record (evaluation on 20 episodes of the eval split, the training curve, command, commit, machine) and
the curve as a figure are copied to `results/experts/<task>/`.

    OMP_NUM_THREADS=1 MUJOCO_GL=egl .venv/bin/python scripts/train_expert.py ball_in_cup-catch
    OMP_NUM_THREADS=1 MUJOCO_GL=egl .venv/bin/python scripts/train_expert.py walker-walk
"""
import argparse, shutil
from pathlib import Path
from vjepa_policy.core import stage_settings
from vjepa_policy.experts import train_expert, committed_dir, plot_curve


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('task')
    ap.add_argument('--run-dir', default=None, help='where the SAC run lives (default runs/experts/<task>)')
    ap.add_argument('--no-commit', action='store_true', help='train and evaluate only; leave results/experts/ as it is')
    a = ap.parse_args()
    cfg = stage_settings('expert', 'paper', dict(source='train'), task=a.task)
    run = Path(a.run_dir or f'runs/experts/{a.task}')
    rec = train_expert(a.task, cfg, run)
    ev = rec['evaluation']
    print(f"{a.task}: return {ev['mean_return']:.1f} (bar {rec['bar']}), success {ev['success_rate']:.0%} over "
          f"{ev['episodes']} episodes; trained {rec['training_steps']:,} steps in {rec['training_seconds'] / 60:.1f} min")
    import matplotlib; matplotlib.use('Agg')
    ax = plot_curve(rec); ax.set_ylabel('evaluation return (10 episodes)')
    ax.figure.tight_layout(); ax.figure.savefig(run/'curve.png', dpi=100)
    if a.no_commit: return
    dest = committed_dir(a.task); dest.mkdir(parents=True, exist_ok=True)
    for f in ('actor.pt', 'expert.json', 'curve.png'): shutil.copy2(run/f, dest/f)
    print(f"committed to {dest}: {', '.join(sorted(p.name for p in dest.iterdir()))}")


if __name__ == '__main__':
    main()
