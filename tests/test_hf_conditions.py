"""An `hf:` condition as a user gives it on the command line: a tiny ViT saved locally, beside the state, from the
demonstrations to the report; its store and policies named by `safe_name`, its figures computed like any other's."""
import json, subprocess
from vjepa_policy.core import safe_name
from vjepa_policy.encoders import save_tiny_hf_models


def metrics(path): return json.loads((path/'metrics.json').read_text())['rows']


def test_hf_condition_end_to_end(root, tmp_path):
    cond = f"hf:{save_tiny_hf_models(tmp_path/'models')['vit']}"
    run = tmp_path/'run'
    exe = root/'.venv'/'bin'/'vjepa-policy'
    r = subprocess.run([str(exe) if exe.exists() else 'vjepa-policy', 'run', '--profile', 'smoke', '--run-dir', str(run),
                        '--tasks', 'reacher-easy', '--conditions', cond, 'state', '--stages', 'demos,encode,probe,bc,evaluate,report',
                        '--no-notebook-tests',
                        '--set', 'demos.episodes=4', 'demos.episode_len=30', 'demos.size=64', 'evaluate.episodes=4', 'evaluate.n_envs=4'],
                       capture_output=True, text=True, cwd=root, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    task = run/'reacher-easy'
    assert {x['condition']: x['dim'] for x in metrics(task/'encode')} == {cond: 64, 'state': 8}   # CLS of 2 frames x 32
    assert (task/'encode'/f'{safe_name(cond)}.zarr').is_dir() and (task/'bc'/safe_name(cond)/'seed0.pt').is_file()
    assert {x['condition'] for x in metrics(task/'probe')} == {cond, 'state'}
    ev = {(x['condition'], x['seed']): x for x in metrics(task/'evaluate')}
    assert ev[cond, 0]['episodes'] == 4 and 0 <= ev[cond, 0]['success_rate'] <= 1 and (cond, 'all') in ev
    spec = json.loads((task/'encode'/f'{safe_name(cond)}.zarr'/'zarr.json').read_text())['attributes']['spec']['encoder']
    assert spec['kind'] == 'image' and spec['pooling'] == 'cls' and spec['processor'] == 'ViTImageProcessor'
    assert cond in (run/'site'/'index.html').read_text()      # the report names the condition
