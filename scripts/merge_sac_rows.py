"""Put the rows of SAC runs that a stage did not run again back into its metrics file, from an earlier metrics file.

    .venv/bin/python scripts/merge_sac_rows.py runs/control/reacher-easy/sac/metrics.json \\
        results/cpu/runs/reacher-easy/sac/metrics.json --condition vjepa2-small-jepa --seeds 0 1 --why "..."

For a study continued on another machine (`publish_run.py --restore`), where some runs of a condition cannot be
reused by key because their encoder was trained again (the weights differ in floating point) and only the missing
seeds were run. Files whose SAC settings differ (other than which conditions and seeds ran) are refused. The rows are inserted before the condition's first row (else before the random floor), the
condition's seeds in `settings.condition_seeds` are completed, and `merged` records what came from where. A row
that is already there is refused, so the merge cannot be applied twice.
"""
import argparse, copy, json, sys
from pathlib import Path


SEEDS = ('conditions', 'seeds', 'condition_seeds')      # settings that say which runs ran, not how


def merge(new: dict, old: dict, condition: str, seeds: list[int], why: str) -> dict:
    "`new` (not changed) with `old`'s rows of `condition` at `seeds`."
    a, b = ({k: v for k, v in d['settings'].items() if k not in SEEDS} for d in (new, old))
    if a != b:
        diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        raise SystemExit(f"The two files' SAC settings differ ({', '.join(diff)}): their rows are not of one study.")
    new = copy.deepcopy(new)
    take = [r for r in old['rows'] if r['condition'] == condition and r['seed'] in seeds]
    if not take: raise SystemExit(f"The earlier file has no rows of {condition} seeds {seeds}.")
    ident = lambda r: (r['condition'], r['seed'], r.get('step'))
    have = {ident(r) for r in new['rows']}
    if any(ident(r) in have for r in take): raise SystemExit(f"Rows of {condition} seeds {seeds} are already there: nothing merged.")
    rows = new['rows']
    at = next((i for i, r in enumerate(rows) if r['condition'] == condition),
              next((i for i, r in enumerate(rows) if r['condition'] == 'random'), len(rows)))
    new['rows'] = rows[:at] + take + rows[at:]
    s = new['settings']
    cs = dict(s.get('condition_seeds') or {})
    cs[condition] = sorted(set(seeds) | set(cs.get(condition, s.get('seeds', []))))
    s['condition_seeds'] = cs
    new.setdefault('merged', []).append(dict(condition=condition, seeds=seeds, rows=len(take), why=why))
    return new


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('new', type=Path, help="the stage's metrics.json, rewritten in place")
    ap.add_argument('old', type=Path, help='the earlier metrics.json that holds the rows')
    ap.add_argument('--condition', required=True)
    ap.add_argument('--seeds', type=int, nargs='+', required=True)
    ap.add_argument('--why', required=True, help='where the rows come from and why they were not run again')
    a = ap.parse_args(argv)
    out = merge(json.loads(a.new.read_text()), json.loads(a.old.read_text()), a.condition, a.seeds, a.why)
    a.new.write_text(json.dumps(out, indent=1))
    print(f"{a.new}: {out['merged'][-1]['rows']} rows of {a.condition} seeds {a.seeds} merged; {len(out['rows'])} rows")


if __name__ == '__main__':
    sys.exit(main())
