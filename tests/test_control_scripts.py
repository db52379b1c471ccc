"""The positive control's diagnostic scripts: the attentive probe reads where a token is (on the smoke run:
test_report_browser); the sweep saves a model the pooling probe reads; the pooling probe's paired intervals; a pair
trained outside the run (`model=FOLDER`) goes through the pipeline and control_results.py."""
import importlib.util
import numpy as np
import pytest
import torch


def load(root, name):
    spec = importlib.util.spec_from_file_location(name, root/'scripts'/f'{name}.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m


def test_attentive_probe_finds_a_marked_token_position(root):
    "Tokens that carry no position (as RoPE leaves them): one marked token; the probe's target is its grid cell."
    ap = load(root, 'control_attentive_probe')
    rng = np.random.default_rng(0)
    n, D, N = 16, 8, 1200
    X = torch.from_numpy(rng.normal(0, 0.1, (N, n, D))).float()
    where = rng.integers(0, n, N)
    X[np.arange(N), where, 0] += 3.0                                   # the marker: what the token shows, not where it is
    Y = np.stack([where // 4, where % 4], 1).astype(np.float64)        # its row and column
    idx = rng.permutation(N); fit, val, test = idx[:800], idx[800:1000], idx[1000:]
    pred, _ = ap.fit_probe(X, Y, fit, val, test, epochs=60, seed=0, batch=64, lr=3e-3)
    r2 = 1 - ((pred - Y[test]) ** 2).sum(0) / ((Y[test] - Y[fit].mean(0)) ** 2).sum(0)
    assert (r2 > 0.9).all(), r2


def test_sweep_saves_a_model_the_pooling_probe_reads(root, python, tmp_path):
    "control_sweep.py --save-dir on a tiny dataset (smoke pretrain settings); control_pooling_probe.py probes it with intervals."
    import json, subprocess
    from vjepa_policy.core import stage_settings
    from vjepa_policy.demos import generate_demos
    task = tmp_path/'run'/'reacher-easy'
    generate_demos(stage_settings('demos', 'smoke', dict(episodes=30, episode_len=20, size=32), task='reacher-easy'),
                   task/'demos'/'data.zarr', progress=False)
    sweep = [python, str(root/'scripts'/'control_sweep.py'), str(tmp_path/'run'), '--profile', 'smoke', '--steps', '2',
             '--probe-every', '2', '--config', 'tiny', 'lr=0.0005', '--config', 'short', 'frames=4', '--out', str(tmp_path/'s.jsonl'), '--save-dir', str(tmp_path/'save')]
    r = subprocess.run(sweep, capture_output=True, text=True, timeout=600, cwd=root)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [json.loads(x) for x in (tmp_path/'s.jsonl').read_text().splitlines()]
    assert [x.get('step') for x in rows] == [None, 0, 2, 0, 2] and rows[0]['provenance']['command']
    # the clip length is a setting like any other: 4-frame clips, probed on 4-frame windows (ending at 3, 11, 19 of 20)
    assert [(x['config'], x['frames'], x['probe_windows']) for x in rows[1:]] == [('tiny', 8, 20)] * 2 + [('short', 4, 30)] * 2
    assert (tmp_path/'save'/'tiny'/'model'/'config.json').exists()
    before = (tmp_path/'s.jsonl').read_text()                        # a clip longer than an episode: refused, nothing lost
    r = subprocess.run(sweep[:sweep.index('--config')] + ['--config', 'long', 'frames=22', '--out', str(tmp_path/'s.jsonl')],
                       capture_output=True, text=True, timeout=600, cwd=root)
    assert r.returncode != 0 and 'frames=22 is longer than' in r.stderr, r.stderr[-2000:]
    assert (tmp_path/'s.jsonl').read_text() == before
    out = tmp_path/'pp.json'
    probe = [python, str(root/'scripts'/'control_pooling_probe.py'), str(tmp_path/'run'), '--model', str(tmp_path/'save'/'tiny'/'model'),
             '--held-out', '--profile', 'smoke', '--every', '5', '--boot', '50', '--out', str(out)]
    r = subprocess.run(probe, capture_output=True, text=True, timeout=600, cwd=root)
    assert r.returncode == 0, r.stderr[-3000:]
    b = json.loads(out.read_text())
    assert b['held_out'] and b['episodes'] == 10 and b['windows'] == 10 * 4        # smoke holds out 34% of 30 episodes
    assert b['split']['test'] == 2 * 4                                                # 2 test episodes to resample
    assert len(b['paired']) == 4 * 4 and all(p['ci'][0] <= p['ci'][1] for p in b['paired'])
    assert any(p['ci'][0] < p['ci'][1] for p in b['paired'])
    rows = {x['features']: x for x in b['rows']}
    for p in b['paired']:                          # the paired difference is the two rows' difference
        want = rows[f"vjepa2-small-jepa/{p['pooling']}"][p['target']] - rows[f"vjepa2-small-random/{p['pooling']}"][p['target']]
        assert abs(p['difference'] - want) < 1e-9, (p, want)
    r = subprocess.run(probe + ['--folds', '3'], capture_output=True, text=True, timeout=600, cwd=root)     # cross-fitted
    assert r.returncode == 0, r.stderr[-3000:]
    c = json.loads(out.read_text())
    assert c['folds'] == 3 and c['split']['test'] == 10 * 4 and sorted(c['split']['fold_test_episodes']) == [3, 3, 4]
    rows = {x['features']: x for x in c['rows']}
    for p in c['paired']:                          # every episode tested once: the difference is still the rows' difference
        want = rows[f"vjepa2-small-jepa/{p['pooling']}"][p['target']] - rows[f"vjepa2-small-random/{p['pooling']}"][p['target']]
        assert abs(p['difference'] - want) < 1e-7, (p, want)      # sums in another order: 1e-9 apart
        assert p['ci_simultaneous'][0] <= p['ci'][0] <= p['ci'][1] <= p['ci_simultaneous'][1], p
    none = subprocess.run(probe[:3] + ['--model', str(tmp_path), '--out', str(out)], capture_output=True, text=True, timeout=120, cwd=root)
    assert none.returncode != 0 and 'No trained model' in none.stderr


def test_paired_intervals_resample_test_episodes(root):
    "Predictions of the trained model closer to the truth than the twin's: the difference and its interval are positive."
    import pytest
    pp = load(root, 'control_pooling_probe')
    rng = np.random.default_rng(0)
    per, n_fit, n_test = 5, 20, 30
    fit, test = np.arange(n_fit * per), np.arange(n_fit * per, (n_fit + n_test) * per)
    Y = {'finger_xy': rng.normal(size=((n_fit + n_test) * per, 2))}
    y = Y['finger_xy'][test]
    preds = {(f'{m}/{p}', 'finger_xy'): y + rng.normal(0, sd, y.shape)
             for p in ('mean', 'last', 'grid2', 'grid4') for m, sd in (('vjepa2-small-jepa', 0.3), ('vjepa2-small-random', 0.8))}
    out = pp.paired_intervals(preds, Y, fit, test, per, boot=300)
    assert len(out) == 4
    for r in out:
        assert 0 < r['ci'][0] <= r['difference'] <= r['ci'][1], r     # 1 - 0.09 vs 1 - 0.64: about +0.55
        assert abs(r['difference'] - 0.55) < 0.2, r
    with pytest.raises(SystemExit, match='at least 2 test episodes'):
        pp.paired_intervals(preds, Y, fit, test[:per], per, boot=10)


def test_paired_intervals_equal_resampling_the_rows(root):
    "The per-episode sums of squares give each resample exactly the R^2 of its resampled rows (the direct computation)."
    from vjepa_policy.probe import r2_score
    pp = load(root, 'control_pooling_probe')
    rng = np.random.default_rng(1)
    per, fit, test = 5, np.arange(100), np.arange(100, 250)
    Y = {'a': rng.normal(size=(250, 2)), 'b': rng.normal(size=(250, 4))}
    preds = {(f'{m}/{p}', t): Y[t][test] + rng.normal(0, sd, Y[t][test].shape)
             for p in pp.POOLINGS for t in Y for m, sd in (('vjepa2-small-jepa', 0.5), ('vjepa2-small-random', 0.6))}
    out = pp.paired_intervals(preds, Y, fit, test, per, boot=400, seed=3)
    draws = np.random.default_rng(3).integers(0, len(test) // per, (400, len(test) // per))
    for r in out:
        y, ref = Y[r['target']][test], Y[r['target']][fit].mean(0)
        a, b = (preds[f"{m}/{r['pooling']}", r['target']] for m in ('vjepa2-small-jepa', 'vjepa2-small-random'))
        diffs = []
        for d in draws:
            rows = (d[:, None] * per + np.arange(per)).ravel()
            diffs.append(r2_score(y[rows], a[rows], ref) - r2_score(y[rows], b[rows], ref))
        np.testing.assert_allclose(r['ci'], np.quantile(diffs, [0.025, 0.975]), atol=1e-12)
        np.testing.assert_allclose(r['difference'], r2_score(y, a, ref) - r2_score(y, b, ref), atol=1e-12)
        lo, hi = np.quantile(diffs, [0.025 / len(out), 1 - 0.025 / len(out)])     # Bonferroni over the 8 comparisons
        np.testing.assert_allclose(r['ci_simultaneous'], [lo, hi], atol=1e-12)


def test_fold_splits_test_every_episode_once(root):
    import pytest
    pp = load(root, 'control_pooling_probe')
    folds = pp.fold_splits(22, 4)
    tests = np.concatenate([t for *_, t in folds])
    assert sorted(tests.tolist()) == list(range(22))                        # each episode tested exactly once
    for fit, val, test in folds:
        assert len(val) >= 1 and not set(fit) & set(val) and not (set(fit) | set(val)) & set(test)
        assert len(fit) + len(val) + len(test) == 22
    with pytest.raises(SystemExit, match='--folds'):
        pp.fold_splits(5, 2)


def test_pair_trained_outside_the_run(root, python, tmp_path):
    "`vjepa2-small-jepa:model=FOLDER` and its twin run through the pipeline with no pretrain stage; control_results.py reads them."
    import json, subprocess
    import torch
    from transformers import VJEPA2Model
    from vjepa_policy.core import safe_name
    from vjepa_policy.encoders import small_vjepa2_config
    cfg = small_vjepa2_config(hidden_size=32, layers=1, heads=2, pred_hidden_size=32, pred_layers=1, pred_heads=2)
    cfg.init_seed = 5                                       # the draw its training started from: the twin's weights
    torch.manual_seed(0); folder = tmp_path/'sweep'/'model'
    VJEPA2Model(cfg).save_pretrained(str(folder))
    pair = [f'vjepa2-small-jepa:model={folder}', f'vjepa2-small-random:model={folder}']
    run = tmp_path/'run'
    vp = root/'.venv'/'bin'/'vjepa-policy'
    r = subprocess.run([str(vp) if vp.exists() else 'vjepa-policy', 'run', '--profile', 'smoke', '--tasks', 'reacher-easy',
                        '--stages', 'demos,pretrain,encode,bc,evaluate', '--conditions', 'state', 'noise', *pair, '--run-dir', str(run),
                        '--no-notebook-tests', '--set', 'demos.episodes=4', 'demos.episode_len=30', 'demos.size=64', 'bc.epochs=5',
                        'evaluate.episodes=4', 'evaluate.n_envs=4', 'evaluate.video=0'], capture_output=True, text=True, cwd=root, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert not (run/'reacher-easy'/'pretrain').exists()      # nothing to pretrain: the pair brought its weights
    enc = json.loads((run/'reacher-easy'/'encode'/'metrics.json').read_text())
    assert [x['condition'] for x in enc['rows']] == ['state', 'noise', *pair]
    out = tmp_path/'control.json'
    r = subprocess.run([python, str(root/'scripts'/'control_results.py'), str(run), '--readout', f'model={folder}', '--out', str(out)],
                       capture_output=True, text=True, timeout=300, cwd=root)
    assert r.returncode == 0, r.stderr[-3000:]
    b = json.loads(out.read_text())
    assert b['pair'] == pair and b['pretrain']['model'] == str(folder) and b['pretrain']['init_seed'] == 5
    assert b['pretrain']['architecture']['hidden_size'] == 32 and len(b['pretrain']['weights_sha256']) == 64
    assert b['targets']['pretraining <= 45 min on 2 cores']['met'] is None and b['readout'] == 'pooling=mean'
    assert b['pretrain']['twin_revision'] == 'random-init-seed5'        # the twin drew the folder's init_seed, not 0
    assert b['pretrain']['weights_revision'].startswith('sha256:')
    torch.manual_seed(1); VJEPA2Model(cfg).save_pretrained(str(folder))  # other weights in the folder: refused
    r = subprocess.run([python, str(root/'scripts'/'control_results.py'), str(run), '--readout', f'model={folder}', '--out', str(out)],
                       capture_output=True, text=True, timeout=300, cwd=root)
    assert r.returncode != 0 and 'the weights changed since the run' in r.stderr, r.stderr[-2000:]
    roll = run/'reacher-easy'/'evaluate'/'rollouts'
    for c in pair:
        s = json.loads((roll/f"{safe_name(c + '-seed0')}.json").read_text())['success']
        assert b['success_pooled'][c]['success_rate'] == pytest.approx(sum(s) / len(s)), c


def test_train_overlap_reproduces_the_count_in_the_results_note(root, python):
    "The script that made the overlap count in reacher-easy-pixels-sweep0.json's note gives that count; on the run's own set, the split decides the overlap."
    import json, re, subprocess
    r = subprocess.run([python, str(root/'scripts'/'train_overlap.py'), '--source-episodes', '500', '--train-episodes', '150',
                        '--run-episodes', '150', '--json'], capture_output=True, text=True, cwd=root, timeout=300)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    note = json.loads((root/'results'/'control'/'reacher-easy-pixels-sweep0.json').read_text())['note']
    test, of, fit = map(int, re.search(r"(\d+) of the probe stage's (\d+) test episodes and (\d+) of its fit episodes", note).groups())
    assert (got['test']['in_training_video'], got['test']['episodes'], got['fit']['in_training_video']) == (test, of, fit)
    ov = load(root, 'train_overlap').overlap
    same = ov(150, 150, 150, 0.2, 0.2)      # trained on the run's own set: the pretrain split holds out the probe's test fifth
    assert same['train'] == 120 and same['test'] == dict(episodes=30, in_training_video=0), same
    assert same['fit'] == dict(episodes=90, in_training_video=90) and same['validation']['in_training_video'] == 30, same
    assert ov(150, 150, 150, 0.2, 0.2, probe_seed=1)['test']['in_training_video'] > 0   # another probe split: it saw some
