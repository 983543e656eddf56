#!/usr/bin/env python3
"""The live stream's benchmark (run by scripts/bench-stream): medians over repeated runs.

  send      Live.send of one 17 x 64 x 48 float32 frame in a training-like loop (2 ms of
            CPU work between sends; wall and thread CPU time), and back to back: to a listening
            receiver, with none (the drop path), with copy=False (zero-copy), and from a torch
            tensor
  fps       frames per second decoded by a headless receiver (peakscope-cli decode stream:
            on the CPU engine, writing its JSON), the sender sending as fast as it can;
            counted from the receiver's back-channel (frame indices over time)
  latency   send -> decoded: the sender's clock in the header, echoed in the back-channel
            message the receiver publishes after decoding it (200 frames per second)

Usage: stream_bench.py --cli build/app/peakscope-cli [--json out.json] [--reps 3]
Needs PYTHONPATH holding the built package (build/python).
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import tempfile
import time

import numpy as np
import zmq

import peakscope
from peakscope import live as live_mod

SHAPE = (17, 64, 48)


def maps(step):
    rng = np.random.default_rng(step)
    return rng.random(SHAPE, dtype=np.float32)


class Receiver:
    """peakscope-cli decode stream:EP --frames N on the CPU engine (frames None: until the
    stream goes quiet for --stream-timeout), and a SUB on its back-channel."""

    def __init__(self, cli, ep, frames, out):
        count = [] if frames is None else ["--frames", str(frames)]
        self.proc = subprocess.Popen(
            [cli, "decode", "stream:" + ep, *count, "--out", out,
             "--backend", "cpu", "--stream-timeout", "30"],
            stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not live_mod._listening(ep):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("receiver did not start: " + self.proc.communicate()[1])
            time.sleep(0.02)
        self.sub = zmq.Context.instance().socket(zmq.SUB)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"")
        self.sub.setsockopt(zmq.RCVHWM, 100000)
        self.sub.connect(ep + "-state")
        time.sleep(0.3)  # the subscription reaches the publisher

    def messages(self, timeout_ms=0):
        out = []
        while self.sub.poll(timeout_ms, zmq.POLLIN):
            m = json.loads(self.sub.recv())
            out.append((time.time(), m["frame"]))
            timeout_ms = 0
        return out

    def close(self):
        self.sub.close(0)
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.communicate()


def endpoint(tmp, name):
    return f"ipc://{tmp}/{name}"


def bench_send(cli, tmp, n=2000):
    """Median and p90 microseconds per send in a loop that sends a frame every 2 ms."""
    out = {}
    frame = maps(0)
    # Torch, when present: the tensor a model would output.
    try:
        import torch
        tensor = torch.from_numpy(frame.copy()).requires_grad_(True) * 1.0
    except ImportError:
        tensor = None

    def step_work():  # 2 ms of a training step's CPU work between sends
        end = time.perf_counter() + 0.002
        while time.perf_counter() < end:
            pass

    def timed(live, arg, **kw):
        t, c, hot = [], [], []
        for i in range(n):
            step_work()
            t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
            live.send(arg, step=i, **kw)
            c.append((time.thread_time_ns() - c0) / 1e3)
            t.append((time.perf_counter_ns() - t0) / 1e3)
        for i in range(n):  # back to back: caches warm
            t0 = time.perf_counter_ns()
            live.send(arg, step=i, **kw)
            hot.append((time.perf_counter_ns() - t0) / 1e3)
        return {"median_us": statistics.median(t), "p90_us": float(np.percentile(t, 90)),
                "cpu_median_us": statistics.median(c), "back_to_back_median_us":
                statistics.median(hot), "dropped": live.dropped, "sent": live.sent}

    ep = endpoint(tmp, "send")
    with peakscope.connect(ep) as live:
        out["no_receiver"] = timed(live, frame)
    rx = Receiver(cli, ep, None, os.path.join(tmp, "send.json"))
    try:
        with peakscope.connect(ep) as live:
            time.sleep(0.3)
            out["receiver"] = timed(live, frame)
            out["receiver_zero_copy"] = timed(live, frame, copy=False)
            if tensor is not None:
                out["receiver_torch"] = timed(live, tensor)
    finally:
        rx.close()
    return out


def bench_fps(cli, tmp, frames=3000):
    """Frames per second the receiver decodes while the sender sends as fast as it can."""
    ep = endpoint(tmp, "fps")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rx = Receiver(cli, ep, frames, os.path.join(tmp, "fps.json"))
    got = []
    try:
        batch = [maps(i) for i in range(8)]
        with peakscope.connect(ep, queue=16) as live:
            i = 0
            while rx.proc.poll() is None:
                live.send(batch[i % 8], step=i)
                i += 1
                if i % 64 == 0:
                    got += rx.messages()
            got += rx.messages(200)
            sent, dropped = live.sent, live.dropped
    finally:
        rx.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # The steady part: skip the first 10% (start-up).
    got = got[len(got) // 10:]
    (t0, f0), (t1, f1) = got[0], got[-1]
    return {"fps": (f1["index"] - f0["index"]) / (t1 - t0), "frames": frames, "sent": sent,
            "dropped_by_sender": dropped, "receiver_cpu_us_per_frame": cpu / frames * 1e6}


def bench_latency(cli, tmp, frames=600, rate=200):
    """Send -> decoded-and-published latency in ms at `rate` frames per second."""
    ep = endpoint(tmp, "lat")
    rx = Receiver(cli, ep, frames, os.path.join(tmp, "lat.json"))
    lat = []
    try:
        with peakscope.connect(ep) as live:
            frame = maps(0)
            period = 1.0 / rate
            nxt = time.perf_counter()
            i = 0
            while rx.proc.poll() is None and i < frames:
                live.send(frame, step=i)
                i += 1
                nxt += period
                while True:
                    left = nxt - time.perf_counter()
                    for t, f in rx.messages(max(0, int(left * 1000))):
                        lat.append((t - f["sent"]) * 1e3)
                    if left <= 0:
                        break
            for t, f in rx.messages(300):
                lat.append((t - f["sent"]) * 1e3)
    finally:
        rx.close()
    lat = lat[len(lat) // 10:]
    return {"p50_ms": float(np.percentile(lat, 50)), "p90_ms": float(np.percentile(lat, 90)),
            "p99_ms": float(np.percentile(lat, 99)), "count": len(lat), "rate_hz": rate}


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--json")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="psb")
    sends = [bench_send(a.cli, tmp) for _ in range(a.reps)]
    fps = [bench_fps(a.cli, tmp) for _ in range(a.reps)]
    lats = [bench_latency(a.cli, tmp) for _ in range(a.reps)]
    send = {k: {m: statistics.median(s[k][m] for s in sends)
                for m in ("median_us", "p90_us", "cpu_median_us", "back_to_back_median_us")}
            for k in sends[0]}
    result = {
        "shape": list(SHAPE), "dtype": "float32", "reps": a.reps,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version(), "zmq": zmq.zmq_version()},
        "send": send,
        "fps": {"median": median_of(fps, "fps"), "runs": [r["fps"] for r in fps],
                "frames": fps[0]["frames"],
                "receiver_cpu_us_per_frame": median_of(fps, "receiver_cpu_us_per_frame")},
        "load_average": os.getloadavg()[0],
        "latency": {"p50_ms": median_of(lats, "p50_ms"), "p90_ms": median_of(lats, "p90_ms"),
                    "p99_ms": median_of(lats, "p99_ms"), "rate_hz": lats[0]["rate_hz"]},
        "targets": {"send_us": 50, "fps": 1000, "latency_p50_ms": 2},
    }
    text = json.dumps(result, indent=2)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    print(text)
    for name in os.listdir(tmp):
        os.unlink(os.path.join(tmp, name))
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
