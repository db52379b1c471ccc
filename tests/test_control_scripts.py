"""The positive control's diagnostic scripts: the attentive probe reads where a token is (on the smoke run: test_report_browser)."""
import importlib.util
import numpy as np
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

