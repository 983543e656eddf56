"""Live stream of heatmaps from a Python script into the peakscope viewer, with a back-channel.

    import peakscope
    live = peakscope.connect()        # a viewer started with `peakscope --listen`
    # or: live = peakscope.show()     # starts one when none listens
    for step, (images, target) in enumerate(loader):
        heatmaps = model(images)
        live.send(heatmaps[0], image=images[0], ground_truth=target[0], step=step)
        loss = my_loss(heatmaps, target, beta=live.beta)   # the viewer's beta slider

`send` never blocks: with no viewer, or a viewer that is behind, the frame is dropped and
counted (`live.dropped`). The viewer publishes its state (beta, normalise, decoders, channel,
paused) and the keypoints it decoded from each streamed frame; `live.beta`, `live.state`,
`live.keypoints()` read them without waiting, `live.on_state(callback)` calls back from a
thread. The wire format, endpoints and limits: docs/stream.md.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import stat
import subprocess
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import zmq

__all__ = ["Live", "connect", "show", "default_endpoint"]

PROTOCOL = 1
DEFAULT_BETA = 100.0
_DTYPES = {np.dtype(np.float32), np.dtype(np.float16), np.dtype(np.float64), np.dtype(np.uint8)}
# Arrays smaller than this are copied into the message (copy=None): below it a copy costs less
# than pyzmq's zero-copy bookkeeping (docs/stream.md, "Never blocking the script").
ZERO_COPY_MIN_BYTES = 1 << 20


def default_endpoint() -> str:
    """The endpoint `peakscope --listen` binds when given none:
    ipc://$XDG_RUNTIME_DIR/peakscope/live, or ipc:///tmp/peakscope-UID/live without
    XDG_RUNTIME_DIR."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = os.path.join(runtime, "peakscope") if runtime else f"/tmp/peakscope-{os.getuid()}"
    return "ipc://" + folder + "/live"


def _endpoints(endpoint: Optional[str]) -> Tuple[str, str]:
    """(frames, back-channel) endpoints; a bare port means tcp://127.0.0.1:PORT."""
    ep = str(endpoint) if endpoint is not None else ""
    if ep.startswith("stream:"):
        ep = ep[len("stream:"):]
    if not ep or ep == default_endpoint():
        ep = default_endpoint()
        _check_folder(os.path.dirname(ep[len("ipc://"):]))
    if ep.isdigit():
        ep = f"tcp://127.0.0.1:{int(ep)}"
    if ep.startswith("ipc://"):
        return ep, ep + "-state"
    if ep.startswith("tcp://"):
        host, _, port = ep[len("tcp://"):].rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65534:
            raise ValueError(f"{ep}: expected tcp://HOST:PORT with PORT in 1..65534")
        return ep, f"tcp://{host}:{int(port) + 1}"
    raise ValueError(f"{ep}: unknown endpoint (ipc:///PATH, tcp://127.0.0.1:PORT or PORT)")


def _check_folder(folder: str) -> None:
    """The default endpoint's folder, when it exists, must be this user's own: not a symlink,
    not open to others (the viewer creates it 0700). A missing one is fine: the viewer may
    start later."""
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        raise PermissionError(f"{folder}: not a folder (a symlink?); refusing it")
    if st.st_uid != os.getuid():
        raise PermissionError(f"{folder}: owned by another user; refusing it")
    if st.st_mode & 0o077:
        raise PermissionError(f"{folder}: open to other users (mode {st.st_mode & 0o777:04o})")


def _as_array(x: Any) -> np.ndarray:
    """NumPy view of an array, a torch tensor (any device; detached) or anything with
    __array__."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch.Tensor
        x = x.detach()
        if str(x.dtype) == "torch.bfloat16":
            x = x.float()
        x = x.cpu().numpy()
    return np.asarray(x)


def _heatmaps(x: Any) -> np.ndarray:
    a = _as_array(x)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim not in (2, 3):
        raise ValueError(
            f"heatmaps must be H x W or K x H x W (one frame), got shape {tuple(a.shape)}")
    if a.size == 0:
        raise ValueError(f"heatmaps have a zero dimension: shape {tuple(a.shape)}")
    if a.dtype not in _DTYPES:
        a = a.astype(np.float32)
    return np.ascontiguousarray(a)


def _image(x: Any) -> np.ndarray:
    a = _as_array(x)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[2] not in (1, 3):  # CHW (PyTorch)
        a = a.transpose(1, 2, 0)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] != 3):
        raise ValueError(f"image must be H x W, H x W x 3 or 3 x H x W, got {tuple(a.shape)}")
    if a.dtype != np.uint8:
        a = a.astype(np.float32)
    return np.ascontiguousarray(a)


def _points(gt: Any) -> list:
    """Ground truth per channel: a K x 2 array (NaN: unknown), K x P x 2, or a list per channel
    of [x, y] / [[x, y], ...] / None. Heatmap pixels, centres at integers."""
    if gt is None:
        return None
    if isinstance(gt, (list, tuple)) and any(g is None for g in gt):
        return [None if g is None else _points_one(g) for g in gt]
    a = _as_array(gt).astype(np.float64)
    if a.ndim == 2 and a.shape[1] == 2:
        return [None if not np.all(np.isfinite(p)) else [float(p[0]), float(p[1])] for p in a]
    if a.ndim == 3 and a.shape[2] == 2:
        return [[[float(p[0]), float(p[1])] for p in ch if np.all(np.isfinite(p))] for ch in a]
    raise ValueError(f"ground_truth must be K x 2 or K x P x 2, got shape {tuple(a.shape)}")


def _points_one(g: Any) -> list:
    a = np.asarray(g, dtype=np.float64)
    if a.shape == (2,):
        return [float(a[0]), float(a[1])] if np.all(np.isfinite(a)) else None
    return [[float(p[0]), float(p[1])] for p in a.reshape(-1, 2) if np.all(np.isfinite(p))]


def _pair(v: Any, name: str) -> Optional[list]:
    if v is None:
        return None
    a = np.asarray(v, dtype=np.float64).reshape(-1)
    if a.size == 1:
        a = np.repeat(a, 2)
    if a.size != 2 or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be a number or (x, y), got {v!r}")
    return [float(a[0]), float(a[1])]


class Live:
    """A connection to a listening viewer (or `peakscope-cli decode stream:`).

    endpoint: ipc:///PATH, tcp://HOST:PORT, a port number, or None for the default endpoint
    (default_endpoint()). queue: frames that may wait for the viewer before new ones are
    dropped. The connection is made in the background: a viewer may start later or restart.
    """

    def __init__(self, endpoint: Optional[str] = None, *, queue: int = 2,
                 default_beta: float = DEFAULT_BETA):
        self.endpoint, self.state_endpoint = _endpoints(endpoint)
        self._ctx = zmq.Context.instance()
        self._push = self._ctx.socket(zmq.PUSH)
        self._push.setsockopt(zmq.SNDHWM, max(1, int(queue)))
        self._push.setsockopt(zmq.IMMEDIATE, 1)  # no viewer: sends fail at once (dropped)
        self._push.setsockopt(zmq.LINGER, 0)
        self._push.connect(self.endpoint)
        self._sub = self._subscriber()
        self._lock = threading.Lock()
        self._state: Dict[str, Any] = {}
        self._frame: Optional[Dict[str, Any]] = None
        self._callbacks: List[Callable[[Dict[str, Any]], None]] = []
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._default_beta = float(default_beta)
        self._names_key: Any = None
        self._names_json = ""
        self.sent = 0      # frames handed to the connection
        self.dropped = 0   # frames dropped because no viewer listened or it was behind
        self.closed = False

    def _subscriber(self) -> zmq.Socket:
        s = self._ctx.socket(zmq.SUB)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVHWM, 256)
        s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(self.state_endpoint)
        return s

    # -- sending ---------------------------------------------------------------------------
    def send(self, heatmaps: Any, image: Any = None, *, ground_truth: Any = None,
             names: Optional[Sequence[str]] = None,
             skeleton: Optional[Sequence[Tuple[int, int]]] = None, step: Optional[int] = None,
             stride: Any = None, offset: Any = None, copy: Optional[bool] = None) -> bool:
        """Sends one frame without waiting. Returns True when it was queued, False when it was
        dropped (no viewer, or the viewer is behind; counted in `dropped`).

        heatmaps: H x W or K x H x W (a leading 1 is dropped): float32, float16, float64 or
        uint8 (other types become float32); NumPy, a torch tensor or anything with __array__.
        image: the network's input, H x W (grey), H x W x 3 or 3 x H x W (RGB), uint8 or float
        (floats within [0, 1] are scaled by 255, others from their min..max).
        ground_truth: per channel, in heatmap pixels (K x 2, NaN for unknown; or K x P x 2).
        names, skeleton: keypoint names and pairs of channel indices. step: your step number,
        echoed with the decoded keypoints. stride, offset: the heatmap grid on the image
        (image pixels per heatmap pixel, and where the grid starts); by default the image size
        over the heatmap size, and 0.
        copy: False sends the arrays' memory as it is (no copy): do not change them in place
        afterwards; True copies them into the message; None (default) copies arrays under
        ZERO_COPY_MIN_BYTES (1 MiB) and sends larger ones without a copy.
        """
        if self.closed:
            raise ValueError("send on a closed connection")
        maps = _heatmaps(heatmaps)
        # The header by hand for the fields every frame has (json.dumps for the rest): this is
        # most of send's own cost.
        text = '{"peakscope":%d,"shape":[%s],"dtype":"%s","time":%r,"dropped":%d' % (
            PROTOCOL, ",".join(map(str, maps.shape)), maps.dtype.name, time.time(), self.dropped)
        if step is not None:
            text += ',"step":%d' % int(step)
        parts: List[Any] = [b"", maps]
        extra: Dict[str, Any] = {}
        if image is not None:
            img = _image(image)
            extra["image"] = {"shape": list(img.shape), "dtype": img.dtype.name}
            parts.append(img)
        if ground_truth is not None:
            extra["ground_truth"] = _points(ground_truth)
        if stride is not None:
            extra["stride"] = _pair(stride, "stride")
        if offset is not None:
            extra["offset"] = _pair(offset, "offset")
        if extra:
            text += "," + json.dumps(extra, allow_nan=False, separators=(",", ":"))[1:-1]
        if names is not None or skeleton is not None:
            text += self._labels(names, skeleton)
        parts[0] = (text + "}").encode()
        if copy is None:
            copy = sum(p.nbytes for p in parts[1:]) < ZERO_COPY_MIN_BYTES
        self.sent += 1
        try:
            self._push.send_multipart(parts, flags=zmq.NOBLOCK, copy=copy)
        except zmq.Again:
            self.dropped += 1
            return False
        return True

    def _labels(self, names: Any, skeleton: Any) -> str:
        """names and skeleton as JSON members, encoded once while they stay the same objects."""
        key = (id(names), id(skeleton))
        if key != self._names_key:
            extra = {}
            if names is not None:
                extra["names"] = [str(n) for n in names]
            if skeleton is not None:
                extra["skeleton"] = [[int(a), int(b)] for a, b in skeleton]
            self._names_json = "," + json.dumps(extra, separators=(",", ":"))[1:-1]
            self._names_key = key
            self._names_refs = (names, skeleton)  # keeps the ids valid
        return self._names_json

    # -- the back-channel ------------------------------------------------------------------
    def _take(self, message: bytes) -> None:
        try:
            m = json.loads(message)
        except ValueError:
            return
        if not isinstance(m, dict) or m.get("peakscope") != PROTOCOL:
            return
        changed = False
        with self._lock:
            if isinstance(m.get("state"), dict) and m["state"] != self._state:
                self._state = m["state"]
                changed = True
            if isinstance(m.get("frame"), dict):
                f = dict(m["frame"])
                f["received"] = time.time()
                self._frame = f
            state, callbacks = self._state, list(self._callbacks)
        if changed:
            for cb in callbacks:
                cb(dict(state))

    def poll(self) -> None:
        """Reads every back-channel message waiting (never waits). The accessors call it."""
        if self._thread is not None or self.closed:
            return
        while True:
            try:
                self._take(self._sub.recv(zmq.NOBLOCK))
            except zmq.Again:
                return

    @property
    def state(self) -> Dict[str, Any]:
        """The viewer's state as last published: beta, normalize, decoders, channel, paused,
        frames, skipped, bad; {} before the viewer has shown a streamed frame."""
        self.poll()
        with self._lock:
            return dict(self._state)

    @property
    def beta(self) -> float:
        """The viewer's beta (its slider); default_beta until the viewer has said."""
        b = self.state.get("beta")
        return float(b) if isinstance(b, (int, float)) else self._default_beta

    def keypoints(self) -> Optional[Dict[str, Any]]:
        """The keypoints decoded from the newest streamed frame the viewer showed, or None:
        {"step", "index", "sent", "received", "skipped", "sender_dropped", "bad",
        "xy": K x 2 soft-argmax, "argmax": K x 2, "peak_probability": K, "valid": K bool}
        (heatmap pixels, NaN where invalid)."""
        self.poll()
        with self._lock:
            f = self._frame
        if f is None:
            return None
        kps = f.get("keypoints") or []

        def col(name: str) -> np.ndarray:
            return np.array([np.nan if k.get(name) is None else k[name] for k in kps], np.float64)

        out = {k: v for k, v in f.items() if k != "keypoints"}
        out["xy"] = np.stack([col("x"), col("y")], axis=-1) if kps else np.zeros((0, 2))
        out["argmax"] = (np.stack([col("argmax_x"), col("argmax_y")], axis=-1) if kps
                         else np.zeros((0, 2)))
        out["peak_probability"] = col("peak_probability")
        out["valid"] = np.array([bool(k.get("valid")) for k in kps], dtype=bool)
        return out

    def on_state(self, callback: Callable[[Dict[str, Any]], None]) -> None:
        """Calls callback(state) from a background thread whenever the viewer's state changes.
        From then on the thread reads the back-channel (the accessors read what it stored)."""
        with self._lock:
            self._callbacks.append(callback)
        if self._thread is None:
            self._thread = threading.Thread(target=self._listen, name="peakscope-live",
                                            daemon=True)
            self._thread.start()

    def _listen(self) -> None:
        sub = self._sub  # owned by this thread from now on
        while not self._stop.is_set():
            if sub.poll(100, zmq.POLLIN):
                while True:
                    try:
                        self._take(sub.recv(zmq.NOBLOCK))
                    except zmq.Again:
                        break

    def close(self) -> None:
        """Closes the connection (frames still queued are discarded)."""
        if self.closed:
            return
        self.closed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._push.close(0)
        self._sub.close(0)

    def __enter__(self) -> "Live":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def connect(endpoint: Optional[str] = None, **kwargs: Any) -> Live:
    """A Live connection to the viewer listening on `endpoint` (None: the default endpoint,
    the one `peakscope --listen` uses with no argument). Returns at once; the viewer may
    start later."""
    return Live(endpoint, **kwargs)


def _listening(endpoint: str) -> bool:
    """True when a receiver holds the endpoint (ipc: its lock file is locked; tcp: the port
    accepts connections)."""
    if endpoint.startswith("ipc://"):
        lock = endpoint[len("ipc://"):] + ".lock"
        try:
            fd = os.open(lock, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except OSError as e:
            return e.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
        finally:
            os.close(fd)
    host, _, port = endpoint[len("tcp://"):].rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=0.2):
            return True
    except OSError:
        return False


def find_viewer() -> Optional[str]:
    """The viewer binary: $PEAKSCOPE_VIEWER, the build tree's app/peakscope beside this
    package (build/python/peakscope -> build/app/peakscope), or `peakscope` on PATH."""
    env = os.environ.get("PEAKSCOPE_VIEWER")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(os.path.dirname(os.path.dirname(here)), "app", "peakscope")
    if os.access(built, os.X_OK):
        return built
    return shutil.which("peakscope")


def show(endpoint: Optional[str] = None, *, viewer: Optional[str] = None,
         args: Sequence[str] = (), wait: float = 10.0, **kwargs: Any) -> Live:
    """Like connect(), but first starts a viewer listening on `endpoint` when none does (the
    binary from find_viewer(), or `viewer`; extra command-line `args`), waiting up to `wait`
    seconds for it to listen. Raises RuntimeError when it cannot be started."""
    frames, _ = _endpoints(endpoint)
    if not _listening(frames):
        exe = viewer or find_viewer()
        if not exe:
            raise RuntimeError("no peakscope viewer found: set PEAKSCOPE_VIEWER or put "
                               "peakscope on PATH")
        listen = [] if endpoint is None else [frames]
        proc = subprocess.Popen([exe, "--listen", *listen, *args], stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + wait
        while not _listening(frames):
            if proc.poll() is not None:
                raise RuntimeError(f"{exe} exited with status {proc.returncode} before listening "
                                   f"on {frames}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{exe} did not listen on {frames} within {wait:g} s")
            time.sleep(0.05)
    return Live(endpoint, **kwargs)
