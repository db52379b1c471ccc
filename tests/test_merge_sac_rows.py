"""scripts/merge_sac_rows.py: the rows of runs not run again come back in order, once, and say where from."""
import importlib.util, json, subprocess, sys
import pytest


def load(root):
    spec = importlib.util.spec_from_file_location('merge_sac_rows', root/'scripts'/'merge_sac_rows.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m


def rows(*ids): return [dict(condition=c, seed=s, step=t, success_rate=0.1) for c, s, t in ids]


def test_merge_puts_rows_back_once(root, tmp_path):
    new = dict(settings=dict(total_steps=20, seeds=[0, 1, 2], condition_seeds={'state': [0, 1], 'enc': [2]}),
               rows=rows(('state', 0, 10), ('state', 1, 10), ('enc', 2, 10), ('random', 'all', None)))
    old = dict(settings=dict(total_steps=20, seeds=[0, 1]), rows=rows(('state', 0, 10), ('enc', 0, 10), ('enc', 1, 10), ('enc', 1, 20), ('enc', 2, 10)))
    p, q = tmp_path/'new.json', tmp_path/'old.json'
    p.write_text(json.dumps(new)); q.write_text(json.dumps(old))
    cmd = [sys.executable, str(root/'scripts'/'merge_sac_rows.py'), str(p), str(q), '--condition', 'enc', '--seeds', '0', '1',
           '--why', 'trained again']
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(p.read_text())
    assert [(x['condition'], x['seed'], x['step']) for x in out['rows']] == [
        ('state', 0, 10), ('state', 1, 10), ('enc', 0, 10), ('enc', 1, 10), ('enc', 1, 20), ('enc', 2, 10), ('random', 'all', None)]
    assert out['settings']['condition_seeds'] == {'state': [0, 1], 'enc': [0, 1, 2]}
    assert out['merged'] == [dict(condition='enc', seeds=[0, 1], rows=3, why='trained again')]
    again = subprocess.run(cmd, capture_output=True, text=True)              # applied twice: refused, file unchanged
    assert again.returncode != 0 and 'already there' in again.stderr and json.loads(p.read_text()) == out
    m = load(root)
    with pytest.raises(SystemExit, match='has no rows'): m.merge(new, old, 'other', [0], 'x')
    with pytest.raises(SystemExit, match='settings differ \\(total_steps\\)'):      # rows of another study: refused
        m.merge(new, dict(old, settings=dict(total_steps=40)), 'enc', [0], 'x')
    before = json.dumps(new); m.merge(new, old, 'enc', [0], 'x'); assert json.dumps(new) == before    # its input unchanged
