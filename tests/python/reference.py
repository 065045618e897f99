"""Reference values computed by PyTorch (Debian's python3-torch 1.13) for the CnnMl.Torch tests.

Usage: /usr/bin/python3 reference.py ops|optim|model OUT_DIR
Each command writes OUT_DIR/<command>.safetensors. The C# tests load the file, run the same
operations through CnnMl.Torch and compare.

ops:   for every case "<case>.in.<name>" (inputs), "<case>.out" (output), "<case>.out.<name>"
       (extra outputs: indices, updated running statistics), "<case>.gout" (upstream gradient)
       and "<case>.grad.<name>" (gradient of sum(out * gout) with respect to each float input).
optim: "init.p<i>", "grad.<step>.p<i>", "<config>.<step>.p<i>" (parameters after each step) and
       "<schedule>.lrs"; the metadata "configs" and "schedules" hold the hyper-parameters as JSON.
model: the state_dict of a small trained-a-little CNN ("sd.<key>"), an input "x" and its eval output "y";
       the metadata "keys" lists the state_dict keys in PyTorch's order.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402


def ops_cases():
    g = torch.Generator().manual_seed(1234)

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=g) * scale

    cases = []

    def case(name, inputs, fn, nondiff=()):
        cases.append((name, inputs, fn, set(nondiff)))

    x4 = randn(2, 3, 7, 7)
    case("conv2d_basic", {"x": x4, "w": randn(4, 3, 3, 3), "b": randn(4)},
         lambda t, e: F.conv2d(t["x"], t["w"], t["b"]))
    case("conv2d_stride_padding", {"x": x4, "w": randn(5, 3, 3, 2), "b": randn(5)},
         lambda t, e: F.conv2d(t["x"], t["w"], t["b"], stride=(2, 1), padding=(1, 2)))
    case("conv2d_dilation", {"x": x4, "w": randn(2, 3, 3, 3)},
         lambda t, e: F.conv2d(t["x"], t["w"], None, padding=2, dilation=2))
    case("conv2d_groups", {"x": randn(2, 4, 6, 6), "w": randn(6, 2, 3, 3), "b": randn(6)},
         lambda t, e: F.conv2d(t["x"], t["w"], t["b"], stride=2, padding=1, groups=2))
    case("conv2d_depthwise", {"x": randn(1, 3, 5, 6), "w": randn(3, 1, 3, 3)},
         lambda t, e: F.conv2d(t["x"], t["w"], None, padding=1, groups=3))

    def bn(training, momentum, eps):
        def run(t, e):
            y = F.batch_norm(t["x"], t["rm"], t["rv"], t["w"], t["b"], training=training, momentum=momentum, eps=eps)
            e["running_mean"] = t["rm"]
            e["running_var"] = t["rv"]
            return y
        return run

    bn_in = lambda: {"x": randn(4, 3, 5, 5, scale=2.0) + 0.5, "w": randn(3), "b": randn(3),
                     "rm": randn(3, scale=0.1), "rv": torch.rand(3, generator=g) + 0.5}
    case("batch_norm_train", bn_in(), bn(True, 0.1, 1e-5), nondiff=("rm", "rv"))
    case("batch_norm_train_momentum", bn_in(), bn(True, 0.3, 1e-3), nondiff=("rm", "rv"))
    case("batch_norm_eval", bn_in(), bn(False, 0.1, 1e-5), nondiff=("rm", "rv"))

    act = randn(3, 4, 5, scale=4.0)
    for name, fn in [("relu", F.relu), ("relu6", F.relu6), ("silu", F.silu), ("sigmoid", torch.sigmoid),
                     ("hardswish", F.hardswish), ("gelu", F.gelu),
                     ("gelu_tanh", lambda v: F.gelu(v, approximate="tanh")), ("tanh", torch.tanh)]:
        case(name, {"x": act}, (lambda f: lambda t, e: f(t["x"]))(fn))

    p = randn(2, 3, 9, 8)
    case("max_pool2d_basic", {"x": p}, lambda t, e: F.max_pool2d(t["x"], 2))
    case("max_pool2d_padding_ceil", {"x": p}, lambda t, e: F.max_pool2d(t["x"], 3, stride=2, padding=1, ceil_mode=True))
    case("max_pool2d_dilation", {"x": p}, lambda t, e: F.max_pool2d(t["x"], (2, 3), stride=(1, 2), dilation=2))
    case("avg_pool2d_basic", {"x": p}, lambda t, e: F.avg_pool2d(t["x"], 2))
    case("avg_pool2d_padding_include", {"x": p}, lambda t, e: F.avg_pool2d(t["x"], 3, stride=2, padding=1))
    case("avg_pool2d_padding_exclude", {"x": p},
         lambda t, e: F.avg_pool2d(t["x"], 3, stride=2, padding=1, count_include_pad=False))
    case("avg_pool2d_ceil", {"x": p},
         lambda t, e: F.avg_pool2d(t["x"], (3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False))
    case("adaptive_avg_pool2d_uneven", {"x": p}, lambda t, e: F.adaptive_avg_pool2d(t["x"], (4, 3)))
    case("adaptive_avg_pool2d_global", {"x": p}, lambda t, e: F.adaptive_avg_pool2d(t["x"], 1))

    case("linear", {"x": randn(5, 6), "w": randn(4, 6), "b": randn(4)},
         lambda t, e: F.linear(t["x"], t["w"], t["b"]))
    case("linear_no_bias_3d", {"x": randn(2, 3, 6), "w": randn(4, 6)}, lambda t, e: F.linear(t["x"], t["w"]))

    logits = randn(6, 5, scale=2.0)
    target = torch.tensor([0, 4, 2, 2, 1, 3])
    cw = torch.rand(5, generator=g) + 0.5
    case("softmax", {"x": logits}, lambda t, e: F.softmax(t["x"], 1))
    case("log_softmax", {"x": randn(2, 3, 4)}, lambda t, e: F.log_softmax(t["x"], -1))
    case("cross_entropy", {"x": logits, "y": target}, lambda t, e: F.cross_entropy(t["x"], t["y"]))
    case("cross_entropy_label_smoothing", {"x": logits, "y": target},
         lambda t, e: F.cross_entropy(t["x"], t["y"], label_smoothing=0.1))
    case("cross_entropy_weight_smoothing", {"x": logits, "y": target, "cw": cw},
         lambda t, e: F.cross_entropy(t["x"], t["y"], weight=t["cw"], label_smoothing=0.2), nondiff=("cw",))
    case("cross_entropy_sum", {"x": logits, "y": target},
         lambda t, e: F.cross_entropy(t["x"], t["y"], reduction="sum"))
    case("cross_entropy_none_ignore", {"x": logits, "y": torch.tensor([0, -100, 2, 2, -100, 3])},
         lambda t, e: F.cross_entropy(t["x"], t["y"], reduction="none"))
    lp = F.log_softmax(randn(6, 5), 1)
    case("nll_loss", {"x": lp, "y": target}, lambda t, e: F.nll_loss(t["x"], t["y"]))
    case("nll_loss_weight", {"x": lp, "y": target, "cw": cw},
         lambda t, e: F.nll_loss(t["x"], t["y"], weight=t["cw"]), nondiff=("cw",))
    case("nll_loss_none", {"x": lp, "y": target}, lambda t, e: F.nll_loss(t["x"], t["y"], reduction="none"))

    lrn = randn(2, 6, 4, 4, scale=3.0)
    case("local_response_norm_3", {"x": lrn}, lambda t, e: F.local_response_norm(t["x"], 3))
    case("local_response_norm_alexnet", {"x": lrn},
         lambda t, e: F.local_response_norm(t["x"], 5, alpha=1e-3, beta=0.75, k=2.0))

    r = randn(3, 4, 5)
    case("sum_all", {"x": r}, lambda t, e: t["x"].sum())
    case("sum_dims_keepdim", {"x": r}, lambda t, e: t["x"].sum((0, 2), keepdim=True))
    case("mean_all", {"x": r}, lambda t, e: t["x"].mean())
    case("mean_dim", {"x": r}, lambda t, e: t["x"].mean(1))
    case("var_dim", {"x": r}, lambda t, e: t["x"].var((2,), unbiased=True))
    case("max_all", {"x": r}, lambda t, e: t["x"].max())

    def max_dim(t, e):
        values, indices = t["x"].max(1)
        e["indices"] = indices
        return values

    case("max_dim", {"x": r}, max_dim)
    case("argmax_dim", {"x": r}, lambda t, e: t["x"].argmax(2))
    case("argmax_all", {"x": r}, lambda t, e: t["x"].argmax())

    case("matmul_2d", {"a": randn(3, 4), "b": randn(4, 5)}, lambda t, e: t["a"].matmul(t["b"]))
    case("matmul_batched_broadcast", {"a": randn(2, 3, 4), "b": randn(4, 5)}, lambda t, e: t["a"].matmul(t["b"]))
    case("matmul_vector", {"a": randn(4), "b": randn(4, 3)}, lambda t, e: t["a"].matmul(t["b"]))

    a = randn(3, 4)
    b = randn(4) + 3.0
    case("add", {"a": a, "b": b}, lambda t, e: t["a"] + t["b"])
    case("add_alpha", {"a": a, "b": b}, lambda t, e: t["a"].add(t["b"], alpha=2.5))
    case("sub", {"a": a, "b": b}, lambda t, e: t["a"] - t["b"])
    case("mul", {"a": a, "b": b}, lambda t, e: t["a"] * t["b"])
    case("div", {"a": a, "b": b}, lambda t, e: t["a"] / t["b"])
    case("scalar_arith", {"a": a}, lambda t, e: (t["a"] * 3 + 1.5) / 2 - 0.25)
    case("pow_exp_log_sqrt", {"b": b}, lambda t, e: t["b"].pow(2).exp().log().sqrt() + t["b"].abs().neg())
    for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
        case("cmp_" + op, {"a": torch.tensor([1.0, 2.0, 3.0, 4.0]), "b": torch.tensor([2.0, 2.0, 1.0, 5.0])},
             (lambda name: lambda t, e: getattr(t["a"], name)(t["b"]))(op))

    s = randn(2, 3, 4)
    case("reshape", {"x": s}, lambda t, e: t["x"].reshape(4, -1))
    case("view", {"x": s}, lambda t, e: t["x"].view(6, 4))
    case("permute_contiguous", {"x": s}, lambda t, e: t["x"].permute(2, 0, 1).contiguous())
    case("flatten", {"x": s}, lambda t, e: t["x"].flatten(1))
    case("narrow", {"x": s}, lambda t, e: t["x"].narrow(2, 1, 2))
    case("select", {"x": s}, lambda t, e: t["x"].select(1, 2))
    case("index_select", {"x": s, "i": torch.tensor([3, 0, 3])}, lambda t, e: t["x"].index_select(2, t["i"]))
    case("transpose", {"x": s}, lambda t, e: t["x"].transpose(0, 2))
    case("unsqueeze_squeeze", {"x": s}, lambda t, e: t["x"].unsqueeze(1).squeeze(1).unsqueeze(-1))
    case("cat", {"a": randn(2, 3), "b": randn(2, 1), "c": randn(2, 2)},
         lambda t, e: torch.cat([t["a"], t["b"], t["c"]], 1))
    case("stack", {"a": randn(2, 3), "b": randn(2, 3)}, lambda t, e: torch.stack([t["a"], t["b"]], 1))

    def seeded(t, e):
        torch.manual_seed(20240)
        e["rand"] = torch.rand(3, 4)
        e["randint"] = torch.randint(0, 10, (5,))
        return torch.randn(2, 3)

    case("random_manual_seed", {}, seeded)

    # The rest of the binding's elementwise math, reductions, reshapes, functions and factories. New
    # cases go after the older ones so that those keep their inputs (drawn in order from g).
    u = randn(3, 4, 5, scale=2.0)
    for name in ["square", "sign", "floor", "ceil", "round"]:
        case(name, {"x": u}, (lambda n: lambda t, e: getattr(t["x"], n)())(name))
    away = randn(3, 4)
    case("reciprocal", {"x": away.sign() * (away.abs() + 0.5)}, lambda t, e: t["x"].reciprocal())
    case("erfinv", {"x": torch.rand(3, 4, generator=g) * 1.8 - 0.9}, lambda t, e: t["x"].erfinv())

    def isnan_isfinite(t, e):
        e["isfinite"] = t["x"].isfinite()
        return t["x"].isnan()

    case("isnan_isfinite", {"x": torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), -0.0, 3.5])},
         isnan_isfinite)

    def logical(t, e):
        e["and"] = t["a"].logical_and(t["b"])
        e["or"] = t["a"].logical_or(t["b"])
        return t["a"].logical_not()

    case("logical", {"a": torch.tensor([True, True, False, False]), "b": torch.tensor([True, False, True, False])},
         logical)
    ma, mb = randn(3, 4), randn(4)
    case("maximum", {"a": ma, "b": mb}, lambda t, e: t["a"].maximum(t["b"]))
    case("minimum", {"a": ma, "b": mb}, lambda t, e: t["a"].minimum(t["b"]))
    case("mm", {"a": randn(3, 4), "b": randn(4, 5)}, lambda t, e: t["a"].mm(t["b"]))
    case("bmm", {"a": randn(2, 3, 4), "b": randn(2, 4, 5)}, lambda t, e: t["a"].bmm(t["b"]))
    c = randn(3, 4, scale=2.0)
    case("clamp", {"x": c}, lambda t, e: t["x"].clamp(-1.0, 0.5))
    case("clamp_min", {"x": c}, lambda t, e: t["x"].clamp(min=-0.5))
    case("clamp_max", {"x": c}, lambda t, e: t["x"].clamp(max=0.25))
    case("masked_fill", {"x": c, "mask": randn(3, 4) > 0}, lambda t, e: t["x"].masked_fill(t["mask"], -2.5))
    case("addcmul", {"a": randn(3, 4), "b": randn(3, 4), "c": randn(4)},
         lambda t, e: t["a"].addcmul(t["b"], t["c"], value=0.5))
    case("addcdiv", {"a": randn(3, 4), "b": randn(3, 4), "c": torch.rand(4, generator=g) + 0.5},
         lambda t, e: t["a"].addcdiv(t["b"], t["c"], value=-2.0))
    case("pow_tensor", {"a": torch.rand(3, 4, generator=g) + 0.5, "b": randn(3, 4)}, lambda t, e: t["a"].pow(t["b"]))

    def remainder(t, e):
        e["scalar"] = t["a"] % 1.5
        return t["a"] % t["b"]

    case("remainder", {"a": randn(3, 4, scale=3.0), "b": torch.rand(4, generator=g) + 0.5}, remainder)
    case("rsub_rdiv", {"a": randn(3, 4), "b": torch.rand(4, generator=g) + 0.5}, lambda t, e: (2 - t["a"]) + 3 / t["b"])

    def cmp_scalar(t, e):
        e["ne"] = t["a"].ne(2)
        e["lt"] = t["a"].lt(2.5)
        e["le"] = t["a"].le(2)
        e["gt"] = t["a"].gt(2)
        e["ge"] = t["a"].ge(3)
        return t["a"].eq(2)

    case("cmp_scalar", {"a": torch.tensor([1.0, 2.0, 3.0, 4.0])}, cmp_scalar)

    case("squeeze_all", {"x": randn(2, 1, 3, 1)}, lambda t, e: t["x"].squeeze())
    case("expand", {"x": randn(3, 1)}, lambda t, e: t["x"].expand(2, 3, 4))
    case("repeat", {"x": randn(2, 3)}, lambda t, e: t["x"].repeat(2, 1, 2))
    case("gather", {"x": randn(3, 4), "i": torch.tensor([[0, 3], [1, 1], [2, 0]])}, lambda t, e: t["x"].gather(1, t["i"]))

    m = randn(3, 4, 5)
    case("min_all", {"x": m}, lambda t, e: t["x"].min())

    def min_dim(t, e):
        values, indices = t["x"].min(1)
        e["indices"] = indices
        return values

    def topk(largest):
        def run(t, e):
            values, indices = t["x"].topk(3 if largest else 2, dim=1 if largest else -1, largest=largest)
            e["indices"] = indices
            return values
        return run

    case("min_dim", {"x": m}, min_dim)
    case("argmin_dim", {"x": m}, lambda t, e: t["x"].argmin(2))
    case("argmin_all", {"x": m}, lambda t, e: t["x"].argmin())
    case("topk", {"x": m}, topk(True))
    case("topk_smallest", {"x": m}, topk(False))
    case("sum_dtype", {"x": m}, lambda t, e: t["x"].sum(dtype=torch.float64))
    case("sum_dim0", {"x": m}, lambda t, e: t["x"].sum(0))
    case("sum_dim", {"x": m}, lambda t, e: t["x"].sum(1))

    case("hardsigmoid", {"x": act}, lambda t, e: F.hardsigmoid(t["x"]))
    case("leaky_relu", {"x": act}, lambda t, e: F.leaky_relu(t["x"], 0.2))
    case("adaptive_max_pool2d", {"x": p}, lambda t, e: F.adaptive_max_pool2d(t["x"], (4, 3)))
    mse = {"x": randn(3, 4), "y": randn(3, 4)}
    case("mse_loss", mse, lambda t, e: F.mse_loss(t["x"], t["y"]))
    case("mse_loss_sum", mse, lambda t, e: F.mse_loss(t["x"], t["y"], reduction="sum"))
    case("mse_loss_none", mse, lambda t, e: F.mse_loss(t["x"], t["y"], reduction="none"))
    case("one_hot", {"y": torch.tensor([0, 3, 1, 1])}, lambda t, e: F.one_hot(t["y"], 5))
    case("one_hot_inferred", {"y": torch.tensor([2, 0, 1])}, lambda t, e: F.one_hot(t["y"]))

    def to_dtypes(t, e):
        e["float"] = t["x"].double().float()
        e["long"] = t["x"].long()
        e["int"] = t["x"].int()
        e["bool"] = t["x"].bool()
        return t["x"].double()

    case("to_dtypes", {"x": torch.tensor([[-2.7, -0.5, 0.0], [0.4, 1.9, 3.5]])}, to_dtypes)

    def allclose_equal(t, e):
        a, b = t["a"], t["b"]
        return torch.tensor([a.allclose(b), torch.allclose(a, b, rtol=0, atol=1e-9), torch.allclose(a, b, rtol=1e-3, atol=0),
                             torch.equal(a, a.clone()), torch.equal(a, b)])

    close = randn(3, 4)
    case("allclose_equal", {"a": close, "b": close * (1 + 3e-6)}, allclose_equal)

    def like_creation(t, e):
        # No inputs, so that the CUDA run samples from the CPU generator too; float64 shows the dtype is followed.
        x = torch.full((2, 3), 0.5, dtype=torch.float64)
        torch.manual_seed(31)
        e["rand_like"] = torch.rand_like(x)
        e["zeros_like"] = torch.zeros_like(x)
        e["ones_like"] = torch.ones_like(x)
        e["randint_high"] = torch.randint(7, (4,))
        return torch.randn_like(x)

    case("like_creation", {}, like_creation)

    def init_xavier(t, e):
        torch.manual_seed(5)
        w = torch.empty(4, 6)
        torch.nn.init.xavier_uniform_(w, gain=1.5)
        e["normal"] = torch.nn.init.xavier_normal_(torch.empty(5, 3, 2, 2), gain=0.5)
        return w

    case("init_xavier", {}, init_xavier)
    return cases


def run_ops(out_dir):
    result = {}
    gout_gen = torch.Generator().manual_seed(99)
    for name, inputs, fn, nondiff in ops_cases():
        leaves = {}
        for key, value in inputs.items():
            leaf = value.clone()
            if leaf.is_floating_point() and key not in nondiff:
                leaf.requires_grad_(True)
            leaves[key] = leaf
            result[f"{name}.in.{key}"] = value
        extra = {}
        out = fn(leaves, extra)
        result[f"{name}.out"] = out.detach().clone()
        for key, value in extra.items():
            result[f"{name}.out.{key}"] = value.detach().clone()
        if out.requires_grad:
            gout = torch.randn(out.shape, generator=gout_gen)
            (out * gout).sum().backward()
            result[f"{name}.gout"] = gout
            for key, leaf in leaves.items():
                if leaf.requires_grad and leaf.grad is not None:
                    result[f"{name}.grad.{key}"] = leaf.grad
    st_io.save(result, os.path.join(out_dir, "ops.safetensors"))


OPTIM_CONFIGS = {
    "sgd": {"kind": "sgd", "lr": 0.1},
    "sgd_momentum": {"kind": "sgd", "lr": 0.1, "momentum": 0.9},
    "sgd_nesterov_weight_decay": {"kind": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    "sgd_dampening_weight_decay": {"kind": "sgd", "lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1},
    "adam": {"kind": "adam", "lr": 0.01},
    "adam_weight_decay_betas": {"kind": "adam", "lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1},
    "adam_amsgrad": {"kind": "adam", "lr": 0.01, "amsgrad": True},
    "adamw": {"kind": "adamw", "lr": 0.01, "weight_decay": 0.05},
    "adamw_amsgrad": {"kind": "adamw", "lr": 0.03, "weight_decay": 0.2, "amsgrad": True, "beta1": 0.5},
}

SCHEDULES = {
    "step": {"kind": "step", "lr": 0.1, "step_size": 3, "gamma": 0.5},
    "multistep": {"kind": "multistep", "lr": 0.2, "milestones": [2, 5, 5, 9], "gamma": 0.1},
    "cosine": {"kind": "cosine", "lr": 0.1, "T_max": 4, "eta_min": 0.01},
    "linear": {"kind": "linear", "lr": 0.4, "start_factor": 0.25, "end_factor": 1.0, "total_iters": 4},
    "warmup_cosine": {"kind": "sequential", "lr": 0.1, "warmup": {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 3},
                      "cosine": {"T_max": 6, "eta_min": 0.0}, "milestone": 3},
}
EPOCHS = 14
STEPS = 5


def make_optimizer(config, params):
    c = config
    betas = (c.get("beta1", 0.9), c.get("beta2", 0.999))
    if c["kind"] == "sgd":
        return torch.optim.SGD(params, lr=c["lr"], momentum=c.get("momentum", 0), dampening=c.get("dampening", 0),
                               weight_decay=c.get("weight_decay", 0), nesterov=c.get("nesterov", False))
    if c["kind"] == "adam":
        return torch.optim.Adam(params, lr=c["lr"], betas=betas, eps=c.get("eps", 1e-8),
                                weight_decay=c.get("weight_decay", 0), amsgrad=c.get("amsgrad", False))
    return torch.optim.AdamW(params, lr=c["lr"], betas=betas, eps=c.get("eps", 1e-8),
                             weight_decay=c.get("weight_decay", 0.01), amsgrad=c.get("amsgrad", False))


def make_schedule(s, opt):
    S = torch.optim.lr_scheduler
    if s["kind"] == "step":
        return S.StepLR(opt, s["step_size"], s["gamma"])
    if s["kind"] == "multistep":
        return S.MultiStepLR(opt, s["milestones"], s["gamma"])
    if s["kind"] == "cosine":
        return S.CosineAnnealingLR(opt, s["T_max"], s["eta_min"])
    if s["kind"] == "linear":
        return S.LinearLR(opt, s["start_factor"], s["end_factor"], s["total_iters"])
    w, c = s["warmup"], s["cosine"]
    first = S.LinearLR(opt, w["start_factor"], w["end_factor"], w["total_iters"])
    second = S.CosineAnnealingLR(opt, c["T_max"], c["eta_min"])
    return S.SequentialLR(opt, [first, second], [s["milestone"]])


def run_optim(out_dir):
    g = torch.Generator().manual_seed(77)
    init = [torch.randn(3, 4, generator=g), torch.randn(5, generator=g)]
    grads = [[torch.randn(p.shape, generator=g) for p in init] for _ in range(STEPS)]
    result = {}
    for i, p in enumerate(init):
        result[f"init.p{i}"] = p
    for k in range(STEPS):
        for i, gr in enumerate(grads[k]):
            result[f"grad.{k}.p{i}"] = gr
    for name, config in OPTIM_CONFIGS.items():
        params = [p.clone().requires_grad_(True) for p in init]
        opt = make_optimizer(config, params)
        for k in range(STEPS):
            for p, gr in zip(params, grads[k]):
                p.grad = gr.clone()
            opt.step()
            for i, p in enumerate(params):
                result[f"{name}.{k}.p{i}"] = p.detach().clone()
    for name, s in SCHEDULES.items():
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=s["lr"])
        sched = make_schedule(s, opt)
        lrs = [opt.param_groups[0]["lr"]]
        for _ in range(EPOCHS):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        result[f"{name}.lrs"] = torch.tensor(lrs, dtype=torch.float64)
    st_io.save(result, os.path.join(out_dir, "optim.safetensors"),
               {"configs": json.dumps(OPTIM_CONFIGS), "schedules": json.dumps(SCHEDULES),
                "steps": str(STEPS), "epochs": str(EPOCHS)})


def run_model(out_dir):
    torch.manual_seed(5)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        loss = model(torch.randn(8, 3, 8, 8)).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        y = model(x)
    sd = model.state_dict()
    result = {"sd." + k: v for k, v in sd.items()}
    result["x"] = x
    result["y"] = y
    st_io.save(result, os.path.join(out_dir, "model.safetensors"), {"keys": json.dumps(list(sd.keys()))})


if __name__ == "__main__":
    torch.set_num_threads(1)
    command, out = sys.argv[1], sys.argv[2]
    {"ops": run_ops, "optim": run_optim, "model": run_model}[command](out)
