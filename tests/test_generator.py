"""mg.Generator (as torch.Generator): seeding, state, and generator= in the random factories,
random_split, the samplers and the DataLoader; the same seed gives the same draws, bit for bit."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import data


def test_generator_seeding_as_torch():
    torch = pytest.importorskip('torch')
    g, tg = mg.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed()                 # the same default seed
    assert g.manual_seed(42) is g and tg.manual_seed(42) is tg   # returns the generator
    assert g.initial_seed() == 42
    assert g.manual_seed(-1).initial_seed() == tg.manual_seed(-1).initial_seed() == 2 ** 64 - 1
    for bad in (1.5, '3', None):
        with pytest.raises((RuntimeError, TypeError)):
            tg.manual_seed(bad)
        with pytest.raises(RuntimeError, match='manual_seed expected a long'):
            g.manual_seed(bad)
    with pytest.raises(RuntimeError, match='seed must be in'):
        g.manual_seed(2 ** 64)
    s = g.seed()
    assert isinstance(s, int) and 0 <= s < 2 ** 64 and g.initial_seed() == s
    assert mg.Generator(device='cpu').device == mg.device('cpu')


def test_generator_state_round_trip():
    g = mg.Generator().manual_seed(7)
    mg.rand(5, generator=g)
    state = g.get_state()
    assert isinstance(state, mg.Tensor) and state.dtype == mg.uint8 and state.ndim == 1
    first = mg.rand(4, generator=g).numpy()
    mg.randn(10, generator=g)
    assert g.set_state(state) is g
    np.testing.assert_array_equal(mg.rand(4, generator=g).numpy(), first)
    other = mg.Generator().set_state(state.clone())               # into another generator
    g.set_state(state)
    np.testing.assert_array_equal(mg.randn(3, generator=other).numpy(),
                                  mg.randn(3, generator=g).numpy())
    assert other.initial_seed() == 7
    with pytest.raises(RuntimeError, match='set_state: expected a state from Generator.get_state'):
        g.set_state(mg.zeros(3, dtype=mg.uint8))


def test_factories_take_a_generator_and_leave_the_global_one_alone():
    mg.manual_seed(0)
    expected_global = mg.rand(3).numpy()
    for fn, args in ((mg.rand, (2, 3)), (mg.randn, (4,)), (mg.randint, (0, 10, (5,))),
                     (mg.randperm, (9,))):
        a = fn(*args, generator=mg.Generator().manual_seed(3)).numpy()
        b = fn(*args, generator=mg.Generator().manual_seed(3)).numpy()
        c = fn(*args, generator=mg.Generator().manual_seed(4)).numpy()
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    mg.manual_seed(0)
    np.testing.assert_array_equal(mg.rand(3).numpy(), expected_global)     # not consumed
    assert mg.rand(2, generator=mg.Generator()).dtype == mg.float32
    assert mg.randperm(4, generator=mg.Generator()).dtype == mg.int64
    with pytest.raises(TypeError, match='generator must be an mg.Generator'):
        mg.rand(2, generator='seed')


def test_random_split_with_a_generator_is_deterministic():
    ds = data.TensorDataset(mg.arange(100.0))
    split = lambda seed: [s.indices for s in data.random_split(
        ds, [0.7, 0.2, 0.1], generator=mg.Generator().manual_seed(seed))]
    assert split(42) == split(42)
    assert split(42) != split(43)
    g = mg.Generator().manual_seed(42)
    a = [s.indices for s in data.random_split(ds, [50, 50], generator=g)]
    b = [s.indices for s in data.random_split(ds, [50, 50], generator=g)]
    assert a != b                                                  # the generator advanced


def test_samplers_and_dataloader_take_a_generator():
    ds = data.TensorDataset(mg.arange(20.0), mg.arange(20))
    order = lambda seed: list(data.RandomSampler(ds, generator=mg.Generator().manual_seed(seed)))
    assert order(5) == order(5) and sorted(order(5)) == list(range(20)) and order(5) != order(6)
    sub = lambda seed: list(data.SubsetRandomSampler(range(10, 20),
                                                     generator=mg.Generator().manual_seed(seed)))
    assert sub(1) == sub(1) and sorted(sub(1)) == list(range(10, 20))

    def batches(seed):
        loader = data.DataLoader(ds, batch_size=6, shuffle=True,
                                 generator=mg.Generator().manual_seed(seed))
        return [y.numpy().tolist() for _, y in loader]
    assert batches(9) == batches(9) and batches(9) != batches(10)
    assert sorted(sum(batches(9), [])) == list(range(20))
