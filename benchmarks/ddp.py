"""Data-parallel speed: one training step of the global batch, several ways, in the same run.

    python benchmarks/ddp.py                           # lenet5_b256 and small_vgg_b64, 5 repeats
    python benchmarks/ddp.py --cases lenet5_b256 --repeats 7 --json out.json
    python benchmarks/ddp.py --configs mg_ddp2 --bucket-mb 0.1    # a bucket size, DDP alone

For each case (the networks and data of benchmarks/run.py), each repeat starts one fresh job
per configuration, one after the other (each gets the whole machine):

  mg_ddp2     minigrad DistributedDataParallel, 2 ranks x 1 BLAS thread (mpirun), B/2 per rank
  mg_1x1      minigrad, one process, 1 thread, batch B (the base of the 1 -> 2 ranks scaling)
  torch_1x2   PyTorch, one process, 2 threads, batch B (its normal use of this machine)
  torch_ddp2  PyTorch DistributedDataParallel over gloo, 2 ranks x 1 thread, B/2 per rank

A job warms up, then times ``--blocks`` blocks of steps (each at least ``--min-seconds``; a
2-rank job's block time is the slower rank's) and reports the median block's ms per step. The
figures are the medians over the repeats; the ratios are medians of the per-repeat ratios (and
the fastest block of each configuration is printed too: on a busy machine it is the figure least
disturbed by other processes). The
mg_ddp2 job also profiles a few extra steps: forward, backward, optimizer step, and how long
backward waited for the all-reduces at its end (``Reducer.wait_seconds``), plus how many
buckets had started reducing before that wait.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONFIGS = ('mg_ddp2', 'mg_1x1', 'torch_1x2', 'torch_ddp2')
CASES = ('lenet5_b256', 'small_vgg_b64')


# ---------------------------------------------------------------- inside a job

def _rank_world():
    r = int(os.environ.get('OMPI_COMM_WORLD_RANK', os.environ.get('PMIX_RANK', 0)))
    return r, int(os.environ.get('OMPI_COMM_WORLD_SIZE', 1))


def worker(config, case, blocks, min_seconds, port, bucket_mb=None):
    sys.path.insert(0, ROOT)
    sys.path.insert(0, HERE)
    import numpy as np
    from run import MODELS
    builder, shape, batch = MODELS[case]
    rank, world = _rank_world()
    per = batch // world
    rng = np.random.default_rng(0)
    x_all = rng.standard_normal((batch,) + shape).astype(np.float32)
    y_all = rng.integers(0, 10, batch).astype(np.int64)
    x_np, y_np = x_all[rank * per:(rank + 1) * per], y_all[rank * per:(rank + 1) * per]
    reducer = None
    if config.startswith('torch'):
        import torch
        torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '1')))
        if world > 1:
            import torch.distributed as tdist
            tdist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                                     world_size=world)
        torch.manual_seed(0)
        model = builder(torch.nn)
        if world > 1:
            model = torch.nn.parallel.DistributedDataParallel(model)
        lib, F = torch, torch.nn.functional
        x, y = torch.tensor(x_np), torch.tensor(y_np)

        def max_over_ranks(v):
            if world == 1:
                return v
            t = torch.tensor([v])
            torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
            return float(t)
    else:
        import minigrad as mg
        import minigrad.distributed as dist
        if world > 1:
            dist.init_process_group('mpi')
        mg.manual_seed(0)
        model = builder(mg.nn)
        if world > 1:
            from minigrad.nn.parallel import DistributedDataParallel
            model = DistributedDataParallel(model, bucket_cap_mb=bucket_mb)
            reducer = model.reducer
        lib, F = mg, mg.nn.functional
        x, y = mg.tensor(x_np), mg.tensor(y_np)

        def max_over_ranks(v):
            if world == 1:
                return v
            t = mg.tensor([v], dtype=mg.float64)
            dist.all_reduce(t, op=dist.ReduceOp.MAX)
            return t.item()
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    t0 = time.perf_counter()
    for _ in range(3):
        step()
    per_step = max_over_ranks((time.perf_counter() - t0) / 3)
    n = max(3, int(min_seconds / per_step + 0.5))      # the same count on every rank
    ms = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        ms.append(1e3 * max_over_ranks(time.perf_counter() - t0) / n)
        time.sleep(0.2)
    out = {'config': config, 'case': case, 'block_ms': ms, 'ms': statistics.median(ms),
           'best_ms': min(ms)}
    if reducer is not None:
        out.update(_profile(step, model, opt, F, x, y, reducer, max_over_ranks))
    if rank == 0:
        print('RESULT ' + json.dumps(out), flush=True)


def _profile(step, model, opt, F, x, y, reducer, max_over_ranks, steps=20):
    """Phase times of rank 0 (ms per step) and the all-reduce wait at the end of backward."""
    launched = []
    finish = reducer.finish

    def finish_and_count():
        launched.append(reducer.next_launch)       # buckets already reducing when the wait starts
        finish()
    reducer.finish = finish_and_count
    fwd = bwd = upd = 0.0
    wait0 = reducer.wait_seconds
    for _ in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        fwd, bwd, upd = fwd + t1 - t0, bwd + t2 - t1, upd + t3 - t2
    wait = reducer.wait_seconds - wait0
    reducer.finish = finish
    nbytes = sum(b.nbytes for b in reducer.buckets)
    return {'fwd_ms': 1e3 * fwd / steps, 'bwd_ms': 1e3 * bwd / steps, 'opt_ms': 1e3 * upd / steps,
            'wait_ms': 1e3 * wait / steps, 'buckets': len(reducer.buckets),
            'launched_before_wait': statistics.median(launched) if launched else 0,
            'grad_mb': nbytes / 2 ** 20}


# ---------------------------------------------------------------- the driver

def run_job(config, case, blocks, min_seconds, bucket_mb=None, timeout=600):
    ranks = 2 if config.endswith('2') else 1
    threads = 2 if config == 'torch_1x2' else 1
    argv = [os.path.abspath(__file__), '--worker', config, case, '--blocks', str(blocks),
            '--min-seconds', str(min_seconds), '--port', str(29500 + os.getpid() % 1000)]
    if bucket_mb is not None:
        argv += ['--bucket-mb', str(bucket_mb)]
    env = dict(os.environ, PYTHONPATH=ROOT)
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[var] = str(threads)
    if ranks > 1:
        sys.path.insert(0, ROOT)
        from minigrad.distributed.launch import mpirun_command
        cmd, menv = mpirun_command(ranks, argv, threads=threads)
        env.update({k: v for k, v in menv.items() if k.startswith('OMPI_')})
    else:
        cmd = [sys.executable] + argv
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    for line in res.stdout.splitlines():
        if line.startswith('RESULT '):
            return json.loads(line[len('RESULT '):])
    raise RuntimeError(f'{config} {case} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--cases', nargs='*', default=list(CASES))
    p.add_argument('--configs', nargs='*', default=list(CONFIGS))
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--blocks', type=int, default=3)
    p.add_argument('--min-seconds', type=float, default=1.0)
    p.add_argument('--json')
    p.add_argument('--bucket-mb', type=float, default=None,
                   help="minigrad DDP's bucket_cap_mb (default: DDP's own default)")
    p.add_argument('--worker', nargs=2, metavar=('CONFIG', 'CASE'), help=argparse.SUPPRESS)
    p.add_argument('--port', type=int, default=29500, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        return worker(a.worker[0], a.worker[1], a.blocks, a.min_seconds, a.port, a.bucket_mb)
    load0 = '%.2f/%.2f/%.2f' % os.getloadavg()
    print(f'# {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, cpu_count={os.cpu_count()}, '
          f'repeats={a.repeats}, load average at the start {load0}')
    results = {}
    for case in a.cases:
        runs = {c: [] for c in a.configs}
        for r in range(a.repeats):
            order = a.configs if r % 2 == 0 else a.configs[::-1]
            for config in order:
                runs[config].append(run_job(config, case, a.blocks, a.min_seconds, a.bucket_mb))
        results[case] = summarize(case, runs)
    load1 = '%.2f/%.2f/%.2f' % os.getloadavg()
    print(f'# load average at the end {load1}')
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'load_start': load0, 'load_end': load1, 'results': results}, f, indent=1)
    return 0


def summarize(case, runs):
    med = {c: statistics.median(r['ms'] for r in rs) for c, rs in runs.items()}
    row = {'ms': med, 'all_ms': {c: [r['ms'] for r in rs] for c, rs in runs.items()}}

    def ratio(a, b):
        if a in runs and b in runs:
            rs = [x['ms'] / y['ms'] for x, y in zip(runs[a], runs[b])]
            row[f'{a}/{b}'] = (statistics.median(rs), min(rs), max(rs))
    ratio('mg_ddp2', 'torch_1x2')
    ratio('mg_ddp2', 'torch_ddp2')
    ratio('mg_1x1', 'mg_ddp2')            # the 1 -> 2 ranks speed-up
    ratio('torch_1x2', 'torch_ddp2')
    best = {c: min(r['best_ms'] for r in rs) for c, rs in runs.items()}
    row['best_ms'] = best
    print(f'{case}: ' + ', '.join(f'{c} {m:.2f} ms' for c, m in med.items()))
    print('  fastest block: ' + ', '.join(f'{c} {m:.2f} ms' for c, m in best.items()))
    for k, v in row.items():
        if '/' in k:
            print(f'  {k:<22} {v[0]:.2f}x  (range {v[1]:.2f}-{v[2]:.2f})')
    if 'mg_ddp2' in runs:
        prof = {k: statistics.median(r[k] for r in runs['mg_ddp2'])
                for k in ('fwd_ms', 'bwd_ms', 'opt_ms', 'wait_ms', 'launched_before_wait', 'buckets',
                          'grad_mb')}
        row['mg_ddp2_profile'] = prof
        print(f"  mg_ddp2 rank 0 per step: forward {prof['fwd_ms']:.2f} ms, backward "
              f"{prof['bwd_ms']:.2f} ms (of which waiting for the all-reduce {prof['wait_ms']:.2f} ms"
              f" = {100 * prof['wait_ms'] / prof['bwd_ms']:.0f}%), step {prof['opt_ms']:.2f} ms; "
              f"{prof['launched_before_wait']:.0f} of {prof['buckets']:.0f} buckets "
              f"({prof['grad_mb']:.2f} MB of gradients) reducing before the wait", flush=True)
    return row


if __name__ == '__main__':
    sys.exit(main())
