"""Behaviour-cloning speed: the plan's scale (100k embeddings x 1024-d, 50 epochs) on this machine.

Synthetic pairs of the real shapes (500 episodes x 200 steps, 1024-d inputs, 2-d actions): the cost of training
does not depend on the values. Prints the wall time against the target (<= 60 s on 2 CPU cores).

    .venv/bin/python scripts/bench_bc.py
    .venv/bin/python scripts/bench_bc.py --pairs 20000 --epochs 5     # a quick look
"""
import argparse, time
import numpy as np
import torch
from vjepa_policy.bc import train_bc
from vjepa_policy.core import write_json, provenance, stage_settings


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--pairs', type=int, default=100_000)
    ap.add_argument('--dim', type=int, default=1024)
    ap.add_argument('--epochs', type=int, default=50)
    ap.add_argument('--batch-size', type=int, default=512)
    ap.add_argument('--out', default='results/bench/bc-cpu.json')
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((a.pairs, a.dim), dtype=np.float32)
    actions = np.tanh(X[:, :2] + 0.1 * rng.standard_normal((a.pairs, 2))).astype(np.float32)
    pairs = dict(X=X, actions=actions, episode=np.arange(a.pairs) // 200)
    cfg = stage_settings('bc', 'paper', dict(epochs=a.epochs, batch_size=a.batch_size))
    print(f"BC: {a.pairs} pairs x {a.dim}-d, {a.epochs} epochs, batch {cfg.batch_size}, torch threads {torch.get_num_threads()}")
    t0 = time.perf_counter()
    _, h = train_bc(pairs, cfg, progress=True)
    wall = time.perf_counter() - t0
    print(f"  wall time {wall:.1f} s (training loop {h['seconds']:.1f} s)   target for 100k x 1024-d x 50 epochs: <= 60 s")
    print(f"  {h['train_pairs'] * a.epochs / h['seconds']:.0f} pairs/s; final train loss {h['train_loss'][-1]:.4f}, val {h['val_loss'][-1]:.4f}")
    write_json(a.out, dict(pairs=a.pairs, dim=a.dim, epochs=a.epochs, batch_size=cfg.batch_size, wall_seconds=wall,
                           train_seconds=h['seconds'], threads=torch.get_num_threads(), provenance=provenance()))
    print(f"  figures written to {a.out}")


if __name__ == '__main__':
    main()
