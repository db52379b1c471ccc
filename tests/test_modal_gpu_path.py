"""The GPU-path benchmark script runs and prints its figures (tiny scale: this checks the script, not the speed)."""
import json, subprocess


def test_bench_gpu_path_prints_figures(root, python, tmp_path):
    out = tmp_path/'gpu-path.json'
    r = subprocess.run([python, str(root/'scripts'/'bench_gpu_path.py'), '--n-envs', '4', '--size', '64', '--steps', '3',
                        '--encoder-envs', '2', '--out', str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for words in ('bytes moved per step', 'host -> GPU', 'measured, window only', 'window + vjepa2-tiny-random',
                  'by arithmetic', 'per SAC run'):
        assert words in r.stdout, words
    b = json.loads(out.read_text())
    frame = 64 * 64 * 3
    assert b['bytes_per_step'] == dict(host_old=8 * 4 * frame, host_new=2 * 4 * frame, h2d_old=8 * 4 * frame, h2d_new=4 * frame)
    assert b['window_ms']['old'] > 0 and b['window_encoder_ms']['new'] > 0
    assert abs(b['gpu_arithmetic']['ms_per_step']['old'] - 1e3 * 8 * 4 * frame / 25e9) < 1e-9
