"""Does loading in worker processes slow training? Epoch times of ``python -m models.train``.

    python benchmarks/loader.py                        # 5 repeats of 4 epochs, the four configs
    python benchmarks/loader.py --repeats 9 --epochs 5 --json out.json
    python benchmarks/loader.py --configs default crop_w2 --extra --batch-size 64

Each repeat runs one fresh training command per configuration, one after the other, in an order
that rotates every repeat (each run gets the whole machine):

  default   the default LeNet-5 run on the bundled sample (no augmentation, loading in-process)
  crop      with random-crop augmentation (``--augment crop``), loading in-process
  crop_w2   with random-crop augmentation and ``--num-workers 2``
  w2        no augmentation, ``--num-workers 2``

A run's figure is the median of its epoch times after the first (the first pays for starting
workers and warming caches); each configuration's figure is the median over the repeats, and its
ratio the median of the per-repeat ratios to ``default`` in the same repeat (< 1: faster than
the default run). The epoch time is the one the command writes to metrics.jsonl (ms resolution):
training plus the test pass.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONFIGS = {
    'default': [],
    'crop': ['--augment', 'crop'],
    'crop_w2': ['--augment', 'crop', '--num-workers', '2'],
    'w2': ['--num-workers', '2'],
}


def epoch_seconds(config, epochs, out, extra):
    """The epoch times one training command prints (its output folder is overwritten)."""
    cmd = [sys.executable, '-m', 'models.train', '--epochs', str(epochs), '--no-progress',
           '--out', out, '--overwrite'] + CONFIGS[config] + extra
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f'{" ".join(cmd)} failed:\n{done.stderr}')
    with open(os.path.join(out, 'metrics.jsonl')) as f:
        times = [json.loads(line)['seconds'] for line in f if line.strip()]
    if len(times) != epochs:
        raise SystemExit(f'expected {epochs} epochs in {out}/metrics.jsonl, got {len(times)}')
    return times


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--configs', nargs='+', choices=tuple(CONFIGS), default=list(CONFIGS))
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--epochs', type=int, default=4, help='per run; the first is not counted')
    p.add_argument('--out', default=os.path.join('/tmp', f'minigrad-loader-bench-{os.getpid()}'))
    p.add_argument('--json', help='also write every epoch time here')
    p.add_argument('--extra', nargs=argparse.REMAINDER, default=[],
                   help='further arguments for every training command')
    args = p.parse_args(argv)
    if args.epochs < 2:
        p.error('--epochs must be at least 2 (the first epoch is not counted)')
    configs = list(args.configs)
    if 'default' not in configs:
        configs.insert(0, 'default')
    print(f'load average {os.getloadavg()[0]:.2f}; {args.repeats} repeats x {args.epochs} epochs',
          flush=True)
    runs = {c: [] for c in configs}
    for r in range(args.repeats):
        order = configs[r % len(configs):] + configs[:r % len(configs)]
        for c in order:
            runs[c].append(epoch_seconds(c, args.epochs, os.path.join(args.out, c), args.extra))
        print(f'repeat {r + 1}: ' + ', '.join(f'{c} {statistics.median(runs[c][-1][1:]):.3f}s'
                                              for c in configs), flush=True)
    print(f"\n{'config':<10} {'epoch s':>8} {'ratio':>6} {'range':>12}")
    for c in configs:
        per_run = [statistics.median(t[1:]) for t in runs[c]]
        ratios = [a / b for a, b in zip(per_run, (statistics.median(t[1:]) for t in runs['default']))]
        print(f'{c:<10} {statistics.median(per_run):>8.3f} {statistics.median(ratios):>6.2f} '
              f'{min(ratios):>5.2f}-{max(ratios):<5.2f}')
    print(f'load average {os.getloadavg()[0]:.2f}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'epochs': args.epochs, 'extra': args.extra, 'runs': runs}, f, indent=1)


if __name__ == '__main__':
    main()
