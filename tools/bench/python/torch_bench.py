#!/usr/bin/env python3
"""PyTorch peer of `pnpm bench` (tools/bench).

A long-lived worker: reads one JSON request per line on stdin, answers one JSON line on stdout.

  {"op": "probe"}
      -> {"ok": true, "torch": "1.13.0", "threads": 2}            (or {"ok": false, "error": ...})
  {"op": "run", "workload": "mse", "threads": 1, "reps": 5, "maxSeconds": 30,
   "arrays": {"input": {"file": "/tmp/x.f32", "dtype": "float32", "shape": [10000000]}, ...},
   "options": {...}}
      -> {"ok": true, "times_ms": [...], "value": 0.123}

The arrays are raw little-endian files written by the benchmark (the very bytes losskit reads).
Loading them and building tensors is not timed; one untimed warm-up call precedes the timed
repetitions. Each repetition times exactly one call of the loss (or, for `*Grad` workloads, one
backward pass, for every input named in "gradInputs" (default ["input"]): the forward graph is
rebuilt untimed before each repetition) with
time.perf_counter_ns (wall) and time.process_time_ns (CPU time of all the process's threads).
"""
import json
import math
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    IMPORT_ERROR = None
except Exception as e:  # noqa: BLE001 - reported to the caller, who prints why the peer is skipped
    IMPORT_ERROR = f"{type(e).__name__}: {e}"

LN2 = math.log(2.0)


def load(spec):
    a = np.fromfile(spec["file"], dtype=spec["dtype"]).reshape(spec["shape"])
    t = torch.from_numpy(a)
    if spec["dtype"] == "int32":
        t = t.long()
    return t


def sigmoid_focal(x, t, alpha=0.25, gamma=2.0):
    # torchvision.ops.sigmoid_focal_loss, written out (torchvision is not a dependency here).
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
    return loss.mean()


def log_cosh(x, t):
    e = (x - t).abs()
    return (e + F.softplus(-2 * e) - LN2).mean()


def contrastive(a, b, y, margin=1.0):
    d = F.pairwise_distance(a, b)  # ||a - b + 1e-6||_2, as the reference vectors
    return (y * d.pow(2) + (1 - y) * (margin - d).clamp(min=0).pow(2)).mean()


def info_nce(a, b, temperature=0.1):
    z1 = F.normalize(a, dim=1)
    z2 = F.normalize(b, dim=1)
    logits = z1 @ z2.t() / temperature
    return F.cross_entropy(logits, torch.arange(a.shape[0]))


def softmax_focal(x, t, gamma=2.0):
    # -(1 - p)^gamma log p, p = softmax(x)[t] (the reference vectors' note; torchvision has none)
    logp = F.log_softmax(x, dim=1).gather(1, t.unsqueeze(1)).squeeze(1)
    return (-((1 - logp.exp()) ** gamma) * logp).mean()


def distillation(s, t, temperature=1.0):
    # T^2 KL(softmax(t/T) || softmax(s/T)), mean over rows
    T = temperature
    return F.kl_div(F.log_softmax(s / T, dim=1), F.log_softmax(t / T, dim=1), reduction="batchmean", log_target=True) * (T * T)


def categorical_hinge(x, t, margin=1.0):
    # Crammer-Singer: max(0, margin + max_{i != y} x_i - x_y)
    idx = t.unsqueeze(1)
    xy = x.gather(1, idx).squeeze(1)
    other = x.scatter(1, idx, float("-inf")).amax(dim=1)
    return (margin + other - xy).clamp(min=0).mean()


def accuracy(x, t):
    # top-1 accuracy: argmax over classes equals the label
    return (x.argmax(dim=1) == t).float().mean()


# Forward losses, inputs by the same names losskit's KernelInfo uses.
LOSSES = {
    "crossEntropy": lambda a, o: F.cross_entropy(a["input"], a["target"]),
    "binaryCrossEntropyWithLogits": lambda a, o: F.binary_cross_entropy_with_logits(a["input"], a["target"]),
    "sigmoidFocal": lambda a, o: sigmoid_focal(a["input"], a["target"]),
    "mse": lambda a, o: F.mse_loss(a["input"], a["target"]),
    "l1": lambda a, o: F.l1_loss(a["input"], a["target"]),
    "huber": lambda a, o: F.huber_loss(a["input"], a["target"], delta=o.get("delta", 1.0)),
    "smoothL1": lambda a, o: F.smooth_l1_loss(a["input"], a["target"], beta=o.get("beta", 1.0)),
    "logCosh": lambda a, o: log_cosh(a["input"], a["target"]),
    "klDiv": lambda a, o: F.kl_div(a["input"], a["target"], reduction=o.get("reduction", "mean")),
    "hinge": lambda a, o: (1 - a["target"] * a["input"]).clamp(min=0).mean(),
    "exponential": lambda a, o: torch.exp(-a["target"] * a["input"]).mean(),
    "multiMargin": lambda a, o: F.multi_margin_loss(a["input"], a["target"]),
    "tripletMargin": lambda a, o: F.triplet_margin_loss(a["anchor"], a["positive"], a["negative"]),
    "contrastive": lambda a, o: contrastive(a["input1"], a["input2"], a["target"]),
    "infoNce": lambda a, o: info_nce(a["input1"], a["input2"]),
    "nllLoss": lambda a, o: F.nll_loss(a["input"], a["target"]),
    "binaryCrossEntropy": lambda a, o: F.binary_cross_entropy(a["input"], a["target"]),
    "softmaxFocal": lambda a, o: softmax_focal(a["input"], a["target"], o.get("gamma", 2.0)),
    "distillation": lambda a, o: distillation(a["student"], a["teacher"], o.get("temperature", 1.0)),
    "squaredHinge": lambda a, o: (1 - a["target"] * a["input"]).clamp(min=0).pow(2).mean(),
    "softMargin": lambda a, o: F.soft_margin_loss(a["input"], a["target"]),
    "categoricalHinge": lambda a, o: categorical_hinge(a["input"], a["target"], o.get("margin", 1.0)),
    "poissonNll": lambda a, o: F.poisson_nll_loss(a["input"], a["target"]),
    "gaussianNll": lambda a, o: F.gaussian_nll_loss(a["input"], a["target"], a["var"]),
    "marginRanking": lambda a, o: F.margin_ranking_loss(a["input1"], a["input2"], a["target"], margin=o.get("margin", 0.0)),
    "hingeEmbedding": lambda a, o: F.hinge_embedding_loss(a["input"], a["target"], margin=o.get("margin", 1.0)),
    "cosineEmbedding": lambda a, o: F.cosine_embedding_loss(a["input1"], a["input2"], a["target"], margin=o.get("margin", 0.0)),
    "accuracy": lambda a, o: accuracy(a["input"], a["target"]),
}


def run(req):
    torch.set_num_threads(int(req["threads"]))
    arrays = {k: load(v) for k, v in req["arrays"].items()}
    opts = req.get("options") or {}
    name = req["workload"]
    grad = name.endswith("Grad")
    fn = LOSSES[name[:-4] if grad else name]
    reps = int(req["reps"])
    budget_ns = float(req.get("maxSeconds", 30)) * 1e9
    min_ns = float(req.get("minMs", 0)) * 1e6
    times = []
    cpu = []  # process CPU time of every call (all threads), ns
    value = None
    with torch.no_grad() if not grad else torch.enable_grad():
        if grad:
            # The inputs losskit's gradient differentiates (e.g. input1 and input2 of pair losses).
            xs = [arrays[k].requires_grad_(True) for k in req.get("gradInputs") or ["input"]]

            def once():
                loss = fn(arrays, opts)  # untimed forward: PyTorch's backward needs its graph
                c0 = time.process_time_ns()
                t0 = time.perf_counter_ns()
                gs = torch.autograd.grad(loss, xs)
                t1 = time.perf_counter_ns()
                cpu.append(time.process_time_ns() - c0)
                return t1 - t0, float(gs[0].reshape(-1)[0].item())
        else:

            def once():
                c0 = time.process_time_ns()
                t0 = time.perf_counter_ns()
                loss = fn(arrays, opts)
                t1 = time.perf_counter_ns()
                cpu.append(time.process_time_ns() - c0)
                return t1 - t0, float(loss.item())

        first, value = once()  # warm-up
        spent = first
        if first > 2e9:  # a slow call counts as the first repetition instead of a warm-up
            times.append(first)
        else:
            cpu.clear()
        # measure.ts's wantsMore: reps, then on until min_ns is timed (at most 5 × reps), within
        # the budget (at least one)
        def more():
            if not times:
                return True
            if spent >= budget_ns:
                return False
            return len(times) < reps or (sum(times) < min_ns and len(times) < 5 * reps)

        while more():
            dt, value = once()
            times.append(dt)
            spent += dt
    return {"ok": True, "times_ms": [t / 1e6 for t in times], "cpu_ms": [c / 1e6 for c in cpu], "value": value}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        try:
            if req["op"] == "probe":
                if IMPORT_ERROR is not None:
                    out = {"ok": False, "error": IMPORT_ERROR}
                else:
                    out = {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads()}
            elif req["op"] == "run":
                out = run(req)
            else:
                out = {"ok": False, "error": f"unknown op {req['op']!r}"}
        except Exception as e:  # noqa: BLE001 - one failing workload must not end the worker
            out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
