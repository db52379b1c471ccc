"""The measured figures of phase 3, per registered task: render speed, expert training, demonstrations, BC from state.

Render frames/s is measured here (one process, fast preset, 256x256, the task's camera). The rest is read from a
run of the pipeline that made paper-scale demonstrations (100k transitions per task) and cloned the expert from
`state` with 5 seeds, each evaluated on 100 episodes:

    MUJOCO_GL=egl .venv/bin/vjepa-policy run --profile paper --run-dir runs/phase3 \\
        --tasks reacher-easy reacher-hard ball_in_cup-catch walker-walk \\
        --stages expert,demos,encode,bc,evaluate --conditions state --seeds 0 1 2 3 4
    MUJOCO_GL=egl .venv/bin/python scripts/phase3_figures.py runs/phase3      # -> results/phase3/figures.json

Expert training time comes from the committed experts' records (`results/experts/<task>/expert.json`).
"""
import argparse
from pathlib import Path
from vjepa_policy.core import read_metrics, read_json, write_json, provenance
from vjepa_policy.envs import TASKS, success_rule
from vjepa_policy.experts import committed_dir
from bench_demos import render_speed      # the same timing as the benchmark's (scripts/ is on the path when run as a script)


def rows(run: Path, task: str, stage: str) -> list[dict]:
    f = run/task/stage/'metrics.json'
    return read_metrics(f)['rows'] if f.exists() else []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run_dir', type=Path, help='the run of the command above')
    ap.add_argument('--out', default='results/phase3/figures.json')
    ap.add_argument('--frames', type=int, default=300)
    ap.add_argument('--note', default=None, help='what the figures cannot say by themselves (e.g. a stage that shared the cores)')
    a = ap.parse_args()
    out = {}
    for task in TASKS:
        fig = dict(success_rule=success_rule(task), render=render_speed('fast', 256, a.frames, task, TASKS[task].camera))
        ex = committed_dir(task)/'expert.json'
        if ex.exists():
            e = read_json(ex)
            fig['expert'] = dict(training_steps=e['training_steps'], training_seconds=e['training_seconds'],
                                 mean_return=e['evaluation']['mean_return'], success_rate=e['evaluation']['success_rate'],
                                 episodes=e['evaluation']['episodes'], bar=e['bar'], passed=e['passed'],
                                 machine=e['provenance']['machine'])
        for r in rows(a.run_dir, task, 'expert'):
            fig['expert_stage'] = {k: r.get(k) for k in ('condition', 'source', 'mean_return', 'success_rate', 'episodes')}
        for r in rows(a.run_dir, task, 'demos'):
            fig['demos'] = {k: r.get(k) for k in ('condition', 'episodes', 'episode_len', 'transitions', 'size', 'seconds',
                                                  'frames_per_second', 'bytes_on_disk', 'expert_success_rate', 'mean_return')}
        ev = rows(a.run_dir, task, 'evaluate')
        agg = [r for r in ev if r['condition'] == 'state' and r['seed'] == 'all']
        if agg:
            r = agg[0]
            fig['bc_state'] = dict(seeds=r['seeds'], episodes=r['episodes'], success_rate=r['success_rate'], success_ci95=r['success_ci95'],
                                   mean_return=r['mean_return'], return_ci95=r['return_ci95'], episode_len=r['episode_len'],
                                   per_seed=[dict(seed=x['seed'], success_rate=x['success_rate'], mean_return=x['mean_return'])
                                             for x in ev if x['condition'] == 'state' and x['seed'] != 'all'])
        fig['bounds'] = {r['condition']: dict(success_rate=r['success_rate'], mean_return=r['mean_return'])
                         for r in ev if r['condition'] == 'random' or r['condition'].startswith('expert:')}
        out[task] = fig
        print(f"== {task}  (success: {fig['success_rule']})")
        print(f"  render {fig['render']['render_fps']:7.1f} frames/s, step+render {fig['render']['step_and_render_fps']:7.1f}/s (one process, fast, 256x256)")
        if 'expert' in fig:
            x = fig['expert']
            print(f"  expert: {x['training_steps']:,} SAC steps in {x['training_seconds'] / 60:.1f} min; return {x['mean_return']:.1f} "
                  f"(bar {x['bar']}), success {x['success_rate']:.0%} over {x['episodes']} episodes")
        if 'demos' in fig:
            d = fig['demos']
            print(f"  demos: {d['transitions']:,} transitions in {d['seconds']:.0f} s ({d['frames_per_second']:.0f} frames/s), "
                  f"{d['bytes_on_disk'] / 1e6:.0f} MB; expert success {d['expert_success_rate']:.0%}, return {d['mean_return']:.1f}")
        if 'bc_state' in fig:
            b = fig['bc_state']
            print(f"  BC from state: success {b['success_rate']:.1%} (95% CI {b['success_ci95'][0]:.1%}-{b['success_ci95'][1]:.1%}), "
                  f"return {b['mean_return']:.1f} over {b['seeds']} seeds x {b['episodes'] // b['seeds']} episodes")
        for c, b in fig['bounds'].items(): print(f"  {c}: success {b['success_rate']:.0%}, return {b['mean_return']:.1f}")
    write_json(a.out, dict(tasks=out, run_dir=str(a.run_dir), note=a.note, provenance=provenance()))
    print(f"figures written to {a.out}")


if __name__ == '__main__':
    main()
