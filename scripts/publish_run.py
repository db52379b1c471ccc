"""Copy a finished run folder's results into a folder small enough to commit: its manifest, every stage's metrics, the
per-episode rollout outcomes, the SAC curves, the report's figures as PNG files, the rendered site
with its GIFs re-encoded smaller, and a table of wall time per stage.

    .venv/bin/python scripts/publish_run.py runs/control results/cpu --max-mb 30

Nothing is recomputed: every figure in the output was written by the run. The GIFs keep their names (the site's
pages link to them) and are re-encoded with fewer frames and, where needed, fewer pixels, until each fits
`--gif-kb`. The output folder is replaced; a folder that this script did not make is refused.

`--restore` goes the other way, so that a study can go on on a machine where its run folder is gone (`runs/` is
not committed):

    .venv/bin/python scripts/publish_run.py --restore results/cpu runs/control

copies the publication's manifest, metrics, rollouts, SAC curves, executed stage notebooks and GIFs (the smaller
ones it holds) back into the run folder, never over a file that is already there. Stages keep no completion mark, so a stage selected again runs again; a SAC
run whose `curve.json` came back is reused when its key (settings and encoder, the trained encoder's weights
included) is unchanged, and refused otherwise. A later publication of the run keeps the earlier wall times of
the stages that did not run again (marked `restored`).
"""
import argparse, base64, json, math, re, shutil, sys
from pathlib import Path

MARK = 'published.json'


def shrink_gif(src: Path, dest: Path, max_kb: int, max_frames: int = 80, min_width: int = 192) -> dict:
    """`src` into `dest`: copied if it already fits `max_kb` and `max_frames`, else re-encoded with at most `max_frames`
    frames, its width halved (not below `min_width`) until it fits."""
    from PIL import Image, ImageSequence
    im = Image.open(src)
    frames = [f.convert('RGB') for f in ImageSequence.Iterator(im)]
    if src.stat().st_size <= max_kb * 1024 and len(frames) <= max_frames:
        shutil.copy2(src, dest)
        return dict(gif=dest.name, frames=f'{len(frames)} -> {len(frames)}', width=f'{im.width} -> {im.width}',
                    kb=f'{src.stat().st_size / 1024:.0f} -> {src.stat().st_size / 1024:.0f}')
    step = max(1, math.ceil(len(frames) / max_frames))
    keep, ms = frames[::step], im.info.get('duration', 40) * step
    width = keep[0].width
    while True:
        scale = width / keep[0].width
        out = [f.resize((width, max(1, round(f.height * scale)))) if scale != 1 else f for f in keep]
        out[0].save(dest, save_all=True, append_images=out[1:], duration=ms, loop=0, optimize=True)
        kb = dest.stat().st_size / 1024
        if kb <= max_kb or width // 2 < min_width: break
        width //= 2
    return dict(gif=dest.name, frames=f'{len(frames)} -> {len(out)}', width=f'{keep[0].width} -> {width}',
                kb=f'{src.stat().st_size / 1024:.0f} -> {kb:.0f}')


def report_figures(nb_path: Path, dest: Path) -> list[str]:
    "The PNG images of the executed report notebook's outputs, named by the cell's `#| label:` (else its position)."
    nb = json.loads(nb_path.read_text())
    names, n = [], 0
    for c in nb['cells']:
        if c['cell_type'] != 'code': continue
        m = re.search(r'#\|\s*label:\s*(\S+)', ''.join(c['source']))
        pngs = [o['data']['image/png'] for o in c.get('outputs', []) if 'image/png' in o.get('data', {})]
        for i, png in enumerate(pngs):
            n += 1
            name = (m.group(1) if m else f'figure-{n:02d}') + (f'-{i + 1}' if len(pngs) > 1 else '') + '.png'
            dest.mkdir(parents=True, exist_ok=True)
            (dest/name).write_bytes(base64.b64decode(png if isinstance(png, str) else ''.join(png)))
            names.append(name)
    return names


TIMED = ('demos', 'pretrain', 'encode', 'bc', 'evaluate', 'sac')      # stages whose metrics time each work item


def _items(run: Path, stage: str, task: str) -> tuple[float, int, int]:
    "(seconds, items timed, items reused without a time) of one stage's work items, from its metrics and SAC curves."
    d = run/task/stage
    if stage == 'sac':
        curves = [json.loads(p.read_text())['curve'] for p in sorted(d.glob('*/seed*/curve.json'))]
        t = [c[-1].get('seconds') if c else None for c in curves]           # each record: the run's seconds so far
        return sum(x for x in t if x), sum(1 for x in t if x), sum(1 for x in t if not x)
    rows = json.loads((d/'metrics.json').read_text())['rows'] if (d/'metrics.json').exists() else []
    if stage == 'pretrain': rows = [r for r in rows if r.get('kind') == 'summary']
    if stage == 'evaluate': rows = [r for r in rows if r.get('seed') != 'all']       # the aggregates repeat the seeds
    if stage == 'encode':                                                            # a reused encoding keeps no time
        new = [r for r in rows if r.get('clips')]
        return sum(r['seconds'] for r in new), len(new), len(rows) - len(new)
    timed = [r['seconds'] for r in rows if isinstance(r.get('seconds'), (int, float))]
    return sum(timed), len(timed), len(rows) - len(timed)


def wall_times(run: Path) -> list[dict]:
    """Per stage and task, in pipeline order: `last_run_s`, the seconds of the stage's last execution (work reused from an
    earlier execution costs nothing there), and `item_s`, the seconds its metrics record for each work item (an encoding,
    a policy's training or evaluation, a SAC run), summed whenever it was made (other stages: their last execution); `untimed` items were reused from
    executions whose time is not kept."""
    from vjepa_policy.pipeline import STAGES, stage_dir
    tasks = sorted(p.name for p in run.iterdir() if p.is_dir() and any(p.glob('*/.stage.json')))
    rows = []
    for s in STAGES:
        for t in tasks if s.per_task else [None]:
            mark = stage_dir(run, s, t)/'.stage.json'
            if not mark.exists(): continue
            last = json.loads(mark.read_text())['seconds']
            secs, n, untimed = _items(run, s.name, t) if s.name in TIMED else (last, 1, 0)
            rows.append(dict(stage=s.name, task=t, last_run_s=round(last, 1),
                             item_s=round(secs, 1), items=n, untimed=untimed))
    return rows


RESTORED = 'restored.json'


def restore(published: Path, run: Path) -> dict:
    """Copy a publication made by `publish` back into the run folder `run`: manifest, metrics, rollouts, SAC curves,
    executed notebooks, GIFs (the publication's smaller ones, into their task's `evaluate/videos/`). A file already in `run` is kept. Writes `run/restored.json`
    (where from, what was copied and kept, the publication's wall times) and returns it."""
    if not (published/MARK).exists():
        raise SystemExit(f"{published} has no {MARK}: it was not made by this script, so there is nothing to restore.")
    src = published/'runs'
    tasks = sorted((p.name for p in src.iterdir() if p.is_dir()), key=len, reverse=True) if src.exists() else []
    pairs = [(p, run/p.relative_to(src)) for pat in ('*/*/metrics.json', '*/evaluate/rollouts/*.json', '*/sac/*/seed*/curve.json')
             for p in sorted(src.glob(pat))]
    pairs += [(p, run/'notebooks'/p.name) for p in sorted((published/'site'/'notebooks').glob('*.ipynb'))]
    pairs += [(published/'manifest.json', run/'manifest.json')] if (published/'manifest.json').exists() else []
    for g in sorted((published/'site'/'videos').glob('*.gif')):
        task = next((t for t in tasks if g.name.startswith(t + '-')), None)
        if task is None: raise SystemExit(f"{g.name} names none of the tasks {sorted(tasks)}: cannot tell where it goes.")
        pairs.append((g, run/task/'evaluate'/'videos'/g.name))
    copied, kept = [], []
    for a, b in pairs:
        if b.exists(): kept.append(str(b.relative_to(run))); continue
        b.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(a, b); copied.append(str(b.relative_to(run)))
    earlier = json.loads((published/MARK).read_text())
    info = dict(source=str(published), copied=copied, kept=kept, wall_times=earlier.get('wall_times', []))
    run.mkdir(parents=True, exist_ok=True)
    (run/RESTORED).write_text(json.dumps(info, indent=1))
    return info


def stamp(out: Path, files: list[Path], run: Path) -> dict:
    """Each copied JSON file that does not say which code made it gets a `provenance`: the commit its stage's mark
    records (`.stage.json`), else the run manifest's (the code of the run's last pipeline invocation: a stage reused
    from an earlier one may be older), the command that made the run, and the machine that publishes it. Returns the
    run's record."""
    from vjepa_policy.core import machine
    man = json.loads((out/'manifest.json').read_text())
    made = dict(commit=man.get('git_commit'), command=f"vjepa-policy run --profile {man.get('profile')} --run-dir {man.get('run_dir')}",
                machine=machine(), note="commit: the code of the run's last pipeline invocation (its manifest); a stage "
                "reused from an earlier invocation may have been made by older code", stamped_by='scripts/publish_run.py')
    for f in files:
        d = json.loads(f.read_text())
        if not isinstance(d, dict) or 'commit' in d or 'provenance' in d: continue
        rel = f.relative_to(out/'runs').parts if (out/'runs') in f.parents else ()
        mark = run/rel[0]/rel[1]/'.stage.json' if len(rel) > 2 else None
        commit = json.loads(mark.read_text()).get('commit') if mark and mark.exists() else None
        stamp_ = dict(made, commit=commit, note="commit: the code that ran this stage (its mark)") if commit else made
        f.write_text(json.dumps(dict(d, provenance=stamp_), indent=1))
    return made


def publish(run: Path, out: Path, gif_kb: int, max_mb: float, note: str | None = None) -> dict:
    if not (run/'manifest.json').exists(): raise SystemExit(f"{run} has no manifest.json: is it a run folder?")
    if not (run/'site'/'index.html').exists(): raise SystemExit(f"{run} has no rendered site: run its report stage first.")
    if out.exists():
        if not (out/MARK).exists(): raise SystemExit(f"{out} exists and was not made by this script: choose another folder.")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy2(run/'manifest.json', out/'manifest.json')
    patterns = ('*/*/metrics.json', '*/evaluate/rollouts/*.json', '*/sac/*/seed*/curve.json', '*/*/model/config.json')
    copied = [p for pat in patterns for p in sorted(run.glob(pat))]
    for p in copied:
        d = out/'runs'/p.relative_to(run); d.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(p, d)
    copied = [out/'manifest.json'] + [out/'runs'/p.relative_to(run) for p in copied]
    made = stamp(out, copied, run)
    site = out/'site'
    shutil.copytree(run/'site', site, ignore=shutil.ignore_patterns('*.gif'))
    gifs = [shrink_gif(g, site/'videos'/g.name, gif_kb) for g in sorted((run/'site'/'videos').glob('*.gif'))]
    report = next(iter(sorted((run/'notebooks').glob('*90_report.ipynb'))), None)
    figs = report_figures(report, out/'figures') if report else []
    times = wall_times(run)
    from vjepa_policy.core import provenance
    if (run/RESTORED).exists():       # stages that did not run again since a restore: their time from the publication
        ran = {(r['stage'], r['task']) for r in times}
        times += [dict(r, restored=True) for r in json.loads((run/RESTORED).read_text())['wall_times']
                  if (r['stage'], r['task']) not in ran]
        from vjepa_policy.pipeline import STAGES
        order = [s.name for s in STAGES]
        times.sort(key=lambda r: (order.index(r['stage']), r['task'] or ''))
    mb = sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 2**20
    summary = dict(run=str(run), files=len([f for f in out.rglob('*') if f.is_file()]) + 1, mb=round(mb, 2),
                   figures=figs, gifs=gifs, wall_times=times,
                   item_hours=round(sum(r['item_s'] for r in times) / 3600, 2), **({'note': note} if note else {}),
                   run_made_by=made, provenance=provenance())
    (out/MARK).write_text(json.dumps(summary, indent=1))
    if mb > max_mb:
        raise SystemExit(f"{out} holds {mb:.1f} MB, over --max-mb {max_mb}: lower --gif-kb.")
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('run', type=Path, help='a finished run folder (with its report rendered); with --restore, the publication')
    ap.add_argument('out', type=Path, help='the folder to write (replaced if this script made it); with --restore, the run folder')
    ap.add_argument('--restore', action='store_true', help='copy a publication back into a run folder (see above)')
    ap.add_argument('--note', help="what a reader of the publication must know that its files do not say (kept in published.json)")
    ap.add_argument('--gif-kb', type=int, default=700, help='size each GIF is re-encoded to fit (KB)')
    ap.add_argument('--max-mb', type=float, default=30, help='refuse an output larger than this (MB)')
    a = ap.parse_args(argv)
    if a.restore:
        r = restore(a.run, a.out)
        print(f"{a.out}: {len(r['copied'])} files restored from {a.run}, {len(r['kept'])} already there and kept")
        return
    s = publish(a.run, a.out, a.gif_kb, a.max_mb, a.note)
    print(f"{a.out}: {s['files']} files, {s['mb']} MB; figures: {', '.join(s['figures']) or 'none'}")
    for g in s['gifs']: print(f"  {g['gif']}: frames {g['frames']}, width {g['width']}, KB {g['kb']}")
    print(f"{'stage':9s} {'task':18s} {'last run s':>10s} {'item s':>9s} {'items':>5s} {'untimed':>7s}")
    for r in s['wall_times']:
        print(f"{r['stage']:9s} {r['task'] or '':18s} {r['last_run_s']:10.1f} {r['item_s']:9.1f} {r['items']:5d} {r['untimed']:7d}"
              + ('  (restored: from the earlier publication)' if r.get('restored') else ''))
    print(f"items, all stages: {s['item_hours']} h")


if __name__ == '__main__':
    sys.exit(main())
