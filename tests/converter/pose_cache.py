"""Where the converter's tests find the pose models, as scripts/get-pose-model leaves them:
$PEAKSCOPE_MODEL_CACHE, else ~/.cache/peakscope/models (expanduser falls back to the account's
home without $HOME), pose_landmark_{lite,full,heavy}.{tflite,onnx}.

A test may skip only when all three models are absent and PEAKSCOPE_POSE_MODEL_REQUIRED is not
1 (scripts/common.sh's fetch_pose_model sets it once the models are fetched); a cache holding
some but not all of them is broken and fails the test, as does any missing model when they
are required.
"""
import os

CACHE = os.environ.get("PEAKSCOPE_MODEL_CACHE") or os.path.expanduser("~/.cache/peakscope/models")
VARIANTS = ("lite", "full", "heavy")


def model_path(variant, ext="onnx"):
    return os.path.join(CACHE, f"pose_landmark_{variant}.{ext}")


def required():
    return os.environ.get("PEAKSCOPE_POSE_MODEL_REQUIRED") == "1"


def absent(ext="onnx"):
    """(missing variants, None) when a test may skip them or none is missing; (missing
    variants, message) when their absence is a failure."""
    missing = [v for v in VARIANTS if not os.path.isfile(model_path(v, ext))]
    if not missing:
        return missing, None
    names = ", ".join(os.path.basename(model_path(v, ext)) for v in missing)
    if required():
        return missing, (f"{names} absent from {CACHE} although PEAKSCOPE_POSE_MODEL_REQUIRED=1 "
                         "(this run fetched the models)")
    if len(missing) < len(VARIANTS):
        present = ", ".join(os.path.basename(model_path(v, ext)) for v in VARIANTS if v not in missing)
        return missing, (f"{names} absent from {CACHE} while {present} is there: an incomplete model cache "
                         "(run scripts/get-pose-model)")
    return missing, None
