"""Phase 1 as a user runs it: demos -> encode -> probe -> bc -> evaluate, each stage notebook through papermill,
reading the folders of the stages before it."""
import json
import papermill as pm
from vjepa_policy.pipeline import runnable_copy

CONDS = ['vjepa2-tiny-random', 'dinov2-tiny-random', 'noise', 'state']


def run(root, tmp_path, nb, **params):
    "The stage notebook as the pipeline runs it: `runnable_copy` without its tests (`nbdev_test` runs those)."
    src = runnable_copy(root/'nbs'/nb, tmp_path/'.src', tests=False)
    pm.execute_notebook(str(src), str(tmp_path/nb), cwd=str(root), kernel_name='python3',
                        parameters=dict(profile='smoke', **params), progress_bar=False)


def metrics(path): return json.loads((path/'metrics.json').read_text())


def test_phase1_chain(root, tmp_path):
    demos, enc, probe = tmp_path/'demos', tmp_path/'encode', tmp_path/'probe'
    bc, ev = tmp_path/'bc', tmp_path/'evaluate'
    run(root, tmp_path, '10_demos.ipynb', out_dir=str(demos), settings=dict(episodes=8, episode_len=50, size=64))
    run(root, tmp_path, '11_encode.ipynb', demos_dir=str(demos), out_dir=str(enc), settings=dict(conditions=CONDS))
    m = metrics(enc)
    assert [r['condition'] for r in m['rows']] == CONDS
    assert all(r['clips'] == 8 * 51 and r['clips_per_second'] > 0 for r in m['rows'])
    assert {r['condition']: r['dim'] for r in m['rows']} == {'vjepa2-tiny-random': 64, 'dinov2-tiny-random': 128,
                                                            'noise': 1024, 'state': 8}
    assert sorted(p.name for p in enc.glob('*.zarr')) == sorted(f'{c}.zarr' for c in CONDS)

    # the same inputs again: every store is reused, nothing encoded
    run(root, tmp_path, '11_encode.ipynb', demos_dir=str(demos), out_dir=str(enc), settings=dict(conditions=CONDS))
    assert all(r['clips'] == 0 and r['reused_episodes'] == 8 for r in metrics(enc)['rows'])

    run(root, tmp_path, '14_probe.ipynb', demos_dir=str(demos), encode_dir=str(enc), out_dir=str(probe), settings=dict(test_fraction=0.25))
    r2 = {(r['condition'], r['target']): r['r2'] for r in metrics(probe)['rows']}
    assert len(r2) == 4 * 4
    assert r2['state', 'finger_to_target'] > 0.95 and r2['state', 'joints'] > 0.95
    assert max(v for (c, _), v in r2.items() if c == 'noise') < 0.1

    run(root, tmp_path, '12_bc.ipynb', demos_dir=str(demos), encode_dir=str(enc), out_dir=str(bc), settings=dict(epochs=5, conditions=CONDS))
    rows = metrics(bc)['rows']
    assert sorted(r['condition'] for r in rows) == sorted(CONDS) and all(r['epochs'] == 5 for r in rows)
    assert all((bc/c/'seed0.pt').exists() for c in CONDS)

    run(root, tmp_path, '13_evaluate.ipynb', demos_dir=str(demos), bc_dir=str(bc), out_dir=str(ev), settings=dict(episodes=4, n_envs=4))
    rows = metrics(ev)['rows']
    conds = {(r['condition'], r['seed']) for r in rows}
    assert {(c, 0) for c in CONDS} | {(c, 'all') for c in CONDS} <= conds
    assert {('expert:jacobian', 0), ('expert:p-controller', 0), ('random', 0)} <= conds
    for r in rows:
        lo, hi = r['success_ci95']
        assert r['episodes'] == 4 and 0 <= lo <= r['success_rate'] <= hi <= 1 and r['episode_len'] == 50
    assert {r['condition']: r['success_rate'] for r in rows}['expert:jacobian'] >= 0.75
    assert (ev/'videos'/'reacher-easy-vjepa2-tiny-random-seed0.gif').exists()
    executed = (tmp_path/'13_evaluate.ipynb').read_text()
    assert 'SMOKE RUN' in executed and 'Success rate (95% CI)' in executed
