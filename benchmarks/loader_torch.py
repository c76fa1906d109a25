"""Loading in worker processes, minigrad against PyTorch: does ``num_workers=2`` with a random
crop slow a LeNet-5 epoch, in each framework, on this machine?

    python benchmarks/loader_torch.py                  # 6 rounds
    python benchmarks/loader_torch.py --rounds 9 --threads 1

Both frameworks train the same LeNet-5 (benchmarks/run.py's, Adam, batch 32) on the bundled
MNIST sample (8000 images), written the PyTorch way: a Dataset whose ``__getitem__`` pads an image
by 2, crops a random 28x28 window and normalises it (the same NumPy code for both), and each
framework's own DataLoader and default collation. Per framework, two loaders:

  w0   no augmentation, loading in the main process (the default run)
  w2   random crop, ``num_workers=2`` (persistent workers)

The epochs alternate (minigrad w0, w2, torch w0, w2; the order rotates every round, with a
``--pause`` before each so that the previous epoch's BLAS/OpenMP threads have stopped spinning)
in one process, so every configuration sees the same machine; after a warm-up round, each round gives
one epoch time per configuration. Printed: median epoch times, and each framework's median of the
per-round ratio w2 / w0 (> 1: the workers slowed it). ``--threads`` sets both frameworks' BLAS /
intra-op threads (default: NumPy's, as the training command runs).
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

MEAN, STD = 0.1307, 0.3081


class Sample:
    """The bundled sample as (float32 image (1, 28, 28), int label), cropped at random or not."""

    def __init__(self, images, labels, crop, seed=0):
        self.images, self.labels, self.crop, self.seed = images, labels, crop, seed
        self.rng = None

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = self.images[i].astype(np.float32) / 255.0
        if self.crop:
            if self.rng is None:                      # one generator per process (worker)
                self.rng = np.random.default_rng([self.seed, os.getpid()])
            padded = np.zeros((32, 32), np.float32)
            padded[2:30, 2:30] = x
            t, l = self.rng.integers(0, 5, size=2)
            x = padded[t:t + 28, l:l + 28]
        return ((x - MEAN) / STD)[None], int(self.labels[i])


def epoch(framework, model, optimizer, loader):
    t0 = time.perf_counter()
    if framework == 'torch':
        import torch
        criterion = torch.nn.functional.cross_entropy
    else:
        import minigrad
        criterion = minigrad.nn.functional.cross_entropy
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()
    return time.perf_counter() - t0


def setup(framework, images, labels):
    from run import lenet5
    if framework == 'torch':
        import torch
        torch.manual_seed(0)
        model = lenet5(torch.nn)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        DataLoader = torch.utils.data.DataLoader
        kw = dict(generator=torch.Generator().manual_seed(0))
    else:
        import minigrad
        minigrad.manual_seed(0)
        model = lenet5(minigrad.nn)
        optimizer = minigrad.optim.Adam(model.parameters(), lr=1e-3)
        DataLoader = minigrad.data.DataLoader
        kw = dict(seed=0)
    loaders = {
        'w0': DataLoader(Sample(images, labels, crop=False), batch_size=32, shuffle=True, **kw),
        'w2': DataLoader(Sample(images, labels, crop=True), batch_size=32, shuffle=True,
                         num_workers=2, persistent_workers=True, **kw),
    }
    return model, optimizer, loaders


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rounds', type=int, default=6)
    p.add_argument('--pause', type=float, default=0.5,
                   help='seconds of sleep before each epoch (threads of the previous one stop spinning)')
    p.add_argument('--threads', type=int, default=None,
                   help='BLAS/intra-op threads of both frameworks (default: NumPy\'s)')
    args = p.parse_args(argv)
    if args.threads:
        for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
            os.environ[var] = str(args.threads)
    import minigrad
    import torch
    threads = args.threads or int(os.environ.get('OPENBLAS_NUM_THREADS', os.cpu_count()))
    torch.set_num_threads(threads)
    train = minigrad.data.MNISTSample(train=True)
    images, labels = np.asarray(train.data), np.asarray(train.targets)
    runs = {fw: setup(fw, images, labels) for fw in ('minigrad', 'torch')}
    configs = [(fw, c) for fw in ('minigrad', 'torch') for c in ('w0', 'w2')]
    times = {k: [] for k in configs}
    print(f'load average {os.getloadavg()[0]:.2f}; {threads} threads; {args.rounds} rounds '
          '(+1 warm-up)', flush=True)
    for r in range(args.rounds + 1):
        order = configs[r % len(configs):] + configs[:r % len(configs)]
        for fw, c in order:
            model, optimizer, loaders = runs[fw]
            time.sleep(args.pause)        # BLAS/OpenMP threads spin a while after the last call
            t = epoch(fw, model, optimizer, loaders[c])
            if r:
                times[fw, c].append(t)
    print(f"\n{'framework':<10} {'w0 s':>7} {'w2 s':>7} {'w2/w0':>6} {'range':>11}")
    for fw in ('minigrad', 'torch'):
        ratios = [b / a for a, b in zip(times[fw, 'w0'], times[fw, 'w2'])]
        print(f"{fw:<10} {statistics.median(times[fw, 'w0']):>7.3f} "
              f"{statistics.median(times[fw, 'w2']):>7.3f} {statistics.median(ratios):>6.2f} "
              f'{min(ratios):>5.2f}-{max(ratios):<5.2f}')
    print(f'load average {os.getloadavg()[0]:.2f}')


if __name__ == '__main__':
    main()
