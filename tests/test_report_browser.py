"""The main job end to end: the smoke profile through the CLI, then its report in a real browser (headless Chromium)."""
import json, os, re, shutil, subprocess
import pytest


def chromium():
    "Debian's Chromium: found, or installed with apt when root; None (with the reason) where it cannot be had."
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if exe: return exe, None
    if os.geteuid() != 0: return None, 'chromium is not installed and installing it needs root (apt-get install chromium)'
    r = subprocess.run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium',
                       shell=True, capture_output=True, text=True, timeout=900)
    exe = shutil.which('chromium')
    return (exe, None) if exe else (None, f'apt-get install chromium failed: {r.stderr[-500:]}')


@pytest.fixture(scope='module')
def smoke_run(root, tmp_path_factory):
    "`make report`'s run, less the stage notebooks' unit-test cells (`nbdev_test` runs those; every stage still runs its own checks)."
    run = tmp_path_factory.mktemp('smoke')/'run'
    r = subprocess.run([str(root/'.venv'/'bin'/'vjepa-policy'), 'run', '--profile', 'smoke', '--run-dir', str(run), '--no-notebook-tests'],
                       capture_output=True, text=True, cwd=root, timeout=1500)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert f"Report: {run/'site'/'index.html'}" in r.stdout
    return run


def test_smoke_run_manifest_and_site(smoke_run):
    man = json.loads((smoke_run/'manifest.json').read_text())
    assert man['status'] == 'finished' and man['label'].startswith('smoke')
    stages, tasks = ('expert', 'demos', 'pretrain', 'encode', 'probe', 'bc', 'evaluate', 'sac'), ('reacher-easy', 'ball_in_cup-catch')
    assert [(x['stage'], x['task']) for x in man['records']] == [(s, t) for s in stages for t in tasks] + [('report', None)]
    assert man['site']['renderer'] in ('quarto', 'fallback')
    skipped = {(x['stage'], x['task']) for x in man['records'] if x['status'] == 'skipped'}
    assert skipped == {('pretrain', 'ball_in_cup-catch')}           # none of the cup's conditions needs a trained encoder
    for stage in stages:
        for task in tasks:
            assert (smoke_run/task/stage/'metrics.json').exists() == ((stage, task) not in skipped), (task, stage)
    assert (smoke_run/'reacher-easy'/'pretrain'/'model'/'config.json').exists()     # the trained small encoder, saved
    for cond in ('vjepa2-small-jepa', 'vjepa2-small-random'):                         # ... and used downstream, with its twin
        assert (smoke_run/'reacher-easy'/'encode'/f'{cond}.zarr').exists(), cond
    page = (smoke_run/'site'/'index.html').read_text()
    assert 'SMOKE RUN' in page and 'Success rate (95% CI)' in page
    assert 'Phase 2 (SAC), reacher-easy: vjepa2-tiny-random' in page and 'return_min' in page      # headline, SAC table
    assert 'eff_rank' in page and 'vjepa2-small-random' in page                            # the pretrain section
    for nb in ('10_demos', '15_pretrain', '11_encode', '14_probe', '12_bc', '13_evaluate', '20_sac'):   # a results page per stage notebook
        assert (smoke_run/'site'/'pages'/f'reacher-easy__{nb}.html').exists(), nb
        assert (smoke_run/'site'/'notebooks'/f'reacher-easy__{nb}.ipynb').exists(), nb
    for cond in ('state', 'pixels', 'vjepa2-tiny-random'):        # every SAC run finished, with its agent saved
        assert (smoke_run/'reacher-easy'/'sac'/cond/'seed0'/'agent.pt').exists(), cond


def test_smoke_covers_a_phase3_task_with_the_committed_expert(smoke_run):
    cup = smoke_run/'ball_in_cup-catch'
    ex = json.loads((cup/'expert'/'metrics.json').read_text())['rows'][0]
    assert (ex['condition'], ex['source'], ex['passed']) == ('expert:sac', 'committed', True) and ex['mean_return'] >= 950
    demos = json.loads((cup/'demos'/'metrics.json').read_text())['rows'][0]
    assert demos['condition'] == 'expert:sac' and demos['episode_len'] == 60
    ev = {(r['condition'], r['seed']) for r in json.loads((cup/'evaluate'/'metrics.json').read_text())['rows']}
    assert {('expert:sac', 0), ('random', 0), ('state', 'all'), ('vjepa2-tiny-random', 'all')} <= ev
    probes = {r['target'] for r in json.loads((cup/'probe'/'metrics.json').read_text())['rows']}
    assert probes == {'ball_to_cup', 'ball_velocity'}
    bc = json.loads((cup/'bc'/'metrics.json').read_text())['rows']
    assert {r['condition'] for r in bc} == {'vjepa2-tiny-random', 'noise', 'state'}
    page = (smoke_run/'site'/'index.html').read_text()
    assert 'ball_in_cup-catch: the ball is in the cup at the final step' in page       # the task's success rule, stated
    assert re.search(r'>committed</td>', page) and re.search(r'>\d+% / [\d.]+</td>', page)   # experts table; cross-task cells


def test_report_in_headless_chromium(smoke_run):
    exe, why = chromium()
    if exe is None:
        print(f'SKIPPED browser test: {why}'); pytest.skip(why)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                               '--disable-background-networking', '--disable-component-update', '--disable-sync'])
        page = b.new_page(viewport={'width': 1200, 'height': 900})
        page.goto((smoke_run/'site'/'index.html').as_uri()); page.wait_for_load_state('load')
        assert page.locator('th', has_text='Success rate (95% CI)').count() == 2          # the Phase 1 table of each task
        assert page.locator('text=expert:jacobian').count() >= 1
        imgs = page.eval_on_selector_all('img', 'els => els.map(e => [e.getAttribute("src").slice(0, 60), e.naturalWidth])')
        assert len(imgs) >= 6, imgs                          # probe figure, SAC curves and rollout GIFs
        assert all(w > 0 for _, w in imgs), [s for s, w in imgs if w == 0]
        shot = smoke_run/'site'/'screenshot.png'
        page.screenshot(path=str(shot), full_page=True)
        b.close()
    assert shot.stat().st_size > 10_000


def test_quarto_render(smoke_run):
    "The Quarto path, where the binary exists (it cannot be installed on the project's CI machines)."
    if not shutil.which('quarto'):
        print('SKIPPED Quarto render: quarto is not on the PATH'); pytest.skip('quarto is not on the PATH')
    from vjepa_policy.report import render_site
    r = render_site(smoke_run)
    assert r['renderer'] == 'quarto' and (smoke_run/'site'/'index.html').exists()
    assert 'Success rate (95% CI)' in (smoke_run/'site'/'index.html').read_text()


def test_publish_run_copies_results_and_shrinks_gifs(root, smoke_run, tmp_path):
    "scripts/publish_run.py on the smoke run: metrics, rollouts, curves, figures and the site, GIFs under the size asked."
    out = tmp_path/'published'
    r = subprocess.run([str(root/'.venv'/'bin'/'python'), str(root/'scripts'/'publish_run.py'), str(smoke_run), str(out),
                        '--gif-kb', '60'], capture_output=True, text=True, cwd=root, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    s = json.loads((out/'published.json').read_text())
    assert (out/'manifest.json').exists() and (out/'site'/'index.html').exists()
    assert (out/'runs'/'reacher-easy'/'evaluate'/'metrics.json').exists()
    for f in [out/'manifest.json', out/'runs'/'reacher-easy'/'sac'/'metrics.json', *(out/'runs').glob('*/evaluate/rollouts/*.json')]:
        assert json.loads(f.read_text())['provenance']['commit'], f          # every result says which code made it
    mark = json.loads((smoke_run/'reacher-easy'/'sac'/'.stage.json').read_text())     # ... the code that ran its stage
    assert mark['commit'] and json.loads((out/'runs'/'reacher-easy'/'sac'/'metrics.json').read_text())['provenance']['commit'] == mark['commit']
    assert s['provenance']['commit'] and s['provenance']['machine']['cores'] and 'publish_run.py' in s['provenance']['command']
    assert list((out/'runs'/'reacher-easy'/'evaluate'/'rollouts').glob('state-seed0.json'))
    assert list((out/'runs'/'reacher-easy'/'sac').glob('*/seed0/curve.json'))
    probes = [f for f in s['figures'] if f.startswith('fig-probes')]          # one per task with probes
    assert len(probes) == 2 and all((out/'figures'/f).stat().st_size > 1000 for f in probes), s['figures']
    gifs = sorted((out/'site'/'videos').glob('*.gif'))
    assert gifs and {g.name for g in gifs} == {g.name for g in (smoke_run/'site'/'videos').glob('*.gif')}
    from PIL import Image
    for g, info in zip(gifs, sorted(s['gifs'], key=lambda x: x['gif'])):
        kb, width = float(info['kb'].split(' -> ')[1]), int(info['width'].split(' -> ')[1])
        assert kb <= 60 or width < 2 * 192, info                 # fits, or could not be halved again
        im = Image.open(g); assert im.format == 'GIF' and 1 < im.n_frames <= 80, (g, im.n_frames)
    rows = {(w['stage'], w['task']): w for w in s['wall_times']}
    assert ('pretrain', 'ball_in_cup-catch') not in rows                      # skipped: no stage folder
    assert rows['sac', 'reacher-easy']['item_s'] > 0 and rows['sac', 'reacher-easy']['untimed'] == 0
    assert rows['evaluate', 'reacher-easy']['items'] > 0 and s['item_hours'] > 0
    again = subprocess.run([str(root/'.venv'/'bin'/'python'), str(root/'scripts'/'publish_run.py'), str(smoke_run),
                            str(tmp_path)], capture_output=True, text=True, cwd=root, timeout=600)
    assert again.returncode != 0 and 'was not made by this script' in again.stderr       # an unrelated folder is kept


def test_restore_puts_a_publication_back_and_keeps_its_wall_times(root, smoke_run, tmp_path):
    """`publish_run.py --restore`: a publication copied back into a fresh run folder (what a study continued on another
    machine starts from) renders again, and publishing it again keeps the wall times of the stages that did not rerun."""
    py, script = str(root/'.venv'/'bin'/'python'), str(root/'scripts'/'publish_run.py')
    pub, run = tmp_path/'published', tmp_path/'run'
    r = subprocess.run([py, script, str(smoke_run), str(pub), '--gif-kb', '60'], capture_output=True, text=True, cwd=root, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    (run/'reacher-easy'/'sac').mkdir(parents=True)
    mine = run/'reacher-easy'/'sac'/'metrics.json'; mine.write_text('{"mine": 1}')          # already there: kept
    r = subprocess.run([py, script, '--restore', str(pub), str(run)], capture_output=True, text=True, cwd=root, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    info = json.loads((run/'restored.json').read_text())
    assert json.loads(mine.read_text()) == {'mine': 1} and 'reacher-easy/sac/metrics.json' in info['kept']
    for rel in ('reacher-easy/evaluate/metrics.json', 'reacher-easy/evaluate/rollouts/state-seed0.json',
                'reacher-easy/sac/state/seed0/curve.json', 'notebooks/90_report.ipynb',
                'ball_in_cup-catch/evaluate/metrics.json'):
        if rel.endswith('.json'):        # as the run wrote it, with the publication's provenance stamp beside
            back = json.loads((run/rel).read_text())
            orig, same = json.loads((smoke_run/rel).read_text()), lambda d: json.dumps(d, sort_keys=True)   # NaN-safe
            assert back['provenance']['commit'], rel                  # its own provenance (SAC curves), else the stamp
            if 'provenance' not in orig: back.pop('provenance')
            assert same(back) == same(orig), rel
        else: assert (run/rel).exists(), rel
    gifs = {g.name for g in (pub/'site'/'videos').glob('*.gif')}
    assert gifs and gifs == {g.name for g in run.glob('*/evaluate/videos/*.gif')}             # each GIF back under its own task
    assert not list(run.glob('**/.stage.json'))          # no stage claims to be finished: selected again, it runs again
    assert json.loads((run/'manifest.json').read_text())['profile'] == 'smoke'
    (run/'reacher-easy'/'evaluate'/'.stage.json').write_text('{"seconds": 1.0}')     # as if evaluate ran again here
    from vjepa_policy.report import render_site
    assert render_site(run)['renderer'] in ('quarto', 'fallback') and (run/'site'/'index.html').exists()
    r = subprocess.run([py, script, str(run), str(tmp_path/'again'), '--gif-kb', '60'], capture_output=True, text=True,
                       cwd=root, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    before = json.loads((pub/'published.json').read_text())['wall_times']
    after = json.loads((tmp_path/'again'/'published.json').read_text())['wall_times']
    ident = lambda w: (w['stage'], w['task'])
    assert before and sorted(map(ident, after)) == sorted(map(ident, before))       # each stage once, none lost
    ev = [w for w in after if ident(w) == ('evaluate', 'reacher-easy')]
    assert ev[0]['last_run_s'] == 1.0 and not ev[0].get('restored')                 # the stage that ran again: its own time
    assert all(w.get('restored') for w in after if ident(w) != ('evaluate', 'reacher-easy'))
    assert {ident(w): w['item_s'] for w in after} == {ident(w): w['item_s'] for w in before}
    bad = subprocess.run([py, script, '--restore', str(smoke_run), str(tmp_path/'x')], capture_output=True, text=True,
                         cwd=root, timeout=600)
    assert bad.returncode != 0 and 'was not made by this script' in bad.stderr


def test_attentive_probe_script_runs_on_the_smoke_run(root, python, smoke_run, tmp_path):
    out = tmp_path/'ap.json'
    r = subprocess.run([python, str(root/'scripts'/'control_attentive_probe.py'), str(smoke_run), '--episodes', '4', '--every', '10',
                        '--epochs', '2', '--seeds', '0', '--out', str(out)], capture_output=True, text=True, timeout=600, cwd=root)
    assert r.returncode == 0, r.stderr[-3000:]
    b = json.loads(out.read_text())
    assert {x['condition'] for x in b['rows']} == {'vjepa2-small-jepa', 'vjepa2-small-random'}
    assert {x['target'] for x in b['rows']} >= {'finger_xy', 'target_xy'} and b['provenance']['command']
    none = subprocess.run([python, str(root/'scripts'/'control_attentive_probe.py'), str(tmp_path), '--out', str(out)],
                          capture_output=True, text=True, timeout=120, cwd=root)
    assert none.returncode != 0 and 'No trained model' in none.stderr


def test_control_results_script_on_the_smoke_run(root, python, smoke_run, tmp_path):
    "scripts/control_results.py (the positive control's results file) recomputes its figures from the run's own files."
    out = tmp_path/'control.json'
    r = subprocess.run([python, str(root/'scripts'/'control_results.py'), str(smoke_run), '--out', str(out)],
                       capture_output=True, text=True, timeout=300, cwd=root)
    assert r.returncode == 0, r.stderr[-3000:]
    b = json.loads(out.read_text())
    assert b['pair'] == ['vjepa2-small-jepa', 'vjepa2-small-random'] and b['readout'] == 'pooling=mean'
    assert b['pretrain']['predict'] == 'features' and b['pretrain']['settings']['steps'] == b['pretrain']['steps']
    roll = smoke_run/'reacher-easy'/'evaluate'/'rollouts'
    succ = {c: json.loads((roll/f'{c}-seed0.json').read_text())['success'] for c in b['pair'] + ['noise', 'state']}
    succ['random'] = json.loads((roll/'random.json').read_text())['success']      # the random policy: one run, no seed
    for c, s in succ.items(): assert b['success_pooled'][c]['success_rate'] == pytest.approx(sum(s) / len(s)), c
    twin = next(x for x in b['comparisons'] if x['a'] == 'vjepa2-small-jepa' and x['b'] == 'vjepa2-small-random')
    a_, t_ = succ['vjepa2-small-jepa'], succ['vjepa2-small-random']
    assert twin['difference'] == pytest.approx(sum(a_) / len(a_) - sum(t_) / len(t_)) and twin['n'] == f'{len(a_)} episodes x 1 seeds'
    assert b['targets']['BC success >= 60%']['verdict'] in ('met', 'not met', 'undecided') and b['provenance']['command']
    none = subprocess.run([python, str(root/'scripts'/'control_results.py'), str(tmp_path), '--out', str(tmp_path/'x.json')],
                          capture_output=True, text=True, timeout=120, cwd=root)
    assert none.returncode != 0 and 'No pretrain summary' in none.stderr
