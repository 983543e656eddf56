"""scripts/install-python into a venv made with --system-site-packages."""
import os
import pathlib
import subprocess
import sys

import peakscope

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_install_into_a_venv(tmp_path):
    build = pathlib.Path(peakscope.__file__).resolve().parents[2]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)], check=True)
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([str(ROOT / "scripts" / "install-python"), "--python", str(py), "--build",
                    str(build)], check=True, env=env, capture_output=True)
    code = ("import numpy as np, peakscope, peakscope.torch as pt, torch; "
            "r = peakscope.decode(np.eye(6, dtype=np.float32)[None], decoders='dark'); "
            "print(peakscope.__file__); print(r.argmax.tolist())")
    out = subprocess.run([str(py), "-c", code], check=True, env=env, cwd=tmp_path,
                         capture_output=True, text=True).stdout.split("\n")
    assert out[0].startswith(str(venv)), out
    assert out[1] == "[[0.0, 0.0]]"
    site = pathlib.Path(out[0]).parents[1]
    assert (site / f"peakscope-{peakscope.__version__}.dist-info" / "RECORD").is_file()
    assert (site / "peakscope" / "py.typed").is_file()
    assert list((site / "peakscope").glob("_core*.pyi"))
    subprocess.run([str(ROOT / "scripts" / "install-python"), "--python", str(py),
                    "--uninstall"], check=True, env=env, capture_output=True)
    assert not (site / "peakscope").exists()
