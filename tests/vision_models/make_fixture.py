"""Writes data/torchvision_state_dicts.json: the state-dict keys (in order) and shapes of torchvision's
resnet18/34/50, vgg11(_bn)/vgg16(_bn) and mobilenet_v2 at num_classes=1000.

Derived by hand from torchvision's architecture definitions (module names and layer hyperparameters as
documented), independently of ember's models and of the PyTorch reference in torch_reference.py; the
parameter totals it implies equal the `num_params` torchvision documents for each set of weights, which
the tests check. Run: python tests/vision_models/make_fixture.py
"""

from __future__ import annotations

import json
import os


def conv(prefix: str, cout: int, cin: int, k: int, bias: bool = False) -> list:
    out = [(prefix + "weight", [cout, cin, k, k])]
    return out + [(prefix + "bias", [cout])] if bias else out


def bn(prefix: str, c: int) -> list:
    return [(prefix + n, [c]) for n in ("weight", "bias", "running_mean", "running_var")] + \
        [(prefix + "num_batches_tracked", [])]


def linear(prefix: str, cout: int, cin: int) -> list:
    return [(prefix + "weight", [cout, cin]), (prefix + "bias", [cout])]


def resnet(bottleneck: bool, depths: list[int]) -> list:
    keys = conv("conv1.", 64, 3, 7) + bn("bn1.", 64)
    expansion = 4 if bottleneck else 1
    cin = 64
    for stage, (planes, n) in enumerate(zip((64, 128, 256, 512), depths)):
        for i in range(n):
            p = f"layer{stage + 1}.{i}."
            if bottleneck:
                keys += conv(p + "conv1.", planes, cin, 1) + bn(p + "bn1.", planes)
                keys += conv(p + "conv2.", planes, planes, 3) + bn(p + "bn2.", planes)
                keys += conv(p + "conv3.", planes * 4, planes, 1) + bn(p + "bn3.", planes * 4)
            else:
                keys += conv(p + "conv1.", planes, cin, 3) + bn(p + "bn1.", planes)
                keys += conv(p + "conv2.", planes, planes, 3) + bn(p + "bn2.", planes)
            if i == 0 and (stage > 0 or cin != planes * expansion):
                out = planes * expansion
                keys += conv(p + "downsample.0.", out, cin, 1) + bn(p + "downsample.1.", out)
            cin = planes * expansion
    return keys + linear("fc.", 1000, cin)


def vgg(cfg: list, batch_norm: bool) -> list:
    keys, cin, idx = [], 3, 0
    for v in cfg:
        if v == "M":
            idx += 1
            continue
        keys += conv(f"features.{idx}.", v, cin, 3, bias=True)
        if batch_norm:
            keys += bn(f"features.{idx + 1}.", v)
        idx += 3 if batch_norm else 2
        cin = v
    return keys + linear("classifier.0.", 4096, 25088) + linear("classifier.3.", 4096, 4096) + \
        linear("classifier.6.", 1000, 4096)


def mobilenet_v2() -> list:
    keys = conv("features.0.0.", 32, 3, 3) + bn("features.0.1.", 32)
    cin, idx = 32, 1
    for t, c, n, _ in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                       [6, 160, 3, 2], [6, 320, 1, 1]]:
        for _ in range(n):
            p, hidden, j = f"features.{idx}.conv.", cin * t, 0
            if t != 1:
                keys += conv(f"{p}0.0.", hidden, cin, 1) + bn(f"{p}0.1.", hidden)
                j = 1
            keys += conv(f"{p}{j}.0.", hidden, 1, 3) + bn(f"{p}{j}.1.", hidden)  # depthwise: one input channel
            keys += conv(f"{p}{j + 1}.", c, hidden, 1) + bn(f"{p}{j + 2}.", c)
            cin, idx = c, idx + 1
    keys += conv(f"features.{idx}.0.", 1280, cin, 1) + bn(f"features.{idx}.1.", 1280)
    return keys + linear("classifier.1.", 1000, 1280)


A = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
MODELS = {
    "resnet18": resnet(False, [2, 2, 2, 2]), "resnet34": resnet(False, [3, 4, 6, 3]),
    "resnet50": resnet(True, [3, 4, 6, 3]), "vgg11": vgg(A, False), "vgg11_bn": vgg(A, True),
    "vgg16": vgg(D, False), "vgg16_bn": vgg(D, True), "mobilenet_v2": mobilenet_v2(),
}

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torchvision_state_dicts.json")
    with open(path, "w") as f:
        json.dump({name: [[k, s] for k, s in keys] for name, keys in MODELS.items()}, f, separators=(",", ":"))
        f.write("\n")
    print(path, os.path.getsize(path), "bytes")
