"""Phase 1b as a user runs it: demos -> encode -> probe, each stage notebook through papermill, reading the last."""
import json
import papermill as pm

CONDS = ['vjepa2-tiny-random', 'dinov2-tiny-random', 'noise', 'state']


def run(root, tmp_path, nb, **params):
    pm.execute_notebook(str(root/'nbs'/nb), str(tmp_path/nb), cwd=str(root), kernel_name='python3',
                        parameters=dict(profile='smoke', **params), progress_bar=False)


def metrics(path): return json.loads((path/'metrics.json').read_text())


def test_encode_then_probe(root, tmp_path):
    demos, enc, probe = tmp_path/'demos', tmp_path/'encode', tmp_path/'probe'
    run(root, tmp_path, '10_demos.ipynb', out_dir=str(demos), episodes=8, steps=20, size=64)
    run(root, tmp_path, '11_encode.ipynb', demos_dir=str(demos), out_dir=str(enc), conditions=CONDS)
    m = metrics(enc)
    assert [r['condition'] for r in m['rows']] == CONDS
    assert all(r['clips'] == 8 * 21 and r['clips_per_second'] > 0 for r in m['rows'])
    assert {r['condition']: r['dim'] for r in m['rows']} == {'vjepa2-tiny-random': 64, 'dinov2-tiny-random': 128,
                                                            'noise': 1024, 'state': 6}
    assert sorted(p.name for p in enc.glob('*.zarr')) == sorted(f'{c}.zarr' for c in CONDS)

    # the same inputs again: every store is reused, nothing encoded
    run(root, tmp_path, '11_encode.ipynb', demos_dir=str(demos), out_dir=str(enc), conditions=CONDS)
    assert all(r['clips'] == 0 and r['reused_episodes'] == 8 for r in metrics(enc)['rows'])

    run(root, tmp_path, '14_probe.ipynb', demos_dir=str(demos), encode_dir=str(enc), out_dir=str(probe), test_fraction=0.25)
    r2 = {(r['condition'], r['target']): r['r2'] for r in metrics(probe)['rows']}
    assert len(r2) == 4 * 4
    assert r2['state', 'finger_to_target'] > 0.95 and r2['state', 'qpos'] > 0.95
    assert max(v for (c, _), v in r2.items() if c == 'noise') < 0.1
