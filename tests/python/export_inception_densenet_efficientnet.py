"""Reference data for GoogLeNet, Inception v3, DenseNet and EfficientNet from torchvision.

Run with Debian's interpreter (/usr/bin/python3, torch 1.13, torchvision 0.14):

    /usr/bin/python3 export_inception_densenet_efficientnet.py OUT_DIR [NAME ...]

NAME is one of the variants listed in VARIANTS (all of them when none is given).

For each NAME that is also in EXPORTS it writes
  OUT_DIR/NAME.weights.safetensors  randomly initialised state_dict (batch-norm affine parameters
                                    randomised, statistics taken from the exported batch, then
                                    perturbed, so eval mode is a real test)
  OUT_DIR/NAME.data.safetensors     input, target, eval_logits, train_loss, first_conv_grad
                                    (metadata: first_conv, aux_weight)
and OUT_DIR/keys.json: for every NAME, its state_dict keys and shapes in order and its
parameter count.

Everything runs on one intra-op thread (the C# test does the same): train-mode batch norm on a
small batch makes the gradient sensitive to summation order. Train mode runs with every dropout
and stochastic-depth probability set to 0 so both sides are deterministic; the loss adds the
auxiliary heads as the papers weight them (GoogLeNet 0.3 each, Inception v3 0.4).
"""

import json
import os
import sys
import warnings

# One BLAS thread as well (read when the library loads): CnnMl's set_num_threads(1) sizes OpenBLAS
# too, and sgemm's summation order depends on its thread count.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torchvision import models  # noqa: E402
from torchvision.ops import StochasticDepth  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

warnings.filterwarnings("ignore")

def build(name, **kwargs):
    if name in ("googlenet", "inception_v3"):
        kwargs.setdefault("init_weights", True)
    if name == "densenet264":
        return models.DenseNet(growth_rate=32, block_config=(6, 12, 64, 48), num_init_features=64, **kwargs)
    return getattr(models, name)(**kwargs)


def calibrate_batch_norms(model, x):
    """Randomises the affine parameters, sets the running statistics from the exported batch itself
    (so eval activations stay of order one and the eval logits are well conditioned), then perturbs
    the statistics slightly, so eval mode really tests their use."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    momenta = [m.momentum for m in norms]
    with torch.no_grad():
        for m in norms:
            m.momentum = 1.0
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
        model.train()
        model(x)
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
            m.running_mean.add_(torch.randn_like(m.running_mean) * (m.running_var + m.eps).sqrt(), alpha=0.1)
            m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.8, 1.25))


def deterministic_train(model):
    for m in model.modules():
        if isinstance(m, (torch.nn.Dropout, StochasticDepth)):
            m.p = 0.0
    model.train()


# name -> (first conv weight key, input size, batch, auxiliary weight)
EXPORTS = {
    "googlenet": ("conv1.conv.weight", 64, 2, 0.3),
    "inception_v3": ("Conv2d_1a_3x3.conv.weight", 299, 2, 0.4),
    "densenet121": ("features.conv0.weight", 64, 2, 0.0),
    "efficientnet_b0": ("features.0.0.weight", 64, 2, 0.0),
}

# Variants whose keys and parameter counts the C# side checks (name, constructor kwargs).
VARIANTS = [
    ("googlenet", {}),
    ("googlenet_noaux", {"aux_logits": False}),
    ("inception_v3", {}),
    ("inception_v3_noaux", {"aux_logits": False}),
    ("densenet121", {}),
    ("densenet169", {}),
    ("densenet201", {}),
    ("densenet264", {}),
] + [(f"efficientnet_b{i}", {}) for i in range(8)]


def export(name, out_dir):
    first_conv, size, batch, aux_weight = EXPORTS[name]
    torch.manual_seed(1234)
    model = build(name)
    x = torch.randn(batch, 3, size, size)
    target = torch.randint(0, 1000, (batch,))
    deterministic_train(model)
    calibrate_batch_norms(model, x)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    model.train()
    out = model(x)
    if isinstance(out, tuple):
        logits, auxes = out[0], [a for a in out[1:] if a is not None]
    else:
        logits, auxes = out, []
    loss = F.cross_entropy(logits, target)
    for a in auxes:
        loss = loss + aux_weight * F.cross_entropy(a, target)
    loss.backward()
    grad = dict(model.named_parameters())[first_conv].grad
    st_io.save(weights, os.path.join(out_dir, f"{name}.weights.safetensors"))
    st_io.save(
        {
            "input": x,
            "target": target,
            "eval_logits": eval_logits,
            "train_loss": loss.detach().reshape(1),
            "first_conv_grad": grad,
        },
        os.path.join(out_dir, f"{name}.data.safetensors"),
        {"first_conv": first_conv, "aux_weight": aux_weight},
    )


def main():
    out_dir, names = sys.argv[1], sys.argv[2:]
    known = [variant for variant, _ in VARIANTS]
    unknown = [n for n in names if n not in known]
    if unknown:
        sys.exit(f"unknown model(s) {unknown}; known: {known}")
    os.makedirs(out_dir, exist_ok=True)
    # One intra-op thread: batch norm with batch statistics makes the gradient sensitive to the
    # summation order, so the C# side runs the same computation on one thread too.
    torch.set_num_threads(1)
    keys = {}
    for variant, kwargs in VARIANTS:
        if names and variant not in names:
            continue
        if variant in EXPORTS:
            export(variant, out_dir)
        model = build(variant.replace("_noaux", ""), **kwargs)
        keys[variant] = {
            "keys": [[k, list(v.shape)] for k, v in model.state_dict().items()],
            "parameters": sum(p.numel() for p in model.parameters()),
        }
        del model
    with open(os.path.join(out_dir, "keys.json"), "w") as f:
        json.dump(keys, f)


if __name__ == "__main__":
    main()
