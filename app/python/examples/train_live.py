#!/usr/bin/python3
"""Train a small keypoint network on CPU and watch it learn, live, in peakscope.

    peakscope --listen &                                  # the viewer, waiting for frames
    python3 app/python/examples/train_live.py             # streams heatmaps, reads the beta

Each step streams the first sample's heatmaps, its input image and its ground truth to the
viewer, and reads the viewer's beta slider back into the soft-argmax loss: drag the slider (or
press the arrow keys) and the loss the network trains on changes with it. Without a viewer the
script trains all the same (frames are dropped, never waited for).
"""
import argparse
import sys
import time

import numpy as np
import torch
from torch import nn

import peakscope
import peakscope.torch as pst

NAMES = ["red", "green", "blue", "yellow"]
COLOURS = torch.tensor([[1.0, 0.1, 0.1], [0.1, 1.0, 0.1], [0.2, 0.3, 1.0], [1.0, 0.9, 0.1]])
SKELETON = [(0, 1), (1, 2), (2, 3)]
SIZE, STRIDE = 64, 2  # input image side, heatmap stride (heatmaps are 32 x 32)


def make_batch(n, seed):
    """n RGB images of the synthetic scene (one coloured Gaussian blob per keypoint, at the
    scene's subject positions, with noise) and the keypoints' centres in image pixels."""
    scenes = [peakscope.scene(width=SIZE, height=SIZE, subjects=len(NAMES), fwhm=6.0,
                              seed=seed * n + i, per_subject=True) for i in range(n)]
    blobs = torch.from_numpy(np.concatenate([sc.maps for sc in scenes]))  # n, K, H, W
    pts = torch.from_numpy(np.concatenate([sc.positions for sc in scenes])).float()  # n, K, 2
    img = torch.einsum("nkhw,kc->nchw", blobs, COLOURS).clamp(0, 1)
    img = img + 0.05 * torch.randn(img.shape, generator=torch.Generator().manual_seed(seed))
    return img, pts


def image_to_heatmap(p):
    """Image pixel centres -> heatmap pixel centres (index convention, stride STRIDE)."""
    return (p + 0.5) / STRIDE - 0.5


class Net(nn.Module):
    def __init__(self, k):
        super().__init__()
        c = 16
        self.body = nn.Sequential(
            nn.Conv2d(3, c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c, c, 3, padding=1, stride=2), nn.ReLU(),
            nn.Conv2d(c, c, 3, padding=2, dilation=2), nn.ReLU(),
            nn.Conv2d(c, c, 3, padding=4, dilation=4), nn.ReLU(),
            nn.Conv2d(c, k, 1))

    def forward(self, x):
        return torch.sigmoid(self.body(x))  # heatmaps in [0, 1], as the viewer's maps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=1500, help="training steps (default 1500: a few minutes on two cores)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--beta", type=float, default=20.0, help="beta until a viewer says otherwise")
    ap.add_argument("--endpoint", default=None, help="the viewer's endpoint (default: peakscope --listen's)")
    ap.add_argument("--show", action="store_true", help="start a viewer if none is listening")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    open_live = peakscope.show if args.show else peakscope.connect
    live = open_live(args.endpoint, default_beta=args.beta)
    net = Net(len(NAMES))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    beta_seen = None
    t0 = time.monotonic()
    for step in range(args.steps):
        images, pts = make_batch(args.batch, args.seed * 1000003 + step)
        target = image_to_heatmap(pts)
        heatmaps = net(images)
        beta = live.beta  # the viewer's slider; --beta until a viewer has said
        if beta != beta_seen:
            origin = "the viewer" if "beta" in live.state else "--beta"
            print(f"step {step}: training at beta {beta:g} (from {origin})", flush=True)
            beta_seen = beta
        loss = pst.softargmax_loss(heatmaps, target, beta=beta, normalize="max")
        opt.zero_grad()
        loss.backward()
        opt.step()
        live.send(heatmaps[0].detach(), image=images[0].clamp(0, 1), ground_truth=target[0],
                  names=NAMES, skeleton=SKELETON, step=step, stride=STRIDE)
        if step % 100 == 0:
            print(f"step {step}: loss {loss.item():.3f} px  beta {beta:g}  sent {live.sent}  "
                  f"dropped {live.dropped}  {time.monotonic() - t0:.0f} s", flush=True)
    print(f"done: {args.steps} steps, final loss {loss.item():.3f} px at beta {beta:g}", flush=True)
    live.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
