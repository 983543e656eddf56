"""The live stream end to end: Python processes send frames to the viewer (under Xvfb: the
ctest entry python.stream runs under xvfb-run) and to `peakscope-cli decode stream:`; the
back-channel; senders that die, malformed messages, a second viewer on one endpoint.

PEAKSCOPE_VIEWER and PEAKSCOPE_CLI name the binaries (set by the ctest entry).
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pytest
import zmq

import peakscope
from peakscope import live as live_mod

VIEWER = os.environ["PEAKSCOPE_VIEWER"]
CLI = os.environ["PEAKSCOPE_CLI"]

K, H, W = 3, 24, 32


def peaks(step):
    """Channel c's peak (integer heatmap pixels) at frame `step`."""
    return [(4 + (step * 3 + 5 * c) % 24, 4 + (step + 6 * c) % 16) for c in range(K)]


def frame(step, dtype=np.float32):
    yy, xx = np.mgrid[0:H, 0:W]
    maps = np.stack([np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 4.0) for x, y in peaks(step)])
    return maps.astype(dtype)


@pytest.fixture
def endpoint():
    # Socket paths must stay short (107 bytes): a short folder of our own.
    d = tempfile.mkdtemp(prefix="ps")
    yield "ipc://" + d + "/s"
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)


def wait_listening(ep, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while not live_mod._listening(ep):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"nothing listened on {ep}"
        time.sleep(0.05)


def pump(live, proc, timeout=90, period=0.01, first=0):
    """Sends frames step = first, first + 1, ... until `proc` exits; returns the last step."""
    step = first
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        assert time.monotonic() < deadline, "the receiver did not finish"
        live.send(frame(step), step=step, names=["a", "b", "c"], skeleton=[(0, 1)],
                  ground_truth=np.array(peaks(step), float))
        step += 1
        time.sleep(period)
    return step - 1


def viewer(ep, tmp_path, name, *args):
    report = tmp_path / f"{name}.json"
    cmd = [VIEWER, "--listen", ep, "--backend", "cpu", "--report", str(report),
           "--stream-timeout", "60", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), report


def finish(proc):
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return err


def test_send_never_blocks_without_a_receiver(endpoint):
    with peakscope.connect(endpoint) as live:
        for step in range(50):
            assert live.send(frame(step), step=step) is False
        assert live.dropped == 50 and live.sent == 50
        assert live.beta == 100.0 and live.state == {} and live.keypoints() is None


def test_send_checks_its_input(endpoint):
    with peakscope.connect(endpoint) as live:
        with pytest.raises(ValueError, match="K x H x W"):
            live.send(np.zeros((2, 3, 4, 5), np.float32))
        with pytest.raises(ValueError, match="image must be"):
            live.send(frame(0), image=np.zeros((4, 5, 7)))
        with pytest.raises(ValueError, match="ground_truth"):
            live.send(frame(0), ground_truth=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="unknown endpoint"):
        peakscope.connect("udp://x")


def test_cli_records_a_stream_and_answers_on_the_back_channel(endpoint, tmp_path):
    out = tmp_path / "x.json"
    cli = subprocess.Popen([CLI, "decode", "stream:" + endpoint, "--frames", "5", "--out",
                            str(out), "--backend", "cpu", "--stream-timeout", "60"],
                           stderr=subprocess.PIPE, text=True)
    wait_listening(endpoint, cli)
    with peakscope.connect(endpoint) as live:
        pump(live, cli, period=0.02)
        kp = live.keypoints()
    finish(cli)
    doc = json.loads(out.read_text())
    assert len(doc["frames"]) == 5
    for f in doc["frames"]:
        assert [c["name"] for c in f["channels"]] == ["a", "b", "c"]
    # Every recorded frame decodes to its own peaks (the CLI keeps every frame, in order).
    first = doc["frames"][0]
    steps = [s for s in range(200)
             if all((c["argmax"]["x"], c["argmax"]["y"]) == p
                    for c, p in zip(first["channels"], peaks(s)))]
    assert steps, first
    assert kp is not None and kp["step"] >= 0
    np.testing.assert_allclose(kp["argmax"], np.array(peaks(kp["step"]), float))


def test_viewer_shows_the_newest_frame_and_reports_it(endpoint, tmp_path):
    shot = tmp_path / "s.png"
    proc, report = viewer(endpoint, tmp_path, "newest", "--frames", "8", "--screenshot", str(shot))
    wait_listening(endpoint, proc)
    with peakscope.connect(endpoint) as live:
        last = pump(live, proc, period=0.002)
        dropped = live.dropped
    finish(proc)
    r = json.loads(report.read_text())
    assert r["frames_shown"] == 8
    step = r["stream"]["step"]
    assert 0 <= step <= last
    assert r["stream"]["names"] == ["a", "b", "c"]
    assert r["stream"]["sender_dropped"] <= dropped
    assert r["stream"]["skipped"] >= 0 and r["stream"]["bad"] == 0
    got = [(k["argmax_x"], k["argmax_y"]) for k in r["keypoints"]]
    assert got == peaks(step)
    assert "frames received" in r["source_status"]
    # The screenshot shows the soft-argmax marker (magenta) at channel 0's keypoint.
    import cv2
    img = cv2.imread(str(shot))
    v = r["heatmap_view"]
    x = v["origin_x"] + (r["keypoints"][0]["soft_x"] + 0.5) * v["zoom"]
    y = v["origin_y"] + (r["keypoints"][0]["soft_y"] + 0.5) * v["zoom"]
    patch = img[int(y) - 12:int(y) + 13, int(x) - 12:int(x) + 13].astype(int)
    magenta = (patch[:, :, 0] > 200) & (patch[:, :, 1] < 60) & (patch[:, :, 2] > 200)
    assert magenta.sum() >= 4, (x, y)


def test_back_channel_delivers_the_viewers_beta(endpoint, tmp_path):
    proc, report = viewer(endpoint, tmp_path, "beta", "--frames", "6", "--beta", "20",
                          "--press", "Up,Up")
    wait_listening(endpoint, proc)
    seen = []
    with peakscope.connect(endpoint) as live:
        live.on_state(lambda s: seen.append(s["beta"]))
        pump(live, proc)
        time.sleep(0.3)
        beta = live.beta
        state = live.state
        kp = live.keypoints()
    finish(proc)
    r = json.loads(report.read_text())
    assert beta == pytest.approx(20 * 1.1 * 1.1) == pytest.approx(r["beta"])
    assert seen and seen[-1] == pytest.approx(beta)
    assert state["normalize"] == "max" and state["paused"] is False
    assert kp is not None and kp["received"] >= kp["sent"]
    np.testing.assert_allclose(kp["argmax"], np.array(peaks(kp["step"]), float))


def test_default_endpoint_and_show(tmp_path):
    # connect() with no argument reaches `peakscope --listen` with none (XDG_RUNTIME_DIR
    # decides the default endpoint for both).
    run = tempfile.mkdtemp(prefix="psrun")
    os.chmod(run, 0o700)
    old = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = run
    try:
        report = tmp_path / "show.json"
        live = peakscope.show(viewer=VIEWER, args=["--frames", "4", "--backend", "cpu",
                                                  "--report", str(report)])
        assert live.endpoint == "ipc://" + run + "/peakscope/live"
        deadline = time.monotonic() + 90
        step = 0
        while not report.exists():
            assert time.monotonic() < deadline
            live.send(frame(step), step=step)
            step += 1
            time.sleep(0.01)
        live.close()
        time.sleep(0.5)  # the viewer finishes writing
        assert json.loads(report.read_text())["frames_shown"] == 4
        assert oct(os.stat(run + "/peakscope").st_mode & 0o777) == "0o700"
    finally:
        if old is None:
            del os.environ["XDG_RUNTIME_DIR"]
        else:
            os.environ["XDG_RUNTIME_DIR"] = old


SENDER = textwrap.dedent("""
    import sys, time, numpy as np, peakscope
    live = peakscope.connect(sys.argv[1])
    maps = np.random.default_rng(0).random((3, 24, 32), dtype=np.float32)
    big = np.random.default_rng(1).random((16, 512, 512), dtype=np.float32)  # 16 MiB frames
    step = 0
    while True:
        live.send(big if step % 2 else maps, step=step, copy=True)
        step += 1
        time.sleep(0.001)
""")


def test_a_sender_killed_mid_run_leaves_the_viewer_running(endpoint, tmp_path):
    proc, report = viewer(endpoint, tmp_path, "killed", "--frames", "300")
    wait_listening(endpoint, proc)
    env = dict(os.environ)
    sender = subprocess.Popen([sys.executable, "-c", SENDER, endpoint], env=env)
    time.sleep(1)  # frames flow, some of them large (a kill lands mid-message)
    sender.send_signal(signal.SIGKILL)
    sender.wait()
    assert proc.poll() is None  # the viewer runs on
    with peakscope.connect(endpoint) as live:
        pump(live, proc, first=1000)
    finish(proc)
    r = json.loads(report.read_text())
    assert r["frames_shown"] == 300 and r["stream"]["step"] >= 1000
    assert r["stream"]["bad"] == 0


def test_malformed_messages_are_counted_and_shown(endpoint, tmp_path):
    proc, report = viewer(endpoint, tmp_path, "bad", "--frames", "3")
    wait_listening(endpoint, proc)
    ctx = zmq.Context.instance()
    push = ctx.socket(zmq.PUSH)
    push.connect(endpoint)
    good = frame(0).tobytes()
    hdr = {"peakscope": 1, "shape": [K, H, W], "dtype": "float32"}
    bad = [
        [b"{not json", good],
        [json.dumps({**hdr, "shape": [1000, 1000, 1000]}).encode(), good],  # 1e9 elements
        [json.dumps({**hdr, "dtype": "complex64"}).encode(), good],
        [json.dumps(hdr).encode(), good[:-4]],                                # wrong size
        [json.dumps({**hdr, "image": {"shape": [4, 4], "dtype": "uint8"}}).encode(), good],
        [json.dumps({**hdr, "names": 5}).encode(), good],
    ]
    for parts in bad:
        push.send_multipart(parts)
    time.sleep(1.0)
    assert proc.poll() is None
    with peakscope.connect(endpoint) as live:
        pump(live, proc, period=0.05)
    push.close(0)
    finish(proc)
    r = json.loads(report.read_text())
    assert r["frames_shown"] == 3
    assert r["stream"]["bad"] == len(bad)
    assert "names must be a list" in r["stream"]["last_bad"]
    assert f"{len(bad)} malformed" in r["source_status"]


def test_a_second_viewer_on_one_endpoint_gets_a_clear_error(endpoint, tmp_path):
    first, report = viewer(endpoint, tmp_path, "first", "--frames", "3")
    wait_listening(endpoint, first)
    second = subprocess.run([VIEWER, "--listen", endpoint, "--frames", "1"],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert "another peakscope is already listening" in second.stderr
    with peakscope.connect(endpoint) as live:
        pump(live, first)
    finish(first)
    assert json.loads(report.read_text())["frames_shown"] == 3


def test_a_viewer_without_a_sender_says_it_waits(endpoint, tmp_path):
    # A scripted run waits for the stream's first frame until --stream-timeout (here 2 s), and
    # says what it waits for.
    report = tmp_path / "wait.json"
    t0 = time.monotonic()
    run = subprocess.run([VIEWER, "--listen", endpoint, "--frames", "2", "--backend", "cpu",
                          "--stream-timeout", "2", "--report", str(report)],
                         capture_output=True, text=True, timeout=120)
    assert time.monotonic() - t0 >= 2
    r = json.loads(report.read_text())
    assert r["frames_shown"] == 0
    assert r["source_status"] == "waiting for frames on " + endpoint
    assert r["error"] == "", r["error"]
    assert not os.path.exists(endpoint[len("ipc://"):] + ".lock")  # the endpoint is free again
