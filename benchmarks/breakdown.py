"""Where a training step's time goes, op by op, in minigrad and in PyTorch (same model, same run).

    python benchmarks/breakdown.py small_vgg_b64          # 2 BLAS threads unless --threads says
    python benchmarks/breakdown.py lenet5_b64 --steps 30 --threads 1

minigrad: wall time of every Function's forward and backward, summed per op class (the engine's
own bookkeeping is the remainder). PyTorch: its autograd profiler's self CPU time per aten op.
Both over the same number of steps after a warm-up, per step, in ms.
"""
import argparse
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the shared model builders and step)


def profile_minigrad(case, steps):
    import minigrad as mg
    from minigrad import autograd
    fw = run.Framework('minigrad', 'cpu')
    step = run.make_step(fw, case, run.MODELS)
    for _ in range(3):
        step()
    acc = collections.defaultdict(float)
    originals = {}

    def timed(cls, meth):
        orig = getattr(cls, meth)

        def wrapper(self, *a, **k):
            t0 = time.perf_counter()
            r = orig(self, *a, **k)
            acc[(cls.__name__, meth)] += time.perf_counter() - t0
            return r
        return orig, wrapper

    classes = set()
    stack = [autograd.Function]
    while stack:
        c = stack.pop()
        for s in c.__subclasses__():
            classes.add(s)
            stack.append(s)
    for cls in classes:
        for meth in ('forward', 'backward'):
            if meth in cls.__dict__:
                originals[(cls, meth)], w = timed(cls, meth)
                setattr(cls, meth, w)
    try:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        total = (time.perf_counter() - t0) / steps * 1e3
    finally:
        for (cls, meth), orig in originals.items():
            setattr(cls, meth, orig)
    rows = sorted(((v / steps * 1e3, f'{c}.{m}') for (c, m), v in acc.items()), reverse=True)
    return total, rows


def profile_torch(case, steps):
    import torch
    fw = run.Framework('torch', 'cpu')
    step = run.make_step(fw, case, run.MODELS)
    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    total = (time.perf_counter() - t0) / steps * 1e3
    with torch.autograd.profiler.profile() as prof:
        for _ in range(steps):
            step()
    rows = sorted(((e.self_cpu_time_total / 1e3 / steps, e.key) for e in prof.key_averages()),
                  reverse=True)
    return total, rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('case', choices=sorted(run.MODELS))
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--top', type=int, default=14)
    p.add_argument('--no-torch', action='store_true')
    a = p.parse_args()
    for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        if os.environ.get(var) != str(a.threads):
            os.environ.update({v: str(a.threads) for v in
                               ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')})
            os.execv(sys.executable, [sys.executable] + sys.argv)
    total, rows = profile_minigrad(a.case, a.steps)
    print(f'minigrad {a.case}: {total:.1f} ms/step ({a.threads} threads); per op, ms/step:')
    for ms, name in rows[:a.top]:
        print(f'  {ms:8.2f}  {name}')
    print(f'  {total - sum(r[0] for r in rows):8.2f}  (engine, optimizer and Python outside ops)')
    if not a.no_torch:
        try:
            import torch
        except ImportError:
            return
        torch.set_num_threads(a.threads)
        time.sleep(0.3)
        total, rows = profile_torch(a.case, a.steps)
        print(f'torch {a.case}: {total:.1f} ms/step unprofiled; self CPU time per aten op, ms/step:')
        for ms, name in rows[:a.top]:
            print(f'  {ms:8.2f}  {name}')


if __name__ == '__main__':
    main()
