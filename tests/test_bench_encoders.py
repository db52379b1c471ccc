"""The encoder benchmark script runs and prints its figures (tiny configs: this checks the script, not the speed)."""
import json, subprocess


def test_bench_encoders_prints_figures(root, python, tmp_path):
    out = tmp_path/'enc.json'
    r = subprocess.run([python, str(root/'scripts'/'bench_encoders.py'), '--tiny', '--batch-sizes', '1,2',
                        '--iters', '1', '--out', str(out)], capture_output=True, text=True, timeout=300, cwd=root)
    assert r.returncode == 0, r.stderr
    for word in ('matmul rate', 'clips/s', 'MFU', 'V-JEPA 2 tiny', 'DINOv2-tiny'):
        assert word in r.stdout, word
    b = json.loads(out.read_text())
    assert {(x['model'], x['batch']) for x in b['rows']} == {('vjepa2', 1), ('vjepa2', 2), ('dinov2', 1), ('dinov2', 2)}
    assert all(x['clips_per_second'] > 0 and 0 < x['mfu'] for x in b['rows'])
