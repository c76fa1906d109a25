"""Speed and memory of minigrad against PyTorch, measured in the same run, printed as ratios.

    python benchmarks/run.py                      # every case on the CPU
    python benchmarks/run.py --cases lenet5_b64 conv2d --repeats 7
    python benchmarks/run.py --device cuda        # the same on a GPU (CuPy against torch CUDA)
    python benchmarks/run.py --json out.json      # also write the raw figures

Each case builds the same network in both frameworks (same layer names: they share an API),
then alternates them: a timed block of minigrad steps, a pause, a timed block of PyTorch steps,
a pause, and so on for ``--repeats`` pairs. The pause matters on the CPU: BLAS threads keep
spinning ~0.1 s after a call and slow whatever runs next. We report the median time per step
of each framework and the median and range of the per-pair ratio (minigrad / PyTorch; < 1 is
faster). Peak memory is the VmHWM of a fresh child process that runs a few steps of one
framework only. See benchmarks/README.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


# ---------------------------------------------------------------- the networks
# `nn` is minigrad.nn or torch.nn: the same code builds both.

def lenet5(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),     # 6x28x28 -> 6x14x14
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),               # 16x10x10 -> 16x5x5
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def vgg_from_cfg(nn, cfg, in_channels, num_classes, batch_norm, head_features=None):
    """3x3 convs (+BN) + ReLU and 2x2 max pools; then Flatten + Linear over ``head_features``
    positions, or (``head_features=None``) global average pooling + Linear, the zoo's compact head."""
    layers, c = [], in_channels
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2))
        else:
            layers.append(nn.Conv2d(c, v, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU())
            c = v
    if head_features is None:
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes)]
    else:
        layers += [nn.Flatten(), nn.Linear(c * head_features, num_classes)]
    return nn.Sequential(*layers)


def small_vgg(nn):
    # [32,32,M,64,64,M,128,128,M] + Linear on 3x32x32 (no batch norm): 128x4x4 -> 10
    return vgg_from_cfg(nn, [32, 32, 'M', 64, 64, 'M', 128, 128, 'M'], 3, 10, False, 16)


def vgg11_32(nn):
    # VGG-11's conv stack (cfg A) with batch norm on 3x32x32 -> 512x1x1 -> Linear
    cfg = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']
    return vgg_from_cfg(nn, cfg, 3, 10, True, 1)


def vgg_mini(nn):
    """The model zoo's vgg_mini (batch norm, compact head) from its own config, for both frameworks."""
    from models.vgg import cfgs
    return vgg_from_cfg(nn, cfgs['vgg_mini'], 1, 10, True)


MODELS = {
    # name: (builder, input shape (C, H, W), batch)
    'lenet5_b64': (lenet5, (1, 28, 28), 64),
    'lenet5_b256': (lenet5, (1, 28, 28), 256),
    'small_vgg_b64': (small_vgg, (3, 32, 32), 64),
    'vgg_mini_b64': (vgg_mini, (1, 28, 28), 64),
    'vgg11_b64': (vgg11_32, (3, 32, 32), 64),
}
GPU_MODELS = {
    'lenet5_b256': (lenet5, (1, 28, 28), 256),
    'lenet5_b1024': (lenet5, (1, 28, 28), 1024),
    'small_vgg_b128': (small_vgg, (3, 32, 32), 128),
    'small_vgg_b256': (small_vgg, (3, 32, 32), 256),
    'vgg11_b128': (vgg11_32, (3, 32, 32), 128),
    'vgg11_b256': (vgg11_32, (3, 32, 32), 256),
}
MICRO = ['conv2d', 'maxpool2d', 'op_fwd_x100', 'op_fwd_bwd_x100']
# data parallel (CPU only; benchmarks/ddp.py): minigrad DDP 2 ranks x 1 thread against PyTorch
# 1 process x 2 threads, minigrad 1 x 1 and PyTorch DDP (gloo) 2 x 1, each a fresh mpirun job
DDP_CASES = ['ddp_lenet5_b256', 'ddp_small_vgg_b64']


# ---------------------------------------------------------------- one framework's step

class Framework:
    def __init__(self, name, device):
        self.name, self.device = name, device
        if name == 'torch':
            import torch
            self.lib, self.nn, self.F = torch, torch.nn, torch.nn.functional
            self.dev = torch.device(device)
        else:
            import minigrad as mg
            self.lib, self.nn, self.F = mg, mg.nn, mg.nn.functional
            self.dev = device

    def tensor(self, array, requires_grad=False):
        if self.name == 'torch':
            return self.lib.tensor(array, device=self.dev, requires_grad=requires_grad)
        return self.lib.tensor(array, device=self.dev, requires_grad=requires_grad)

    def sync(self):
        if 'cuda' not in str(self.device):
            return
        if self.name == 'torch':
            self.lib.cuda.synchronize()
        else:
            self.lib.cuda.synchronize()

    def seed(self, s):
        self.lib.manual_seed(s)


def make_train_step(fw, builder, shape, batch):
    """An SGD step: forward + cross-entropy + backward + update, on fixed random data."""
    fw.seed(0)
    model = builder(fw.nn).to(fw.dev)
    model.train()
    opt = fw.lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = fw.tensor(rng.standard_normal((batch,) + shape).astype(np.float32))
    y = fw.tensor(rng.integers(0, 10, batch).astype(np.int64))

    def step():
        opt.zero_grad()
        loss = fw.F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def make_micro(fw, case):
    rng = np.random.default_rng(0)
    if case == 'conv2d':
        # (64, 64, 32, 32) input, 64 3x3 filters, padding 1: forward + backward
        x = fw.tensor(rng.standard_normal((64, 64, 32, 32)).astype(np.float32), requires_grad=True)
        w = fw.tensor(rng.standard_normal((64, 64, 3, 3)).astype(np.float32) * 0.05, requires_grad=True)
        g = fw.tensor(rng.standard_normal((64, 64, 32, 32)).astype(np.float32))

        def step():
            x.grad = w.grad = None
            fw.F.conv2d(x, w, padding=1).backward(g)
        return step
    if case == 'maxpool2d':
        x = fw.tensor(rng.standard_normal((64, 64, 32, 32)).astype(np.float32), requires_grad=True)
        g = fw.tensor(rng.standard_normal((64, 64, 16, 16)).astype(np.float32))

        def step():
            x.grad = None
            fw.F.max_pool2d(x, 2).backward(g)
        return step
    if case in ('op_fwd_x100', 'op_fwd_bwd_x100'):
        # the engine's fixed cost: 100 tiny adds recorded (then one backward through them);
        # the time per step in ms, times 10, is microseconds per op
        a = fw.tensor(np.ones(4, np.float32), requires_grad=True)
        b = fw.tensor(np.ones(4, np.float32), requires_grad=True)
        backward = case == 'op_fwd_bwd_x100'

        def step():
            a.grad = b.grad = None
            c = a
            for _ in range(100):
                c = c + b
            if backward:
                c.sum().backward()
        return step
    raise ValueError(case)


def make_step(fw, case, models):
    if case in models:
        return make_train_step(fw, *models[case])
    return make_micro(fw, case)


# ---------------------------------------------------------------- timing

def time_block(step, sync, min_seconds):
    """Seconds per call: run ``step`` until ``min_seconds`` have passed (at least 2 calls)."""
    n, t0 = 0, time.perf_counter()
    while True:
        step()
        n += 1
        sync()
        el = time.perf_counter() - t0
        if n >= 2 and el >= min_seconds:
            return el / n


def bench_case(case, frameworks, models, repeats, min_seconds, pause):
    steps = {}
    for fw in frameworks:
        steps[fw.name] = make_step(fw, case, models)
        for _ in range(2):          # warm up: allocator, caches, BLAS threads, CUDA kernels
            steps[fw.name]()
        fw.sync()
    times = {fw.name: [] for fw in frameworks}
    for r in range(repeats):
        order = frameworks if r % 2 == 0 else frameworks[::-1]
        for fw in order:
            time.sleep(pause)
            times[fw.name].append(time_block(steps[fw.name], fw.sync, min_seconds))
    return times


def peak_rss(case, framework, device, models_key):
    """VmHWM (peak RSS, MB) of a fresh process that imports one framework and runs the case."""
    cmd = [sys.executable, os.path.abspath(__file__), '--child', case, framework,
           '--device', device, '--models', models_key]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    for line in out.stdout.splitlines():
        if line.startswith('VmHWM_MB'):
            return float(line.split()[1])
    return float('nan')


def child(case, framework, device, models_key):
    models = GPU_MODELS if models_key == 'gpu' else MODELS
    _set_threads(framework)
    fw = Framework(framework, device)
    step = make_step(fw, case, models)
    for _ in range(3):
        step()
    fw.sync()
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM'):
                print('VmHWM_MB', int(line.split()[1]) / 1024)


def blas_threads():
    try:
        from threadpoolctl import threadpool_info
        n = [i['num_threads'] for i in threadpool_info() if i.get('user_api') == 'blas']
        if n:
            return n[0]
    except ImportError:
        pass
    for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        if os.environ.get(var):
            return int(os.environ[var])
    return os.cpu_count()


def _set_threads(framework):
    if framework == 'torch':
        import torch
        torch.set_num_threads(blas_threads())


def ddp_case(case, repeats):
    """A data-parallel case: benchmarks/ddp.py's jobs, alternated, one table row
    (minigrad = DDP 2 ranks x 1 thread, torch = one process x 2 threads) and its own lines."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ddp
    name = case[len('ddp_'):]
    runs = {c: [] for c in ddp.CONFIGS}
    for r in range(repeats):
        for config in (ddp.CONFIGS if r % 2 == 0 else ddp.CONFIGS[::-1]):
            runs[config].append(ddp.run_job(config, name, blocks=2, min_seconds=0.5))
    row = ddp.summarize(name, runs)
    ratio = row['mg_ddp2/torch_1x2']
    print(f"{case:<16}{row['ms']['mg_ddp2']:>13.2f}{row['ms']['torch_1x2']:>11.2f}{ratio[0]:>7.2f}x"
          f"{f'{ratio[1]:.2f}-{ratio[2]:.2f}':>15}", flush=True)
    return row


# ---------------------------------------------------------------- report

def summarize(times):
    mg_t, pt_t = times['minigrad'], times.get('torch')
    row = {'minigrad_ms': 1e3 * statistics.median(mg_t), 'minigrad_all_ms': [1e3 * t for t in mg_t]}
    if pt_t:
        ratios = [a / b for a, b in zip(mg_t, pt_t)]
        row.update(torch_ms=1e3 * statistics.median(pt_t), torch_all_ms=[1e3 * t for t in pt_t],
                   ratio=statistics.median(ratios), ratio_min=min(ratios), ratio_max=max(ratios))
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--cases', nargs='*', help='subset of cases (default: all)')
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--min-seconds', type=float, default=0.5, help='length of one timed block')
    p.add_argument('--pause', type=float, default=0.25, help='sleep between frameworks')
    p.add_argument('--no-memory', action='store_true', help='skip the peak-RSS child processes')
    p.add_argument('--no-torch', action='store_true')
    p.add_argument('--json', help='write the figures to this file')
    p.add_argument('--child', nargs=2, metavar=('CASE', 'FRAMEWORK'), help=argparse.SUPPRESS)
    p.add_argument('--models', default='cpu', help=argparse.SUPPRESS)
    p.add_argument('--threads', type=int, help='BLAS/OpenMP threads for both frameworks (re-executes '
                   'with OPENBLAS_NUM_THREADS etc. set; default: as the environment says)')
    a = p.parse_args(argv)
    if a.threads and os.environ.get('OPENBLAS_NUM_THREADS') != str(a.threads):
        env = dict(os.environ, **{v: str(a.threads) for v in
                                  ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')})
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)
    if a.child:
        return child(a.child[0], a.child[1], a.device, a.models)

    gpu = a.device.startswith('cuda')
    models = GPU_MODELS if gpu else MODELS
    models_key = 'gpu' if gpu else 'cpu'
    cases = a.cases or (list(models) + MICRO + ([] if gpu else DDP_CASES))
    frameworks = [Framework('minigrad', a.device)]
    try:
        if not a.no_torch:
            _set_threads('torch')
            frameworks.append(Framework('torch', a.device))
    except ImportError:
        print('PyTorch is not installed: timing minigrad alone', file=sys.stderr)
    have_torch = len(frameworks) == 2
    import minigrad
    info = {'date': time.strftime('%Y-%m-%d'), 'device': a.device, 'blas_threads': blas_threads(),
            'numpy': np.__version__, 'minigrad': minigrad.__version__, 'cpu_count': os.cpu_count(),
            'repeats': a.repeats, 'loadavg_start': '%.2f/%.2f/%.2f' % os.getloadavg()}
    if have_torch:
        import torch
        info.update(torch=torch.__version__, torch_threads=torch.get_num_threads())
        if gpu:
            info['gpu'] = torch.cuda.get_device_name()
    print('# ' + ', '.join(f'{k}={v}' for k, v in info.items()))
    hdr = f"{'case':<16}{'minigrad ms':>13}{'torch ms':>11}{'ratio':>8}{'range':>15}"
    if not a.no_memory:
        hdr += f"{'mg MB':>9}{'torch MB':>10}"
    print(hdr)
    results = {}
    for case in cases:
        if case in DDP_CASES:
            results[case] = ddp_case(case, a.repeats)
            continue
        times = bench_case(case, frameworks, models, a.repeats, a.min_seconds, a.pause)
        row = summarize(times)
        if not a.no_memory:
            row['minigrad_peak_mb'] = peak_rss(case, 'minigrad', a.device, models_key)
            if have_torch:
                row['torch_peak_mb'] = peak_rss(case, 'torch', a.device, models_key)
        results[case] = row
        line = f"{case:<16}{row['minigrad_ms']:>13.2f}"
        if have_torch:
            rng_txt = f"{row['ratio_min']:.2f}-{row['ratio_max']:.2f}"
            line += f"{row['torch_ms']:>11.2f}{row['ratio']:>7.2f}x{rng_txt:>15}"
        else:
            line += f"{'-':>11}{'-':>8}{'-':>15}"
        if not a.no_memory:
            line += f"{row['minigrad_peak_mb']:>9.0f}{row.get('torch_peak_mb', float('nan')):>10.0f}"
        print(line, flush=True)
    info['loadavg_end'] = '%.2f/%.2f/%.2f' % os.getloadavg()
    print(f"# load average (1/5/15 min) at the start {info['loadavg_start']}, at the end "
          f"{info['loadavg_end']}: above ~0.5 other processes share the 2 cores and BLAS timings "
          'inflate; trust the per-pair ratio range, not the ms')
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'info': info, 'results': results}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
