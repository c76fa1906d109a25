"""Device-memory leak check: train LeNet-5 for N steps and watch CuPy's memory pool.

    python benchmarks/memory_flat.py --device cuda --steps 200

Prints the pool's bytes in use after warm-up and at the end; exits 1 if use grew by more than
1 MB after warm-up (a leak: something keeps arrays of finished steps alive).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--device', default='cuda')
    p.add_argument('--steps', type=int, default=200)
    p.add_argument('--batch', type=int, default=256)
    p.add_argument('--warmup', type=int, default=10)
    a = p.parse_args(argv)
    import minigrad as mg
    from minigrad import backend
    from models import LeNet5
    mg.manual_seed(0)
    model = LeNet5().to(a.device)
    opt = mg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    used = []
    for step in range(a.steps):
        x = mg.tensor(rng.standard_normal((a.batch, 1, 28, 28)).astype(np.float32), device=a.device)
        y = mg.tensor(rng.integers(0, 10, a.batch), device=a.device)
        opt.zero_grad()
        loss = mg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        used.append(backend.gpu_memory_used(a.device))
    base, last, peak = used[a.warmup], used[-1], max(used[a.warmup:])
    print(f'pool bytes in use: after warm-up {base / 2**20:.2f} MB, last {last / 2**20:.2f} MB, '
          f'peak after warm-up {peak / 2**20:.2f} MB over {a.steps} steps')
    grew = last - base > 2**20
    print('memory flat: ' + ('NO (leak)' if grew else 'yes'))
    return 1 if grew else 0


if __name__ == '__main__':
    sys.exit(main())
