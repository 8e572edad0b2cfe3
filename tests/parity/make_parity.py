"""Writes the PyTorch reference results that tests/parity/test_parity.c checks ddad against.

The networks are initialised in float32 (those weights are what the C side loads), then
evaluated in float64, so the reference carries no float32 rounding of its own and the
tolerances measure ddad's error alone.

For each case: initial weights (state_dict names), the input, the train-mode output, the
loss, every parameter gradient, the parameters and BatchNorm buffers after 10 Adam steps,
and an eval-mode output computed with the stepped network.
Usage: make_parity.py OUT.h5"""
import sys

import h5py
import numpy as np
import torch

from ddad_modules import AE, RefineNetwork, ae_loss, focal_loss

STEPS = int(__import__("os").environ.get("PARITY_STEPS", "10"))
# Adam's eps for the 10-step comparison. With the default 1e-8 the first steps move every
# weight by about lr * sign(grad), so a weight whose gradient is at float32 rounding level
# moves by +-lr on a coin flip and no float32 implementation can match another to 1e-4;
# a larger eps keeps the update a smooth function of the gradient. The update formula is
# the same code path for any eps.
ADAM_EPS = float(__import__("os").environ.get("PARITY_EPS", "1e-3"))
AE_CASES = [  # name, mp, img_size, ls, unc, batch (the file is ~0.4 GB: keep the set small)
    ("ae_mp1_s64", 1, 64, 16, False, 8),
    ("aeu_mp1_s64", 1, 64, 16, True, 8),
    ("aeu_mp2_s64", 2, 64, 16, True, 4),
    ("ae_mp1_s128", 1, 128, 16, False, 4),
]
REFINE_CASES = [  # name, C_in, H, W, batch, grad_clip
    ("refine_cin2", 2, 32, 32, 4, 0.0),
    ("refine_cin1", 1, 24, 40, 3, 0.0),
    ("refine_cin2_clip", 2, 16, 16, 4, 0.01),
]


def save_state(g, model):
    for k, v in model.state_dict().items():
        arr = v.detach().cpu().numpy()
        g.create_dataset(k, data=arr.astype(np.int64) if k.endswith("num_batches_tracked") else arr.astype(np.float32))


def save_grads(g, model):
    for k, p in model.named_parameters():
        g.create_dataset(k, data=p.grad.detach().float().numpy())


def ae_case(f, name, mp, size, ls, unc, batch, seed):
    torch.manual_seed(seed)
    model = AE(ls, mp, unc, size)
    g = f.create_group(name)
    g.attrs.update(dict(mp=mp, img_size=size, ls=ls, unc=int(unc), batch=batch, steps=STEPS, lr=5e-4,
                        weight_decay=1e-4, eps=ADAM_EPS))
    save_state(g.create_group("init"), model)
    model = model.double()
    x = torch.rand(batch, 1, size, size) * 2 - 1
    g["x"] = x.numpy()
    x = x.double()
    model.train()
    out = model(x)
    loss = ae_loss(out, x, unc)
    loss.backward()
    g["out"] = out.detach().float().numpy()
    g["loss"] = np.float32(loss.item())
    save_grads(g.create_group("grad"), model)
    # weight decay makes the (analytically zero) gradients of biases before BatchNorm
    # deterministic, so 10 Adam steps can be compared
    opt = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.5, 0.999), eps=ADAM_EPS, weight_decay=1e-4)
    model.zero_grad()
    for _ in range(STEPS):
        opt.zero_grad()
        ae_loss(model(x), x, unc).backward()
        opt.step()
    save_state(g.create_group("stepped"), model)
    model.eval()
    xe = torch.rand(batch, 1, size, size) * 2 - 1
    g["eval_x"] = xe.numpy()
    with torch.no_grad():
        g["eval_out"] = model(xe.double()).float().numpy()


def refine_case(f, name, cin, h, w, batch, clip, seed):
    torch.manual_seed(seed)
    model = RefineNetwork(cin)
    g = f.create_group(name)
    g.attrs.update(dict(cin=cin, height=h, width=w, batch=batch, steps=STEPS, lr=1e-4, weight_decay=1e-4,
                        grad_clip=clip, eps=ADAM_EPS))
    save_state(g.create_group("init"), model)
    model = model.double()
    x = torch.rand(batch, cin, h, w)
    target = (torch.rand(batch, h, w) < 0.3).to(torch.uint8)
    g["x"] = x.numpy()
    x = x.double()
    g["target"] = target.numpy()
    model.train()
    prob = torch.softmax(model(x), dim=1)
    loss = focal_loss(prob, target)
    loss.backward()
    g["out"] = prob.detach().float().numpy()
    g["loss"] = np.float32(loss.item())
    save_grads(g.create_group("grad"), model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.5, 0.999), eps=ADAM_EPS, weight_decay=1e-4)
    for _ in range(STEPS):
        opt.zero_grad()
        focal_loss(torch.softmax(model(x), dim=1), target).backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
    save_state(g.create_group("stepped"), model)
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
        for i, c in enumerate(AE_CASES):
            ae_case(f, *c, seed=100 + i)
        for i, c in enumerate(REFINE_CASES):
            refine_case(f, *c, seed=200 + i)


if __name__ == "__main__":
    main()
