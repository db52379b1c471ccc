"""Phase 1a as a user runs it: the stage notebook through papermill, with parameters, end to end."""
import json
import papermill as pm
import pytest
from vjepa_policy.demos import DemoDataset
from vjepa_policy.pipeline import runnable_copy

PARAMS = dict(profile='smoke', settings=dict(episodes=3, episode_len=10, size=64, workers=2))


def run_stage(root, tmp_path, name, **over):
    out = tmp_path/f'{name}.ipynb'
    src = runnable_copy(root/'nbs'/'10_demos.ipynb', tmp_path/'.src', tests=False)    # as the pipeline runs it (tests: nbdev_test)
    pm.execute_notebook(str(src), str(out), cwd=str(root), kernel_name='python3',
                        parameters={**PARAMS, 'out_dir': str(tmp_path/'demos'), **over}, progress_bar=False)
    return json.loads((tmp_path/'demos'/'metrics.json').read_text()), out


def test_stage_writes_dataset_and_metrics(root, tmp_path):
    m, nb = run_stage(root, tmp_path, 'first')
    assert nb.exists()
    assert m['stage'] == 'demos' and m['profile'] == 'smoke'
    (r,) = m['rows']
    assert (r['task'], r['condition'], r['seed']) == ('reacher-easy', 'expert:jacobian', 0)
    assert (r['episodes'], r['episode_len'], r['transitions'], r['size']) == (3, 10, 30, 64)
    for k in ('expert_success_rate', 'bytes_on_disk', 'frames_per_second', 'seconds'):
        assert r[k] is not None and r[k] >= 0, k
    assert r['bytes_on_disk'] > 0 and m['call']['new_episodes'] == 3
    ds = DemoDataset(tmp_path/'demos'/'data.zarr')
    assert ds.frames(0).shape == (11, 64, 64, 3)

    # the same parameters again: the finished dataset is reused, nothing regenerated
    m2, _ = run_stage(root, tmp_path, 'again')
    assert m2['call']['new_episodes'] == 0 and m2['call']['reused_episodes'] == 3
    assert m2['rows'][0]['bytes_on_disk'] == r['bytes_on_disk']


def test_stage_refuses_other_parameters(root, tmp_path):
    run_stage(root, tmp_path, 'first')
    other = dict(PARAMS['settings'], size=48)
    with pytest.raises(pm.PapermillExecutionError, match='made with other settings'):
        run_stage(root, tmp_path, 'other', settings=other)
    # --force regenerates
    m, _ = run_stage(root, tmp_path, 'forced', settings=other, force=True)
    assert m['rows'][0]['size'] == 48 and m['call']['new_episodes'] == 3
