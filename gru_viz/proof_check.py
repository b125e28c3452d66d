"""Check a certificate that a GRU model adds correctly at every length: numpy only, and on purpose
sharing no code with the rest of gru_viz (nor with gru_viz.proof, which finds certificates).

    python -m gru_viz check-proof MODEL CERT    # or check(model_path, cert_path): (ok, reason)

A certificate (.npz, no pickles) holds boxes lo[k] <= h <= hi[k] (float64 (K, H)), a label per
box, carry (K,) in {0, 1} and bit (K,) in {-1, 0, 1}, the index `start` of a box holding h_0 = 0,
`margin` (>= 1e-5) and edges (E, 3): rows (k, i, j) for input i = 2 a + b. It is valid when, in
float64 interval arithmetic with every bound rounded outward:

1. for every box k and input (a, b), with s = a + b + carry[k]: some edge (k, i, j) exists; every
   such box j has carry[j] = [s >= 2] and bit[j] = s mod 2; and one GRU step from anywhere in
   box k, clipped to [-1, 1] and widened by `margin` on every side, lies inside the union of
   those boxes j (checked exactly, by cutting the listed boxes out of it one by one);
2. every box with bit != -1 gives a logit of that bit's sign with |logit| >= margin
   (logit = h Wo + bo, minus 0.5 for a "linear" output model, whose bit is y > 0.5).

Then, by induction over the steps, the state after every prefix of every addition lies in a box
whose carry is the true carry and whose bit is the true sum bit: every sum bit is right, at any
length. The margin is room to spare: a step's state may move by up to `margin` in every unit
(within [-1, 1]) and still land in a box, which float32's rounding of a step does not exceed.
exp and tanh are not correctly rounded: their results are widened by 1e-12, far above their error.
A gate the model file says is held at 1 ("held_gates" in its model record) is taken to be 1.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np

FUNCTION_ERROR = 1e-12  # added to every exp/tanh result: numpy's error is a few ulps (~1e-16)
MAX_ENTRY_BYTES = 2**26  # refuse archives whose entries would unpack to more than this
MAX_PIECES = 4096  # a union check that splits the image into more pieces than this fails


def down(v):  # the float below: a lower bound rounded outward
    return np.nextafter(v, -np.inf)


def up(v):
    return np.nextafter(v, np.inf)


def read_npz(path: str) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:  # sizes first: a small file may declare huge arrays
        if sum(info.file_size for info in archive.infolist()) > MAX_ENTRY_BYTES:
            raise ValueError(f"{path} unpacks to more than {MAX_ENTRY_BYTES:,} bytes")
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def read_model(path: str) -> tuple[dict[str, np.ndarray], bool]:
    """The weights as float64 and whether the output is "linear"; ValueError if malformed. A
    gate the model holds at 1 (its "held_gates": "z", "r") gets zero weights and bias +inf, so
    its bounds below are [1 - FUNCTION_ERROR, 1], around its true value 1."""
    data = read_npz(path)
    meta = json.loads(data.pop("meta").tobytes().decode())
    H, output = meta["model"]["hidden_size"], meta["model"]["output"]
    held = meta["model"].get("held_gates", [])
    if not isinstance(H, int) or not 1 <= H <= 1024 or output not in ("logistic", "linear"):
        raise ValueError("the model's meta record gives no valid hidden_size and output")
    if not isinstance(held, list) or not set(held) <= {"z", "r"} or len(set(held)) < len(held):
        raise ValueError("the model's held_gates must list 'z' and 'r' at most once each")
    if set(meta["model"]) - {"hidden_size", "output", "held_gates"}:
        raise ValueError("the model's meta record has settings this checker does not know")
    shapes = dict(Wz=(2, H), Wr=(2, H), Wh=(2, H), Uz=(H, H), Ur=(H, H), Uh=(H, H))
    shapes.update(bz=(H,), br=(H,), bh=(H,), Wo=(H, 1), bo=(1,))
    for name, shape in shapes.items():
        w = data.get(name)
        if w is None or w.dtype != np.float32 or w.shape != shape or not np.isfinite(w).all():
            raise ValueError(f"model weight {name} is missing or not finite float32 {shape}")
    w = {n: data[n].astype(np.float64) for n in shapes}
    for g in held:  # a gate held at 1 at every step: sigmoid of +inf, whatever its weights
        w[f"W{g}"], w[f"U{g}"], w[f"b{g}"] = 0 * w[f"W{g}"], 0 * w[f"U{g}"], w[f"b{g}"] + np.inf
    return w, output == "linear"


def read_certificate(path: str, H: int) -> dict[str, np.ndarray]:
    """The certificate's arrays, their shapes, dtypes and values checked; ValueError if not."""
    c = read_npz(path)
    kinds = dict(lo="f", hi="f", carry="iu", bit="iu", edges="iu", start="iu", margin="f")
    for name, kind in kinds.items():
        if name not in c or c[name].dtype.kind not in kind:
            raise ValueError(f"'{name}' is missing or not of kind {kind!r}")
    lo, hi, K = c["lo"], c["hi"], c["carry"].size
    if lo.dtype != hi.dtype or lo.dtype != np.float64 or not lo.shape == hi.shape == (K, H):
        raise ValueError(f"lo and hi must be float64 (K, H) = ({K}, {H}), one row per box")
    if not c["carry"].shape == c["bit"].shape == (K,) or c["edges"].shape[1:] != (3,):
        raise ValueError("carry and bit must be (K,) and edges (E, 3)")
    if c["start"].shape != () or c["margin"].shape != ():
        raise ValueError("start and margin must be single numbers")
    if not (np.isfinite(lo).all() and np.isfinite(hi).all() and (lo <= hi).all()):
        raise ValueError("every box needs finite bounds with lo <= hi")
    if not (np.isin(c["carry"], (0, 1)).all() and np.isin(c["bit"], (-1, 0, 1)).all()):
        raise ValueError("carry must be 0 or 1 and bit -1, 0 or 1")
    edges, start, margin = c["edges"].astype(np.int64), int(c["start"]), float(c["margin"])
    if not (margin >= 1e-5 and np.isfinite(margin)):
        raise ValueError(f"margin {margin} is not a number of at least 1e-5")
    if not (0 <= start < K and c["carry"][start] == 0 and lo[start].max() <= 0 <= hi[start].min()):
        raise ValueError(f"start {start} must be a box of carry 0 that holds h_0 = 0")
    bad = (edges < 0) | (edges >= np.array([K, 4, K]))
    if bad.any():
        raise ValueError(f"edge {edges[bad.any(axis=1)][0].tolist()} names no box or input")
    return dict(c, edges=edges, start=start, margin=margin)


def affine(lo, hi, U, c_lo, c_hi):
    """Bounds of c + h U for every h in the boxes lo <= h <= hi (N, H), c in [c_lo, c_hi]."""
    for j in range(U.shape[0]):
        p, q = lo[:, j : j + 1] * U[j], hi[:, j : j + 1] * U[j]  # (N, M)
        c_lo, c_hi = down(c_lo + down(np.minimum(p, q))), up(c_hi + up(np.maximum(p, q)))
    return c_lo, c_hi


def times(a_lo, a_hi, b_lo, b_hi):
    """Bounds of a * b for a and b in intervals (elementwise)."""
    p = np.stack([a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi])
    return down(p.min(axis=0)), up(p.max(axis=0))


def gate(lo, hi, x, W, U, b, tanh=False):
    """Bounds of sigmoid (or tanh) of x W + h U + b over the boxes: both are increasing."""
    x = np.asarray([x], np.float64)
    v_lo, v_hi = affine(lo, hi, U, *affine(x, x, W, b, b))
    f = np.tanh if tanh else (lambda v: 1 / (1 + np.exp(-v)))
    with np.errstate(over="ignore"):  # exp(800) is inf, and 1 / inf the right 0
        low, high = f(v_lo) - FUNCTION_ERROR, f(v_hi) + FUNCTION_ERROR
    return np.maximum(low, -1.0 if tanh else 0.0), np.minimum(high, 1.0)


def step(lo, hi, w, x):
    """Bounds of h' = (1 - z) h + z h~ from every h in the boxes (N, H) reading x = (a, b),
    clipped to [-1, 1] (h_0 = 0, and each step mixes h with h~ in [-1, 1])."""
    z_lo, z_hi = gate(lo, hi, x, w["Wz"], w["Uz"], w["bz"])
    r_lo, r_hi = gate(lo, hi, x, w["Wr"], w["Ur"], w["br"])
    t_lo, t_hi = gate(*times(r_lo, r_hi, lo, hi), x, w["Wh"], w["Uh"], w["bh"], tanh=True)
    new_lo, new_hi = np.full(lo.shape, np.inf), np.full(lo.shape, -np.inf)
    for z in (z_lo, z_hi):  # for fixed h and h~, h' is linear in z: extremes at the ends
        keep_lo, keep_hi = times(np.maximum(down(1 - z), 0.0), up(1 - z), lo, hi)
        take_lo, take_hi = times(z, z, t_lo, t_hi)
        new_lo = np.minimum(new_lo, down(keep_lo + take_lo))
        new_hi = np.maximum(new_hi, up(keep_hi + take_hi))
    return np.clip(new_lo, -1.0, 1.0), np.clip(new_hi, -1.0, 1.0)


def covered(lo, hi, boxes_lo, boxes_hi) -> bool:
    """Whether the box [lo, hi] lies inside the union of the boxes: cut each one out of it in
    turn; what is left is kept as closed boxes (a superset), so an empty rest is a proof."""
    pieces_lo, pieces_hi = lo[None], hi[None]  # (P, H): what is not yet covered
    axis = np.arange(lo.size)
    for b_lo, b_hi in zip(boxes_lo, boxes_hi):
        meet = ((pieces_lo <= b_hi) & (pieces_hi >= b_lo)).all(axis=1)
        out_lo, out_hi = [pieces_lo[~meet]], [pieces_hi[~meet]]
        p_lo, p_hi = pieces_lo[meet], pieces_hi[meet]
        for d in axis:  # the parts of each piece below and above the box along d, then trim
            below, above = p_lo[:, d] < b_lo[d], p_hi[:, d] > b_hi[d]
            out_lo += [p_lo[below], np.where(axis == d, b_hi[d], p_lo[above])]
            out_hi += [np.where(axis == d, b_lo[d], p_hi[below]), p_hi[above]]
            p_lo = np.where(axis == d, np.maximum(p_lo, b_lo[d]), p_lo)
            p_hi = np.where(axis == d, np.minimum(p_hi, b_hi[d]), p_hi)
        pieces_lo, pieces_hi = np.concatenate(out_lo), np.concatenate(out_hi)
        if len(pieces_lo) > MAX_PIECES:
            return False
    return len(pieces_lo) == 0


def check_steps(w, c) -> str:
    """Condition 1, or what breaks it ("" if it holds)."""
    lo, hi, carry, bit, margin = c["lo"], c["hi"], c["carry"], c["bit"], c["margin"]
    edges = c["edges"][np.lexsort(c["edges"][:, ::-1].T)]  # by box, then input
    k, i, j = edges.T
    s = (i >> 1) + (i & 1) + carry[k]
    wrong = (carry[j] != (s >= 2)) | (bit[j] != s % 2)
    if wrong.any():
        k, i, j = edges[wrong][0]
        return f"edge {k} -({i >> 1}, {i & 1})-> {j}: box {j} has the wrong carry or bit"
    missing = np.setdiff1d(np.arange(4 * len(lo)), 4 * k + i)
    if len(missing):
        return f"box {missing[0] // 4} reading {divmod(int(missing[0] % 4), 2)} has no edge"
    first = np.searchsorted(4 * k + i, np.arange(4 * len(lo) + 1))  # rows of (k, i): a slice
    for x in range(4):
        img_lo, img_hi = step(lo, hi, w, divmod(x, 2))
        img_lo, img_hi = down(img_lo - margin), up(img_hi + margin)  # (K, H)
        inside = np.all((lo[j] <= img_lo[k]) & (img_hi[k] <= hi[j]), axis=1) & (i == x)
        for b in np.setdiff1d(np.arange(len(lo)), k[inside]):  # not inside one listed box
            targets = j[first[4 * b + x] : first[4 * b + x + 1]]
            if not covered(img_lo[b], img_hi[b], lo[targets], hi[targets]):
                out = np.maximum(lo[targets] - img_lo[b], img_hi[b] - hi[targets]).max(axis=1)
                return f"box {b} reading {divmod(x, 2)}: the step is not inside the union of " + (
                    f"boxes {targets[:5].tolist()} (it leaves the nearest by {out.min():.3g})"
                )
    return ""


def check_outputs(w, c, linear: bool) -> str:
    """Condition 2, or what breaks it ("" if it holds)."""
    lo, hi, bit, margin = c["lo"], c["hi"], c["bit"], c["margin"]
    y_lo, y_hi = affine(lo, hi, w["Wo"], w["bo"], w["bo"])
    if linear:  # a linear output reads bit 1 as y > 0.5
        y_lo, y_hi = down(y_lo - 0.5), up(y_hi - 0.5)
    bad = np.flatnonzero(
        ((bit == 1) & (y_lo[:, 0] < margin)) | ((bit == 0) & (y_hi[:, 0] > -margin))
    )
    if len(bad):
        b = bad[0]
        return f"box {b} (bit {bit[b]}): its logit ranges over [{y_lo[b, 0]:.3g}, {y_hi[b, 0]:.3g}]"
    return ""


def check(model_path, cert_path) -> tuple[bool, str]:
    """(True, a summary) if the certificate proves the model adds at every length; else (False,
    why not). Never raises: a malformed file is a reason like any other."""
    doing = f"cannot read model {model_path}"
    try:
        w, linear = read_model(str(model_path))
        doing = f"not a valid certificate {cert_path}"
        c = read_certificate(str(cert_path), w["Uz"].shape[0])
        doing = "could not check it"  # memory, say: a certificate too large
        reason = check_outputs(w, c, linear) or check_steps(w, c)
    except Exception as error:  # numpy, zipfile and json raise their own kinds
        return False, f"{doing}: {str(error)[:200] or type(error).__name__}"
    if reason:
        return False, reason
    return True, f"valid: {len(c['lo'])} boxes, {len(c['edges'])} edges, margin {c['margin']:g}"
