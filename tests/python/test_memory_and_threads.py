"""Zero copy of float32/uint8 input and the GIL released while the engines decode."""
import threading
import time

import numpy as np

import peakscope as ps


def test_c_contiguous_float32_and_uint8_are_not_copied():
    for m in (np.random.default_rng(0).random((2, 3, 30, 40), dtype=np.float32),
              np.random.default_rng(0).integers(0, 255, (3, 30, 40), dtype=np.uint8)):
        before = ps.input_copies()
        ps.decode(m, decoders="all")
        assert ps._core.last_input_address() == m.ctypes.data
        ps.softmax(m)
        ps.beta_grid(m, [1, 10])
        assert ps.input_copies() == before


def test_padded_rows_and_channel_slices_are_read_in_place():
    big = np.random.default_rng(1).random((2, 5, 30, 48), dtype=np.float32)
    view = big[:, 1:4, 2:25, 3:40]  # rows contiguous, strides of the parent
    before = ps.input_copies()
    r = ps.decode(view, decoders="dark,window,debiased")
    assert ps.input_copies() == before
    assert ps._core.last_input_address() == view.__array_interface__["data"][0]
    c = ps.decode(np.ascontiguousarray(view), decoders="dark,window,debiased")
    np.testing.assert_array_equal(r.softargmax, c.softargmax)
    for name in r.decoders:
        np.testing.assert_array_equal(r.decoders[name].xy, c.decoders[name].xy)


def test_what_cannot_be_viewed_is_copied_once_and_counted():
    m = np.random.default_rng(2).random((3, 20, 30), dtype=np.float32)
    for other in (m.transpose(0, 2, 1), m[:, :, ::2], m.astype(np.float64), m.astype(">f4")):
        before = ps.input_copies()
        r = ps.decode(other)
        assert ps.input_copies() == before + 1
        np.testing.assert_array_equal(
            r.softargmax, ps.decode(np.ascontiguousarray(other, dtype=np.float32)).softargmax)


def test_the_engine_reads_the_callers_buffer():
    m = np.zeros((1, 8, 8), np.float32)
    m[0, 2, 3] = 1
    assert tuple(ps.decode(m).argmax[0]) == (3.0, 2.0)
    m[0, 6, 5] = 2  # the same buffer, changed: the next decode sees the change
    assert tuple(ps.decode(m).argmax[0]) == (5.0, 6.0)


def test_a_second_thread_runs_while_a_large_decode_does():
    maps = np.random.default_rng(3).random((24, 1024, 1024), dtype=np.float32)
    ps.decode(maps[:1])  # the engine exists
    window = {}
    ticks = []
    done = threading.Event()

    def work():
        window["t0"] = time.perf_counter()
        ps.decode(maps, decoders="debiased")
        window["t1"] = time.perf_counter()
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
    t.join()
    t0, t1 = window["t0"], window["t1"]
    inside = [x for x in ticks if t0 <= x <= t1]
    assert t1 - t0 > 0.05, "the decode was too short to tell"
    # With the GIL held for the whole decode, this thread would stop for all of it (one gap of
    # the whole window but the few milliseconds of a switch interval); the margin is for a
    # loaded machine's scheduling.
    gaps = np.diff([t0] + inside + [t1])
    assert len(inside) > 100 and gaps.max() < 0.8 * (t1 - t0), (len(inside), gaps.max(), t1 - t0)


def test_a_forked_child_decodes_with_its_own_engine():
    import os

    m = np.random.default_rng(4).random((3, 200, 300), dtype=np.float32)
    want = ps.decode(m).softargmax  # the parent's engine exists (and its worker threads)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a DataLoader worker would do this
        code = 1
        try:
            code = 0 if np.array_equal(ps.decode(m).softargmax, want) else 2
        finally:
            os.write(w, bytes([code]))
            os._exit(0)
    os.close(w)
    import select

    ready, _, _ = select.select([r], [], [], 30)
    if not ready:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert ready, "the child hung decoding with the parent's engine"
    assert os.read(r, 1) == b"\x00"
    os.waitpid(pid, 0)
