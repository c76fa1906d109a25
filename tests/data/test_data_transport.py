"""How worker batches travel (minigrad/data/transport.py) and what the pool does around it:
whole batches however big, writable arrays of their own, end of file mid-message, an abandoned
epoch's batches skipped by persistent workers, a worker stuck writing a big batch still stopped
cleanly, and every multiprocessing start method."""
import multiprocessing
import sys
import threading

import numpy as np
import pytest

import minigrad.data as D
from minigrad.data import transport

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'), reason='worker tests use fork')


def pipe():
    recv, send = multiprocessing.Pipe(duplex=False)
    transport.widen_pipe(recv)
    return recv, send


def test_a_message_comes_back_as_sent_with_writable_arrays_of_its_own():
    recv, send = pipe()
    strided = np.arange(20, dtype=np.int8)[::3]
    message = (4, 9, {'x': np.arange(12, dtype=np.float32).reshape(3, 4), 'y': [np.arange(3), 7],
                      'empty': np.zeros((0, 5)), 'strided': strided, 'name': 'b', 'none': None})
    transport.send(send, transport.pack(message))
    got = transport.receive(recv)
    assert got[:2] == (4, 9) and got[2]['name'] == 'b' and got[2]['none'] is None
    assert got[2]['y'][1] == 7
    for key in ('x', 'empty', 'strided'):
        assert got[2][key].dtype == message[2][key].dtype
        np.testing.assert_array_equal(got[2][key], message[2][key])
    x, y = got[2]['x'], got[2]['y'][0]
    assert x.flags.writeable and x.flags.aligned and y.flags.writeable
    x += 1                                    # writing one array leaves the other alone
    np.testing.assert_array_equal(y, np.arange(3))


def test_a_batch_bigger_than_the_pipe_arrives_whole():
    recv, send = pipe()
    big = np.random.default_rng(0).standard_normal((1024, 1024))      # 8 MiB, the pipe holds 1
    writer = threading.Thread(target=transport.send, args=(send, transport.pack((0, 0, big))))
    writer.start()
    got = transport.receive(recv)
    writer.join()
    np.testing.assert_array_equal(got[2], big)


def test_a_pipe_closed_before_or_during_a_message_is_end_of_file():
    recv, send = pipe()
    send.close()
    with pytest.raises(EOFError):
        transport.receive(recv)
    recv, send = pipe()
    packed = transport.pack((0, 0, np.ones(1000)))
    transport.send(send, packed[:len(packed) // 2])          # a worker that died mid-write
    send.close()
    with pytest.raises(EOFError, match='middle of a batch'):
        transport.receive(recv)


def reference(loader_kw, epochs=2):
    ds = D.TensorDataset(np.arange(60, dtype=np.float32).reshape(30, 2), np.arange(30))
    loader = D.DataLoader(ds, batch_size=4, shuffle=True, seed=5, **loader_kw)
    return [[(x.numpy(), y.numpy()) for x, y in loader] for _ in range(epochs)], ds


@pytest.mark.parametrize('method', ['spawn', 'forkserver', 'fork'])
def test_every_start_method_gives_the_in_process_batches(method):
    serial, _ = reference({})
    parallel, _ = reference(dict(num_workers=2, multiprocessing_context=method))
    for a, b in zip(serial, parallel):
        assert len(a) == len(b) == 8
        for (x0, y0), (x1, y1) in zip(a, b):
            np.testing.assert_array_equal(x0, x1)
            np.testing.assert_array_equal(y0, y1)


@pytest.mark.parametrize('prefetch_factor', [1, 2, 3])
def test_persistent_workers_skip_an_abandoned_epochs_batches(prefetch_factor):
    serial, ds = reference({}, epochs=3)
    loader = D.DataLoader(ds, batch_size=4, shuffle=True, seed=5, num_workers=2,
                          persistent_workers=True, prefetch_factor=prefetch_factor)
    it = iter(loader)
    first = next(it)                           # epoch 0 abandoned after one batch
    np.testing.assert_array_equal(first[1].numpy(), serial[0][0][1])
    del it
    for epoch in (1, 2):                       # the same workers, still carrying epoch 0's batches
        got = [y.numpy() for _, y in loader]
        assert len(got) == 8
        for y0, y1 in zip(serial[epoch], got):
            np.testing.assert_array_equal(y0[1], y1)


def test_a_worker_stuck_writing_a_big_batch_is_stopped_not_killed():
    ds = D.TensorDataset(np.zeros((16, 512, 1024), np.float32))        # 2 MiB a sample
    loader = D.DataLoader(ds, batch_size=4, num_workers=2)             # 8 MiB batches
    it = iter(loader)
    next(it)
    workers = list(it._pool.workers)
    del it                                     # the other batches are still being written
    for w in workers:
        w.join(timeout=30)
        assert w.exitcode == 0, f'worker exit code {w.exitcode} (negative: it had to be killed)'


def test_the_framed_path_for_pipes_without_file_descriptors(monkeypatch):
    monkeypatch.setattr(transport, '_RAW', False)          # what Windows takes
    recv, send = pipe()
    message = (2, 5, [np.arange(6, dtype=np.float32).reshape(2, 3), {'y': np.array([1, 2])}])
    transport.send(send, transport.pack(message))
    got = transport.receive(recv)
    np.testing.assert_array_equal(got[2][0], message[2][0])
    np.testing.assert_array_equal(got[2][1]['y'], message[2][1]['y'])
    assert got[2][0].flags.writeable
    send.close()
    assert transport.drain(recv) is False


Pair = __import__('collections').namedtuple('Pair', ['x', 'y'])


class BrokenSample(ValueError):
    pass


def test_every_kind_of_batch_value_comes_back_with_its_type_and_nothing_is_pickled(monkeypatch):
    import collections
    import pickle

    import minigrad as mg

    def no_pickle(*a, **k):
        raise AssertionError('the transport must not pickle')
    monkeypatch.setattr(pickle, 'dumps', no_pickle)
    monkeypatch.setattr(pickle, 'loads', no_pickle)
    t = mg.tensor([1.5, 2.5], requires_grad=True)
    batch = {'big': 2 ** 70, 'nan': float('nan'), 'inf': -float('inf'), 'flag': True, 'none': None,
             'text': 'é', 'raw': b'\x00\x01', 'scalar': np.float16(1.5), 3: 'int key',
             'pair': Pair(np.arange(2), 7), 'od': collections.OrderedDict(b=1, a=2),
             'tensor': t, 'plain': mg.tensor([1, 2]), 'nested': [(1, [2.0]), ()]}
    recv, send = pipe()
    transport.send(send, transport.pack((0, 1, batch)))
    got = transport.receive(recv)[2]
    assert got['big'] == 2 ** 70 and np.isnan(got['nan']) and got['inf'] == -float('inf')
    assert got['flag'] is True and got['none'] is None and got['text'] == 'é' and got['raw'] == b'\x00\x01'
    assert type(got['scalar']) is np.float16 and got['scalar'] == 1.5 and got[3] == 'int key'
    assert type(got['pair']) is Pair and got['pair'].y == 7 and got['pair'].x.tolist() == [0, 1]
    assert type(got['od']) is collections.OrderedDict and list(got['od']) == ['b', 'a']
    assert isinstance(got['tensor'], mg.Tensor) and got['tensor'].requires_grad
    np.testing.assert_array_equal(got['tensor'].detach().numpy(), [1.5, 2.5])
    assert got['plain'].dtype == np.int64 and not got['plain'].requires_grad
    assert got['nested'] == [(1, [2.0]), ()] and isinstance(got['nested'][0], tuple)
    assert list(got) == list(batch)                                     # key order kept


def test_a_worker_exception_keeps_its_type_and_an_unknown_batch_object_is_refused_clearly():
    class Bad(D.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            raise BrokenSample(f'sample {i} is broken')

    with pytest.raises(BrokenSample, match='sample 0 is broken'):
        list(D.DataLoader(Bad(), batch_size=2, num_workers=1))

    class Custom:
        pass
    ds = D.TensorDataset(np.arange(4, dtype=np.float32))
    with pytest.raises(TypeError, match=r'never pickled.*Custom.*num_workers=0'):
        list(D.DataLoader(ds, batch_size=2, num_workers=1, collate_fn=lambda samples: Custom()))
    assert len(list(D.DataLoader(ds, batch_size=2, collate_fn=lambda samples: Custom()))) == 2
