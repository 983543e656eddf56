"""The training example (app/python/examples/train_live.py) against a real viewer under Xvfb:
it streams its heatmaps, the viewer shows them over the input image, and the beta set in the
viewer (--beta, then a key press) is the beta the script's loss trains with.

PEAKSCOPE_VIEWER names the viewer binary (set by the ctest entry python.stream).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

import pytest

from peakscope import live as live_mod

VIEWER = os.environ["PEAKSCOPE_VIEWER"]
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "app", "python", "examples",
                       "train_live.py")


@pytest.fixture
def endpoint():
    d = tempfile.mkdtemp(prefix="ps")  # socket paths must stay short
    yield "ipc://" + d + "/s"
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)


def test_the_example_trains_at_the_viewers_beta(endpoint, tmp_path):
    report = tmp_path / "r.json"
    viewer = subprocess.Popen(
        [VIEWER, "--listen", endpoint, "--backend", "cpu", "--frames", "40", "--beta", "7",
         "--press", "Up", "--overlay", "all", "--report", str(report), "--stream-timeout", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not live_mod._listening(endpoint):
        assert viewer.poll() is None, viewer.communicate()
        assert time.monotonic() < deadline, f"nothing listened on {endpoint}"
        time.sleep(0.05)
    script = subprocess.run([sys.executable, EXAMPLE, "--endpoint", endpoint, "--steps", "400",
                             "--beta", "20"], capture_output=True, text=True,
                            timeout=400)
    out, err = viewer.communicate(timeout=60)
    assert script.returncode == 0, script.stderr
    assert viewer.returncode == 0, err
    log = script.stdout
    # Until the viewer has said, the command line's beta; then the viewer's (7 x 1.1: the key).
    assert re.search(r"^step 0: training at beta 20 \(from --beta\)$", log, re.M), log
    assert re.search(r"^step \d+: training at beta 7\.7 \(from the viewer\)$", log, re.M), log
    assert "final loss" in log and re.search(r"at beta 7\.7$", log.strip()), log
    losses = [float(x) for x in re.findall(r"loss ([0-9.]+) px", log)]
    assert losses[-1] < losses[0] / 4, log  # it learns
    r = json.loads(report.read_text())
    assert r["beta"] == pytest.approx(7.7)
    assert r["overlay"]["view"] == "all"
    assert r["stream"]["names"] == ["red", "green", "blue", "yellow"]
    assert r["stream"]["bad"] == 0 and r["stream"]["step"] >= 39
