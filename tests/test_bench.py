"""The benchmark script runs and prints its figures (tiny scale: this checks the script, not the speed)."""
import json, re, subprocess


def test_bench_demos_prints_figures(root, python, tmp_path):
    r = subprocess.run([python, str(root/'scripts'/'bench_demos.py'), '--episodes', '2', '--episode-len', '10',
                        '--size', '64', '--frames', '5', '--work', str(tmp_path), '--out', str(tmp_path/'bench.json')],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for word in ('standard', 'fast', 'frames/s', 'wall time', 'on disk', 'zstd'):
        assert word in r.stdout, word
    b = json.loads((tmp_path/'bench.json').read_text())
    assert {s['preset'] for s in b['render']} == {'standard', 'fast'}
    assert b['dataset']['frames'] == 2 * 11 and b['dataset']['bytes_on_disk'] > 0
    assert not (tmp_path/'data.zarr').exists()      # removed unless --keep
    assert b['provenance']['commit'] and b['provenance']['command'].endswith('bench.json')


def test_bench_sac_prints_figures(root, python, tmp_path):
    out = tmp_path/'sac.json'
    r = subprocess.run([python, str(root/'scripts'/'bench_sac.py'), '--conditions', 'state', 'pixels', '--n-envs', '2',
                        '--act-steps', '40', '--learn-steps', '8', '--pixels-learn-steps', '8', '--warm', '4', '--batch-size', '8',
                        '--episode-len', '20', '--out', str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for word in ('acting', 'updates', 'steps/s', 'state', 'pixels'):
        assert word in r.stdout, word
    b = json.loads(out.read_text())
    assert [x['condition'] for x in b['rows']] == ['state', 'pixels']
    assert all(x['updates'] == 8 and x['updates_per_s'] > 0 and x['acting_steps_per_s'] > 0 for x in b['rows']), b['rows']


def test_bench_pretrain_prints_figures(root, python, tmp_path):
    out = tmp_path/'pretrain.json'
    r = subprocess.run([python, str(root/'scripts'/'bench_pretrain.py'), '--steps', '1', '--encode-windows', '8', '--out', str(out),
                        '--set', 'pretrain.hidden_size=32', 'pretrain.heads=2', 'pretrain.layers=1', 'pretrain.batch_size=4'],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for word in ('s/step', 'clips/s', 'projected', 'encoding'):
        assert word in r.stdout, word
    b = json.loads(out.read_text())
    assert b['clips_per_second'] > 0 and b['encode_clips_per_second'] > 0 and b['batch_size'] == 4


def test_bench_sac_vs_sb3_prints_figures(root, python, tmp_path):
    """The script and its figures; compiling off (TORCHDYNAMO_DISABLE; measured on the same day: 102 s compiling with an
    empty inductor cache, as on a fresh CI machine, 75 s without), since 20_sac checks that the compiled update equals
    the eager one."""
    import os
    out = tmp_path/'vs.json'
    r = subprocess.run([python, str(root/'scripts'/'bench_sac_vs_sb3.py'), '--fill', '300', '--updates', '5',
                        '--rounds', '2', '--learning-starts', '96', '--steps', '96', '--warm', '48',
                        '--out', str(out)], capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, TORCHDYNAMO_DISABLE='1'))
    assert r.returncode == 0, r.stderr[-3000:]
    for word in ('updates/s, one thread', 'steps/s while learning', 'sb3', 'ours_4env', 'x SB3', 'target'):
        assert word in r.stdout, word
    b = json.loads(out.read_text())
    assert set(b['steps_per_s_while_learning']) == {'sb3', 'ours_1env', 'ours_4env', 'ours_8env', 'ours_4env_eager',
                                                    'ours_4env_no_overlap', 'ours_4env_autograd'}
    assert set(b['updates_per_s_one_thread']) == {'sb3', 'ours', 'ours_compiled', 'ours_autograd'}
    assert all(len(v) == 2 for v in b['updates_per_s_one_thread_rounds'].values())
    assert all(v > 0 for v in [*b['updates_per_s_one_thread'].values(), *b['steps_per_s_while_learning'].values()]), b
    assert b['ratios']['updates_one_thread'] == b['updates_per_s_one_thread']['ours_compiled'] / b['updates_per_s_one_thread']['sb3']
    assert b['ratios']['updates_one_thread_eager'] == b['updates_per_s_one_thread']['ours'] / b['updates_per_s_one_thread']['sb3']


def test_bench_sac_then_now_runs_both_trees(root, python, tmp_path):
    "Against HEAD (any clone has it) in a temporary worktree; compiling off (TORCHDYNAMO_DISABLE): this checks the script."
    import os
    out = tmp_path/'then-now.json'
    r = subprocess.run([python, str(root/'scripts'/'bench_sac_then_now.py'), '--baseline', 'HEAD', '--conditions', 'state',
                        '--rounds', '1', '--n-envs', '2', '--act-steps', '8', '--learn-steps', '8', '--warm', '4',
                        '--batch-size', '8', '--episode-len', '20', '--out', str(out)],
                       capture_output=True, text=True, timeout=600, cwd=root, env=dict(os.environ, TORCHDYNAMO_DISABLE='1'))
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'steps/s now' in r.stdout and re.search(r'\d+\.\d\dx$', r.stdout.splitlines()[-2]), r.stdout
    b = json.loads(out.read_text())
    assert len(b['baseline']) == 40 and set(b['rounds']) == {'then', 'now'}
    # each side imported its own tree's library: the baseline's from the temporary worktree, not from this one
    assert b['libraries']['now'].startswith(str(root)) and 'bench-then-' in b['libraries']['then'], b['libraries']
    assert b['ratio_learning_steps_per_s']['state'] == (b['median']['now']['state']['learning_steps_per_s']
                                                        / b['median']['then']['state']['learning_steps_per_s'])
    worktrees = subprocess.run(['git', 'worktree', 'list'], cwd=root, capture_output=True, text=True).stdout
    assert 'bench-then-' not in worktrees                      # the temporary checkout is gone
    bad = subprocess.run([python, str(root/'scripts'/'bench_sac_then_now.py'), '--baseline', 'no-such-commit', '--out', str(out)],
                         capture_output=True, text=True, timeout=120, cwd=root)
    assert bad.returncode != 0 and 'Unknown baseline' in bad.stderr
