"""Tensor hooks (``register_hook``, ``register_post_accumulate_grad_hook``), each scenario run
the same way on minigrad and on PyTorch and compared: the gradients each hook sees, the order
of the calls, and the gradients that end up in ``.grad``."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip('torch')


def leaf(lib, values):
    return lib.tensor(values, requires_grad=True)


def arr(t):
    return None if t is None else np.asarray(t.detach().numpy(), dtype=np.float64)


def run_both(scenario):
    """``scenario(lib, log)`` -> a list of tensors; log collects what the hooks saw."""
    out = {}
    for lib in (mg, torch):
        log = []
        res = scenario(lib, log)
        out[lib.__name__] = ([(tag, arr(v)) for tag, v in log], [arr(t) for t in res])
    (mlog, mres), (tlog, tres) = out['minigrad'], out['torch']
    assert [tag for tag, _ in mlog] == [tag for tag, _ in tlog]
    for (tag, m), (_, t) in zip(mlog, tlog):
        np.testing.assert_allclose(m, t, rtol=1e-6, err_msg=tag)
    assert len(mres) == len(tres)
    for m, t in zip(mres, tres):
        assert (m is None) == (t is None)
        if m is not None:
            np.testing.assert_allclose(m, t, rtol=1e-6)
    return mlog


def test_hooks_run_in_order_and_a_returned_tensor_replaces_the_gradient():
    def scenario(lib, log):
        a = leaf(lib, [1.0, 2.0, 3.0])
        a.register_hook(lambda g: log.append(('first', g)) or g * 10)
        a.register_hook(lambda g: log.append(('second', g)))          # returns None: unchanged
        a.register_hook(lambda g: log.append(('third', g)) or g + 1)
        (a * a).sum().backward()
        return [a.grad]
    log = run_both(scenario)
    assert [tag for tag, _ in log] == ['first', 'second', 'third']


def test_hook_on_a_non_leaf_changes_what_flows_upstream():
    def scenario(lib, log):
        x = leaf(lib, [1.0, -2.0, 0.5])
        y = x * 3
        y.retain_grad()                     # PyTorch stores the retained grad after the hooks
        y.register_hook(lambda g: log.append(('y', g)) or g * 0.5)
        z = (y * y).sum()
        z.backward()
        return [x.grad, y.grad]
    run_both(scenario)


def test_reused_tensor_calls_its_hook_once_with_the_full_gradient():
    def scenario(lib, log):
        a = leaf(lib, [1.0, 2.0])
        a.register_hook(lambda g: log.append(('a', g)))
        b = a + a
        c = b * a
        c.sum().backward()
        return [a.grad]
    log = run_both(scenario)
    assert len(log) == 1


def test_removed_hook_is_not_called():
    def scenario(lib, log):
        a = leaf(lib, [1.0, 2.0])
        h = a.register_hook(lambda g: log.append(('removed', g)) or g * 100)
        a.register_hook(lambda g: log.append(('kept', g)))
        h.remove()
        h.remove()                                                    # twice is harmless
        (a * 2).sum().backward()
        return [a.grad]
    log = run_both(scenario)
    assert [tag for tag, _ in log] == ['kept']


def test_post_accumulate_hook_sees_the_accumulated_grad_after_the_tensor_hook():
    def scenario(lib, log):
        w = leaf(lib, [0.5, -1.5])
        w.register_hook(lambda g: log.append(('tensor hook', g)))
        w.register_post_accumulate_grad_hook(lambda t: log.append(('post', t.grad.clone())))
        (w * w).sum().backward()
        (w * 3).sum().backward()                                      # accumulates on top
        return [w.grad]
    log = run_both(scenario)
    assert [tag for tag, _ in log] == ['tensor hook', 'post', 'tensor hook', 'post']


def test_post_accumulate_hook_can_act_on_the_grad_in_place():
    def scenario(lib, log):
        w = leaf(lib, [1.0, 2.0])

        def clip(t):
            with lib.no_grad():
                t.grad.mul_(0.25)
        w.register_post_accumulate_grad_hook(clip)
        (w * w).sum().backward()
        return [w.grad]
    run_both(scenario)


def test_hooks_also_run_for_autograd_grad():
    def scenario(lib, log):
        x = leaf(lib, [1.0, 2.0])
        y = x * x
        y.register_hook(lambda g: log.append(('y', g)) or g * 2)
        (gx,) = lib.autograd.grad(y.sum(), x)
        return [gx, x.grad]
    run_both(scenario)


def test_hook_errors_match_pytorch():
    for lib in (mg, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.tensor([1.0]).register_hook(lambda g: g)
        x = leaf(lib, [1.0])
        with pytest.raises(RuntimeError, match='non-leaf'):
            (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    x = leaf(mg, [1.0, 2.0])
    x.register_hook(lambda g: mg.ones(3))
    with pytest.raises(RuntimeError, match=r'shape \(3,\).*shape \(2,\)'):
        (x * 2).sum().backward()
    with pytest.raises(TypeError, match='callable'):
        x.register_hook(5)


def test_handle_as_context_manager():
    x = leaf(mg, [1.0, 2.0])
    seen = []
    with x.register_hook(lambda g: seen.append(g)):
        (x * 2).sum().backward()
    (x * 2).sum().backward()
    assert len(seen) == 1


def test_hooks_stay_with_the_value_they_were_registered_on_across_an_inplace_change():
    def scenario(lib, log):
        x = leaf(lib, [1.0, 2.0])
        y = x * 1
        y.register_hook(lambda g: log.append(('before', g)))
        z = y * 5
        y.mul_(2)
        y.register_hook(lambda g: log.append(('after', g)))
        y.retain_grad()
        (y * 3 + z).sum().backward()
        return [x.grad, y.grad]
    log = run_both(scenario)
    assert [tag for tag, _ in log] == ['after', 'before']
