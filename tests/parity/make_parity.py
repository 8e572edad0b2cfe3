"""Writes the PyTorch reference results that tests/parity/test_parity.c checks ddad against.

The networks are initialised in float32 (those weights are what the C side loads), then
evaluated in float64: that is the reference. How far a correct float32 implementation can
land from it is measured, not assumed: the same work is done by PyTorch in float32
several times (F32_RUNS_*), once as given and then with the inputs and initial weights each moved by
up to one float32 ulp (a different rounding of the same problem each time). Training with
BatchNorm, ReLU and Adam amplifies rounding, and after 10 steps some tensors of these cases
land 1e-1 from the float64 result whatever computes them, so the checker allows ddad the
larger of the fixed tolerance and 3x the largest float32 error of those runs. Each
reference dataset carries that largest absolute difference as the attribute f32_max_diff
(the float32 tensors themselves are not stored). One float32 run alone is not enough: it
is one draw, and on some machines it happens to land close to float64 on a tensor where
another correct float32 implementation does not (docs/NN.md, "Parity tolerances").

Cases with Adam steps also store, under mutant/, the float64 parameters after the same
steps taken by a deliberately wrong Adam (a bias correction left out, eps 100x): the
checker requires its own criterion to reject each of them, so a case whose rounding
spread grew too wide to tell a wrong optimiser from a right one fails instead of passing
everything.

Size: a case with 0 Adam steps stores its "stepped" parameters as links to "init" (only
the BatchNorm buffers differ, after the one train-mode forward).

For each case: initial weights (state_dict names), the input, the train-mode output, the
loss, every parameter gradient, the parameters and BatchNorm buffers after 10 Adam steps,
and an eval-mode output computed with the stepped network.
Usage: make_parity.py OUT.h5"""
import copy
import sys

import h5py
import numpy as np
import torch

from ddad_modules import AE, RefineNetwork, ae_loss, focal_loss

STEPS = 10
ADAM_EPS = 1e-8
# float32 runs per case, as given and moved by up to one ulp: more where Adam steps
# amplify rounding (their spread is what the stepped tolerances rest on)
F32_RUNS_STEPS = 6
F32_RUNS_NO_STEPS = 3
F32_ULP = 2.0 ** -24   # relative size of that move (half a float32 ulp at 1.0)
# Wrong optimisers the checker must reject: name -> changes to Adam
MUTANTS = {
    "no_bias_correction1": dict(bias_correction1=False),
    "no_bias_correction2": dict(bias_correction2=False),
    "eps_x100": dict(eps_factor=100.0),
}
AE_CASES = [  # name, mp, img_size, ls, unc, batch, Adam steps, seed
    ("ae_mp1_s64", 1, 64, 16, False, 8, 0, 100),
    ("aeu_mp1_s64", 1, 64, 16, True, 8, 0, 101),
    ("aeu_mp2_s64", 2, 64, 16, True, 6, 0, 102),
    ("ae_mp1_s128", 1, 128, 16, False, 4, 0, 103),
    ("ae_small_steps", 0.5, 32, 8, False, 8, STEPS, 108),
    ("aeu_small_steps", 0.5, 32, 8, True, 8, STEPS, 107),
]
# The 10-step seeds are chosen by measured conditioning (tests/parity/conditioning.py
# spread): float32 runs of AE seed 108 and AE-U seed 107 stay within 2e-3 and 4e-3 of
# float64 on every tensor. AE seed 104 (used before) spread up to 0.32 on 22 of its 52
# tensors, so its tolerances hid most errors. AE-U seed 105 is bimodal: one element of
# linear_enc.0.weight has a step-0 gradient of 3e-9, and Adam's first step,
# lr * g / (|g| + eps), turns float32 rounding of that gradient into a different branch;
# conditioning.py branches shows float64 itself taking either one (docs/NN.md).
REFINE_CASES = [  # name, C_in, H, W, batch, grad_clip, seed
    ("refine_cin2", 2, 32, 32, 4, 0.0, 200),
    ("refine_cin1", 1, 24, 40, 3, 0.0, 201),
    ("refine_cin2_clip", 2, 16, 16, 4, 0.01, 202),
]


def tensors(model, grads=False):
    """name -> a copy (later steps change the tensors in place) of a model's state, or of
    its parameter gradients, as numpy arrays."""
    if grads:
        return {k: p.grad.detach().numpy().copy() for k, p in model.named_parameters()}
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def put(g, name, ref, f32=None):
    """Writes ref rounded to float32 (int64 for counters), with f32_max_diff: the largest
    |f32 - ref| over the float32 results in the list f32, both as the checker reads them
    (float32)."""
    if name.endswith("num_batches_tracked"):
        g.create_dataset(name, data=np.asarray(ref).astype(np.int64))
        return
    a = np.asarray(ref).astype(np.float32)
    ds = g.create_dataset(name, data=a)
    if f32 is not None:
        worst = 0.0
        for r in f32:
            d = np.abs(np.asarray(r).astype(np.float32).astype(np.float64) - a.astype(np.float64))
            worst = max(worst, float(d.max()) if d.size else 0.0)
        ds.attrs["f32_max_diff"] = worst


def put_group(g, name, ref, f32=None, same_as=None):
    """A group of tensors; where same_as (a dict of the same names) holds an identical
    tensor already written at path same_as[name], a soft link to it instead."""
    grp = g.create_group(name)
    for k, v in ref.items():
        if same_as is not None and k in same_as and np.array_equal(same_as[k][0], v):
            grp[k] = h5py.SoftLink(same_as[k][1])
        else:
            put(grp, k, v, None if f32 is None else [r[k] for r in f32])


class AdamVariant(torch.optim.Optimizer):
    """torch.optim.Adam's update (L2 weight decay added to the gradient) with one part
    changed, for the mutants the checker must reject."""

    def __init__(self, params, lr, betas, eps, weight_decay, bias_correction1=True, bias_correction2=True,
                 eps_factor=1.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps * eps_factor, weight_decay=weight_decay))
        self.bc1, self.bc2 = bias_correction1, bias_correction2

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                st = self.state[p]
                if not st:
                    st.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
                st["t"] += 1
                g = p.grad + group["weight_decay"] * p
                st["m"].mul_(b1).add_(g, alpha=1 - b1)
                st["v"].mul_(b2).addcmul_(g, g, value=1 - b2)
                c1 = 1 - b1 ** st["t"] if self.bc1 else 1.0
                c2 = 1 - b2 ** st["t"] if self.bc2 else 1.0
                p.addcdiv_(st["m"], (st["v"] / c2).sqrt().add_(group["eps"]), value=-group["lr"] / c1)


def jittered(model, x, seed):
    """model and x with every value multiplied by 1 + u, u uniform in +-F32_ULP (seeded):
    the same problem rounded differently."""
    m = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(1000 + seed)

    def factor(t):
        return 1 + F32_ULP * (2 * torch.rand(t.shape, generator=gen) - 1)

    with torch.no_grad():
        for t in m.parameters():
            t.mul_(factor(t))
    return m, x * factor(x)


def run(model, x, dtype, loss_fn, make_opt, steps, clip=0.0):
    """Train-mode forward, loss and gradients of a copy of model in dtype, then steps Adam
    steps: (output, loss, gradients, state after the steps, the stepped model)."""
    m = copy.deepcopy(model).to(dtype)
    x = x.to(dtype)
    m.train()
    out, loss = loss_fn(m, x)
    loss.backward()
    res = (out.detach().numpy().copy(), loss.item(), tensors(m, grads=True))
    opt = make_opt(m)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(m, x)[1].backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(m.parameters(), clip)
        opt.step()
    return res + (tensors(m), m)


def write_case(g, model, x, loss_fn, make_opt, steps, clip=0.0):
    """run() in float64 (stored) and a few times in float32 (stored as f32_max_diff),
    and for cases with steps the float64 steps of each mutant optimiser. Returns the
    float64 stepped model. make_opt(model, **changes) makes the optimiser."""
    init = tensors(model)
    put_group(g, "init", init)
    runs = F32_RUNS_STEPS if steps > 0 else F32_RUNS_NO_STEPS
    r32 = [run(*(jittered(model, x, j) if j else (model, x)), torch.float32, loss_fn, make_opt, steps, clip)
           for j in range(runs)]
    r64 = run(model, x, torch.float64, loss_fn, make_opt, steps, clip)
    put(g, "out", r64[0], [r[0] for r in r32])
    put(g, "loss", np.float32(r64[1]), [np.float32(r[1]) for r in r32])
    put_group(g, "grad", r64[2], [r[2] for r in r32])
    links = {k: (v, g["init"][k].name) for k, v in init.items()} if steps == 0 else None
    put_group(g, "stepped", r64[3], [r[3] for r in r32], same_as=links)
    if steps > 0:
        mg = g.create_group("mutant")
        for name, changes in MUTANTS.items():
            wrong = run(model, x, torch.float64, loss_fn, lambda m: make_opt(m, **changes), steps, clip)
            put_group(mg, name, wrong[3])
    return r64[4]


def ae_case(g, mp, size, ls, unc, batch, steps, seed):
    torch.manual_seed(seed)
    model = AE(ls, mp, unc, size)
    g.attrs.update(dict(mp=mp, img_size=size, ls=ls, unc=int(unc), batch=batch, steps=steps, lr=5e-4,
                        weight_decay=1e-4, eps=ADAM_EPS))
    x32 = torch.rand(batch, 1, size, size) * 2 - 1
    g["x"] = x32.numpy()

    def loss_fn(m, x):
        out = m(x)
        return out, ae_loss(out, x, unc)

    def make_opt(m, **changes):   # PyTorch's own Adam, or a mutant
        opt = AdamVariant if changes else torch.optim.Adam
        return opt(m.parameters(), lr=5e-4, betas=(0.5, 0.999), eps=ADAM_EPS, weight_decay=1e-4, **changes)

    model = write_case(g, model, x32, loss_fn, make_opt, steps)
    model.eval()
    xe = torch.rand(batch, 1, size, size) * 2 - 1
    g["eval_x"] = xe.numpy()
    with torch.no_grad():
        g["eval_out"] = model(xe.double()).float().numpy()


def refine_case(g, cin, h, w, batch, clip, seed):
    torch.manual_seed(seed)
    model = RefineNetwork(cin)
    g.attrs.update(dict(cin=cin, height=h, width=w, batch=batch, steps=STEPS, lr=1e-4, weight_decay=1e-4,
                        grad_clip=clip, eps=ADAM_EPS))
    x32 = torch.rand(batch, cin, h, w)
    target = (torch.rand(batch, h, w) < 0.3).to(torch.uint8)
    g["x"] = x32.numpy()
    g["target"] = target.numpy()

    def loss_fn(m, x):
        prob = torch.softmax(m(x), dim=1)
        return prob, focal_loss(prob, target)

    def make_opt(m, **changes):   # PyTorch's own Adam, or a mutant
        opt = AdamVariant if changes else torch.optim.Adam
        return opt(m.parameters(), lr=1e-4, betas=(0.5, 0.999), eps=ADAM_EPS, weight_decay=1e-4, **changes)

    model = write_case(g, model, x32, loss_fn, make_opt, STEPS, clip)
    model.eval()
    xe = torch.rand(batch, cin, h, w)
    g["eval_x"] = xe.numpy()
    with torch.no_grad():
        g["eval_out"] = torch.softmax(model(xe.double()), dim=1)[:, 1].float().numpy()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_parity.py OUT.h5")
    torch.set_num_threads(2)
    with h5py.File(sys.argv[1], "w") as f:
        for c in AE_CASES:
            ae_case(f.create_group(c[0]), *c[1:])
        for c in REFINE_CASES:
            refine_case(f.create_group(c[0]), *c[1:])


if __name__ == "__main__":
    main()
