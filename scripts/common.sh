# Shared by scripts/run and scripts/test: install what is missing, configure, build.
# Sourced, not run. Works as root on a fresh Debian 12 (apt-get), or as a user whose
# machine already has the packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PEAKSCOPE_BUILD_DIR:-$ROOT/build}"
JOBS="${PEAKSCOPE_JOBS:-$(nproc)}"

PACKAGES=(
  build-essential cmake pkg-config git clang-format
  libopencv-dev libglfw3-dev libimgui-dev libepoxy-dev libegl-dev libgl-dev
  libegl-mesa0 libgl1-mesa-dri libglx-mesa0 mesa-utils-bin
  libhwy-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  xvfb xauth clang libclang-rt-14-dev python3 python3-numpy
  python3-onnx python3-flatbuffers python3-opencv opencv-doc
  pybind11-dev python3-pybind11 libzmq3-dev cppzmq-dev python3-zmq python3-torch python3-pytest
  python3-venv
)

log() { printf '\033[1m[peakscope]\033[0m %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all ${#PACKAGES[@]} packages present"
    return
  fi
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# configure_build DIR [cmake args...]: configure once, then incremental builds.
configure_build() {
  local dir="$1"; shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

# The MediaPipe pose models for --pose and the pose tests (a cache outside the repo, never
# fetched by the build). Without npm or the registry the pose tests report SKIPPED and say why.
fetch_pose_model() {
  # Fetched: the pose tests must run (a skip would hide a broken cache); not fetched: they
  # skip, saying why.
  if "$ROOT/scripts/get-pose-model"; then
    export PEAKSCOPE_POSE_MODEL_REQUIRED=1
  else
    log "pose models not fetched (see above): the pose tests will be skipped"
  fi
}
