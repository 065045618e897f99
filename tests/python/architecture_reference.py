"""Reference figures for the architecture tests (tests/CnnEstimators.Tests/Models), printed as one JSON object.

Run with Debian's interpreter (/usr/bin/python3, torch 1.13, torchvision 0.14):

    architecture_reference.py counts        parameter counts (10 classes) of the small networks torchvision
                                            lacks, each built here in torch.nn from its published
                                            description (see SMALL_NETWORKS) and run once on a zero input
    architecture_reference.py efficientnet  torchvision's EfficientNet B0-B7: the width and depth multipliers,
                                            dropout and batch-norm settings its builders pass, the scaled
                                            stage table, and its _make_divisible over a range of channel counts
"""
import json
import sys

import torch
from torch import nn


def lenet5(size):
    # LeCun et al. 1998, Fig. 2: C1 6@5x5, S2, C3 16@5x5 (every S2 map connected), S4, C5 120, F6 84, and a
    # linear output layer for the RBF units, as d2l.ai (section 7.6) writes it; 28x28 input padded by 2.
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2 if size == 28 else 0), nn.Sigmoid(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def lenet5_c5():
    # The same with C5 as the paper draws it: a 5x5 convolution of 120 maps on S4's 5x5 (32x32 input).
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def lenet_20_50():
    # CnnMl's wider LeNet (LeNet.LeNet20x50's summary): 20@5x5, max-pool, 50@3x3, max-pool, 128 dense units.
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(20, 50, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(50 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))


def small_cnn():
    # The PyTorch tutorials' MNIST network (yunjey/pytorch-tutorial, 02-intermediate/convolutional_neural_network):
    # two 5x5 convolutions (16, 32, padding 2) with batch norm, ReLU and 2x2 max-pooling, one linear layer.
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 32, 10))


class BasicBlock(nn.Module):
    # He et al. 2016, section 4.2: two 3x3 convolutions with batch norm; option A shortcuts (identity, the
    # downsampling ones subsample and zero-pad the new channels, so they have no parameters).
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.pad = stride, cout - cin

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        shortcut = x[:, :, ::self.stride, ::self.stride]
        if self.pad:
            shortcut = nn.functional.pad(shortcut, (0, 0, 0, 0, 0, self.pad))
        return torch.relu(y + shortcut)


def cifar_resnet(n):
    # 6n+2 layers: a 3x3 convolution with 16 maps, three stages of n blocks (16, 32, 64 maps), global
    # average pooling, a 10-way linear layer. Table 6 gives ResNet-20 (n = 3) 0.27M parameters.
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for cout, stride in ((16, 1), (32, 2), (64, 2)):
        for i in range(n):
            layers.append(BasicBlock(cin, cout, stride if i == 0 else 1))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def nin():
    # Lin et al. 2014 in d2l.ai's configuration (section 8.3): mlpconv blocks (a convolution, then two 1x1,
    # each with ReLU) of 96@11x11/4, 256@5x5 and 384@3x3, each followed by a 3x3/2 max-pool, dropout, and a
    # last mlpconv with one map per class averaged globally.
    def block(cin, cout, kernel, stride, padding):
        return [nn.Conv2d(cin, cout, kernel, stride, padding), nn.ReLU(), nn.Conv2d(cout, cout, 1), nn.ReLU(),
                nn.Conv2d(cout, cout, 1), nn.ReLU()]
    return nn.Sequential(
        *block(3, 96, 11, 4, 0), nn.MaxPool2d(3, 2), *block(96, 256, 5, 1, 2), nn.MaxPool2d(3, 2),
        *block(256, 384, 3, 1, 1), nn.MaxPool2d(3, 2), nn.Dropout(0.5), *block(384, 10, 3, 1, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


# name -> (builder, input shape)
SMALL_NETWORKS = {
    "lenet5": (lambda: lenet5(28), (1, 28, 28)),
    "lenet5_32": (lambda: lenet5(32), (1, 32, 32)),
    "lenet5_c5": (lenet5_c5, (1, 32, 32)),
    "lenet_20_50": (lenet_20_50, (1, 28, 28)),
    "smallcnn": (small_cnn, (1, 28, 28)),
    "cifar_resnet20": (lambda: cifar_resnet(3), (3, 32, 32)),
    "nin": (nin, (3, 224, 224)),
}


def counts():
    result = {}
    for name, (build, shape) in SMALL_NETWORKS.items():
        model = build().eval()
        with torch.no_grad():
            out = model(torch.zeros(1, *shape))
        assert tuple(out.shape) == (1, 10), (name, tuple(out.shape))
        result[name] = sum(p.numel() for p in model.parameters())
    return result


def efficientnet():
    from torchvision.models import efficientnet as e
    from torchvision.models._utils import _make_divisible

    captured = {}
    conf = e._efficientnet_conf

    def recording_conf(arch, **kwargs):
        captured["width_mult"], captured["depth_mult"] = kwargs["width_mult"], kwargs["depth_mult"]
        return conf(arch, **kwargs)

    def recording_build(setting, dropout, last_channel, weights, progress, **kwargs):
        norm = kwargs.get("norm_layer")
        captured.update(
            dropout=dropout,
            norm_eps=norm.keywords["eps"] if norm else 1e-5,
            norm_momentum=norm.keywords["momentum"] if norm else 0.1,
            stages=[[c.expand_ratio, c.kernel, c.stride, c.input_channels, c.out_channels, c.num_layers] for c in setting])

    e._efficientnet_conf, e._efficientnet = recording_conf, recording_build
    variants = {}
    for i in range(8):
        captured = {}
        getattr(e, f"efficientnet_b{i}")()
        variants[f"efficientnet_b{i}"] = captured
    values = [round(0.1 * k, 1) for k in range(5, 8001)]
    return {"variants": variants, "make_divisible": [[v, _make_divisible(v, 8)] for v in values]}


if __name__ == "__main__":
    print(json.dumps({"counts": counts, "efficientnet": efficientnet}[sys.argv[1]]()))
