"""The driver and the `vjepa-policy` command: a two-stage mini pipeline, reuse, --force, a failing stage, the manifest."""
import json, subprocess

MINI = ['--profile', 'smoke', '--tasks', 'reacher-easy', '--stages', 'demos,encode', '--conditions', 'state', 'noise']


def cli(root, *args):
    return subprocess.run([str(root/'.venv'/'bin'/'vjepa-policy') if (root/'.venv'/'bin'/'vjepa-policy').exists()
                           else 'vjepa-policy', 'run', *args], capture_output=True, text=True, cwd=root, timeout=900)


def test_two_stage_pipeline_reuse_and_force(root, tmp_path):
    run = tmp_path/'run'
    r = cli(root, *MINI, '--run-dir', str(run))
    assert r.returncode == 0, r.stderr
    assert '[1/2] demos reacher-easy' in r.stdout and '[2/2] encode reacher-easy' in r.stdout and 'done in' in r.stdout
    man = json.loads((run/'manifest.json').read_text())
    assert man['status'] == 'finished' and man['profile'] == 'smoke' and man['stages'] == ['demos', 'encode']
    assert man['versions']['mujoco'] == '3.17.0' and man['started'] and man['finished'] and man['git_commit']
    assert man['parameters']['encode']['conditions'] == ['state', 'noise'] == man['parameters']['bc']['conditions']
    assert [x['status'] for x in man['records']] == ['ran', 'ran']
    assert (run/'notebooks'/'reacher-easy__10_demos.ipynb').exists()
    enc = json.loads((run/'reacher-easy'/'encode'/'metrics.json').read_text())
    assert [x['condition'] for x in enc['rows']] == ['state', 'noise']

    r = cli(root, *MINI, '--run-dir', str(run))                       # finished stages are reused
    assert r.returncode == 0 and r.stdout.count('reused') == 2, r.stdout
    r = cli(root, *MINI, '--run-dir', str(run), '--stages', 'encode', '--force', '--no-notebook-tests')   # --force runs it again
    assert r.returncode == 0 and 'reused' not in r.stdout and 'encode [reacher-easy]: done' in r.stdout, r.stdout
    assert '11_encode.ipynb (without its tests)' in r.stdout, r.stdout
    executed = (run/'notebooks'/'reacher-easy__11_encode.ipynb').read_text()
    assert 'injected-parameters' in executed and "test_eq((m['clips'], m['condition'])" not in executed   # ran, its tests not
    r = cli(root, '--profile', 'smoke', '--tasks', 'reacher-easy', '--stages', 'encode', '--conditions', 'state', '--run-dir', str(run),
            '--no-notebook-tests')
    assert r.returncode == 0 and 'reused' not in r.stdout, r.stdout  # other parameters: the stage runs again


def test_failing_stage_stops_with_its_notebook_and_error(root, tmp_path):
    run = tmp_path/'run'
    assert cli(root, *MINI, '--run-dir', str(run), '--stages', 'demos', '--no-notebook-tests').returncode == 0
    before = (run/'reacher-easy'/'demos'/'metrics.json').read_bytes()
    # a notebook that fails (a frame size the renderer refuses): the run stops, naming the notebook and the error
    r = cli(root, '--profile', 'smoke', '--run-dir', str(run), '--stages', 'demos', '--set', 'demos.size=4',
            '--tasks', 'reacher-hard', '--no-notebook-tests')
    assert r.returncode == 1
    assert 'reacher-hard__10_demos.ipynb' in r.stderr and 'Bad frame size 4' in r.stderr, r.stderr
    assert (run/'reacher-easy'/'demos'/'metrics.json').read_bytes() == before          # earlier work intact
    man = json.loads((run/'manifest.json').read_text())
    assert man['status'].startswith('failed') and 'reacher-hard' in man['status']


def test_unknown_task_condition_or_key_refused_before_any_stage(root, tmp_path):
    run = tmp_path/'run'
    for args, msg in [(['--tasks', 'reacher-medium'], "Unknown task 'reacher-medium'"),
                      (['--tasks', 'reacher-easy', 'cheetah-run'], 'registered tasks reacher-easy, reacher-hard, ball_in_cup-catch, walker-walk'),
                      (['--conditions', 'vjepa3'], 'Unknown condition(s)'),
                      (['--set', 'demos.episode=3'], 'valid keys are task, episodes'),
                      (['--set', 'sac.total_steps=lots'], 'sac.total_steps')]:
        r = cli(root, '--profile', 'smoke', '--run-dir', str(run), *args)
        assert r.returncode == 1 and msg in r.stderr, (args, r.stderr)
        assert not (run/'notebooks').exists()                               # nothing ran


def test_bad_arguments_are_clear(root, tmp_path):
    r = cli(root, '--profile', 'smoke', '--run-dir', str(tmp_path), '--stages', 'train')
    assert r.returncode == 1 and 'Unknown stage(s)' in r.stderr
