import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import gru_viz
from gru_viz import proof, proof_check, wrong_sums
from gru_viz.certificate import save_certificate
from gru_viz.checkpoint import ASSETS, TUTORIAL_PATH, read_model_file
from gru_viz.cli import main

PROVED = ASSETS / "proved.npz"
CERTIFICATE = ASSETS / "proved.cert.npz"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def certificate() -> dict[str, np.ndarray]:
    with np.load(CERTIFICATE, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def write(path: Path, arrays: dict) -> Path:
    np.savez(path, **arrays)
    return path


def test_the_checker_accepts_the_shipped_certificate():
    ok, reason = proof_check.check(PROVED, CERTIFICATE)
    assert ok, reason
    assert reason.startswith("valid:")


def test_the_checker_imports_nothing_from_the_package():
    source = (ROOT / "gru_viz" / "proof_check.py").read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == [
        "from __future__ import annotations",
        "import json",
        "import zipfile",
        "import numpy as np",
    ]
    assert len(source.splitlines()) < 230


def a_box_with_a_bit(c: dict) -> int:
    return int(np.flatnonzero(c["bit"] >= 0)[0])


def flip_a_bit(c):
    k = a_box_with_a_bit(c)
    c["bit"][k] = 1 - c["bit"][k]


def flip_a_carry(c):
    k = a_box_with_a_bit(c)
    c["carry"][k] = 1 - c["carry"][k]


def move_a_box(c):
    k = a_box_with_a_bit(c)
    c["lo"][k] += 0.25
    c["hi"][k] += 0.25


def shrink_a_box(c):
    k = a_box_with_a_bit(c)
    middle = 0.5 * (c["lo"][k] + c["hi"][k])
    c["lo"][k], c["hi"][k] = middle, middle


def drop_the_edges_of_one_step(c):
    k, i = c["edges"][-1, :2]
    c["edges"] = c["edges"][~((c["edges"][:, 0] == k) & (c["edges"][:, 1] == i))]


def point_an_edge_at_the_wrong_box(c):
    k, i, j = c["edges"][0]
    wrong = np.flatnonzero((c["carry"] != c["carry"][j]) | (c["bit"] != c["bit"][j]))
    c["edges"][0, 2] = wrong[0]


@pytest.mark.parametrize(
    "breaks,reason",
    [
        (flip_a_bit, "bit"),
        (flip_a_carry, "wrong carry or bit"),
        (move_a_box, "box"),
        (shrink_a_box, "not inside"),
        (drop_the_edges_of_one_step, "has no edge"),
        (point_an_edge_at_the_wrong_box, "wrong carry or bit"),
        (lambda c: c.update(margin=np.float64(0.0)), "margin 0.0 is not a number of at least"),
        (lambda c: c.update(margin=np.float64(np.nan)), "margin"),
        (lambda c: c.update(start=np.int64(len(c["lo"]))), "start"),
        (lambda c: [c["lo"].__setitem__((0, 0), 0.5), c["hi"].__setitem__((0, 0), 0.5)], "h_0"),
        (lambda c: c["lo"].__setitem__((1, 0), np.nan), "finite bounds"),
        (lambda c: c.update(lo=c["lo"].astype(np.float32)), "float64"),
        (lambda c: c.update(lo=c["lo"][:, :2]), "float64 (K, H)"),
        (lambda c: c.update(edges=c["edges"].astype(np.float64)), "edges"),
        (lambda c: c.update(edges=c["edges"][:, :2]), "edges (E, 3)"),
        (lambda c: c.update(edges=c["edges"] + 10**6), "names no box"),
        (lambda c: c.pop("carry"), "'carry' is missing"),
        (lambda c: c.update(bit=np.full_like(c["bit"], 2)), "bit -1, 0 or 1"),
    ],
)
def test_the_checker_refuses_a_broken_certificate(tmp_path, certificate, breaks, reason):
    broken = {name: value.copy() for name, value in certificate.items()}
    breaks(broken)
    ok, why = proof_check.check(PROVED, write(tmp_path / "broken.npz", broken))
    assert not ok
    assert reason in why


@pytest.mark.parametrize(
    "content",
    [b"", b"nonsense", b"PK\x03\x04 truncated zip", b"\x80\x04pickled"],
)
def test_the_checker_refuses_files_that_are_not_certificates(tmp_path, content):
    path = tmp_path / "cert.npz"
    path.write_bytes(content)
    ok, why = proof_check.check(PROVED, path)
    assert not ok and why.startswith("not a valid certificate")


def test_the_checker_never_loads_pickles(tmp_path, certificate):
    objects = np.empty(2, dtype=object)
    objects[:] = [{"a": 1}, None]
    path = write(tmp_path / "cert.npz", {**certificate, "carry": objects})
    ok, why = proof_check.check(PROVED, path)
    assert not ok and "pickle" in why.lower()


def test_the_checker_refuses_a_missing_file_or_a_broken_model(tmp_path):
    assert not proof_check.check(PROVED, tmp_path / "absent.npz")[0]
    broken = tmp_path / "model.npz"
    broken.write_bytes(b"nonsense")
    ok, why = proof_check.check(broken, CERTIFICATE)
    assert not ok and why.startswith("cannot read model")


def test_the_checker_refuses_a_certificate_for_another_model():
    ok, why = proof_check.check(TUTORIAL_PATH, CERTIFICATE)
    assert not ok and "(K, H)" in why


def split_box(c: dict, k: int, unit: int) -> dict:
    """The certificate with box k cut in two along `unit`: edges into k point to both halves."""
    c = {name: value.copy() for name, value in c.items()}
    upper_lo, upper_hi = c["lo"][k].copy(), c["hi"][k].copy()
    upper_lo[unit] = c["hi"][k, unit] = 0.5 * (c["lo"][k, unit] + c["hi"][k, unit])
    new = len(c["lo"])
    c["lo"], c["hi"] = np.vstack([c["lo"], upper_lo]), np.vstack([c["hi"], upper_hi])
    c["carry"], c["bit"] = np.append(c["carry"], c["carry"][k]), np.append(c["bit"], c["bit"][k])
    into = c["edges"][c["edges"][:, 2] == k].copy()
    into[:, 2] = new
    out = c["edges"][c["edges"][:, 0] == k].copy()
    out[:, 0] = new
    c["edges"] = np.vstack([c["edges"], into, out])
    return c


def test_a_step_may_land_in_a_union_of_boxes(tmp_path, certificate):
    k = a_box_with_a_bit(certificate)
    unit = int(np.argmax(certificate["hi"][k] - certificate["lo"][k]))
    halves = split_box(certificate, k, unit)
    ok, why = proof_check.check(PROVED, write(tmp_path / "halves.npz", halves))
    assert ok, why
    # Without the upper half, steps into the old box are no longer covered.
    halves["edges"] = halves["edges"][halves["edges"][:, 2] != len(halves["lo"]) - 1]
    ok, why = proof_check.check(PROVED, write(tmp_path / "half.npz", halves))
    assert not ok and "not inside the union" in why


def test_certify_proves_the_shipped_proved_model(tmp_path):
    result = proof.certify(read_model_file(PROVED))
    assert result.proved, result.reason
    assert result.failure is None and result.n_boxes == len(result.lo)
    save_certificate(result, tmp_path / "cert.npz")
    assert proof_check.check(PROVED, tmp_path / "cert.npz")[0]
    with zipfile.ZipFile(tmp_path / "cert.npz") as archive:  # plain arrays only
        assert sorted(archive.namelist()) == [
            f"{n}.npy" for n in sorted(("bit", "carry", "edges", "hi", "lo", "margin", "start"))
        ]


def test_certify_says_where_the_tutorial_model_breaks():
    result = proof.certify(read_model_file(TUTORIAL_PATH), proof.Settings(seconds=2.0))
    assert not result.proved and result.lo is None
    failure = result.failure
    assert failure.kind in ("sign", "time") and failure.amount > 0
    assert f"a={failure.a}, b={failure.b}" in result.reason
    with pytest.raises(ValueError, match="no certificate"):
        save_certificate(result, "unused.npz")


@pytest.fixture(scope="module")
def tutorial():
    return gru_viz.load_model(TUTORIAL_PATH)


def test_counterexample_finds_the_shortest_wrong_sum_of_the_tutorial_model(tutorial):
    found = wrong_sums.counterexample(tutorial)
    assert found is not None
    a, b, bit = found
    trace = tutorial.trace(a, b)
    assert not trace.correct
    assert trace.bits_pred[bit] != trace.bits_true[bit]
    assert np.array_equal(trace.bits_pred[:bit], trace.bits_true[:bit])
    # Every addition with fewer steps is right (the model itself says so).
    n_bits = max(a.bit_length(), b.bit_length())
    for x in range(2 ** (n_bits - 1)):
        for y in range(2 ** (n_bits - 1)):
            assert tutorial.trace(x, y).correct, (x, y)


def test_the_failed_proof_alone_points_at_the_counterexample(tutorial):
    # Without the exhaustive runs (1 step only), the failing history of the search gives it.
    assert wrong_sums.counterexample(tutorial, max_steps=1) == wrong_sums.counterexample(tutorial)


def test_a_proved_model_has_no_counterexample():
    assert wrong_sums.counterexample(gru_viz.load_model(PROVED)) is None


def test_certify_refuses_a_model_with_units_held_at_zero(tutorial):
    with pytest.raises(ValueError, match="held at 0"):
        proof.certify(gru_viz.ablate(tutorial, [0]))


def test_certify_and_check_proof_commands(tmp_path, capsys):
    cert = tmp_path / "cert.npz"
    assert main(["certify", str(PROVED), "-o", str(cert)]) == 0
    assert "proved in" in capsys.readouterr().out
    assert main(["check-proof", str(PROVED), str(cert)]) == 0
    assert capsys.readouterr().out.startswith("valid:")
    tutorial_cert = str(tmp_path / "t.npz")
    assert main(["certify", str(TUTORIAL_PATH), "-o", tutorial_cert, "--seconds", "1"]) == 1
    assert "not proved" in capsys.readouterr().out and not (tmp_path / "t.npz").exists()
    assert main(["check-proof", str(TUTORIAL_PATH), str(cert)]) == 1
    assert capsys.readouterr().out.startswith("not valid:")
    assert main(["certify", str(tmp_path / "absent.npz"), "-o", str(cert)]) == 2
    assert main(["certify", str(PROVED), "-o", str(cert), "--margin", "0"]) == 2


def test_check_proof_on_a_broken_file_is_one_line_and_no_traceback(tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    run = subprocess.run(
        [sys.executable, "-m", "gru_viz", "check-proof", str(PROVED), str(broken)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert run.stdout.startswith("not valid: not a valid certificate")
