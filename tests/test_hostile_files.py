"""Model files made to hurt: each is refused with a CheckpointError that names the file, says
what is wrong in a short message, and costs little memory, before any large data is unpacked."""

import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest

import gru_viz
from gru_viz import checkpoint

MB = 2**20


@pytest.fixture(scope="module")
def good() -> bytes:
    return gru_viz.load_model().to_bytes()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def archive(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in entries:
            out.writestr(name, content)
    return buffer.getvalue()


def npy_header(shape: tuple[int, ...], dtype: str = "<f4") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def meta_bytes(good: bytes) -> dict:
    record = np.load(io.BytesIO(members(good)["meta.npy"]))
    return json.loads(record.tobytes())


def with_meta(good: bytes, change) -> bytes:
    meta = meta_bytes(good)
    change(meta)
    entries = members(good)
    entries["meta.npy"] = npy(np.frombuffer(json.dumps(meta).encode(), np.uint8))
    return archive(list(entries.items()))


def bomb(good: bytes, name: str = "Wz.npy", count: int = 1, mb: int = 256) -> bytes:
    """`count` entries that each unpack to `mb` MB of zeros, declared as one big array."""
    entries = [(n, c) for n, c in members(good).items() if n != name]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for n, c in entries:
            out.writestr(n, c)
        side = int(np.sqrt(mb * MB / 4))
        zeros = bytes(MB)
        for i in range(count):
            entry = name if i == 0 else f"x{i}.npy"
            with out.open(entry, "w", force_zip64=True) as stream:
                stream.write(npy_header((side, side)))
                for _ in range(mb):
                    stream.write(zeros)
    return buffer.getvalue()


def nested_json(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


HOSTILE = {
    "bomb": (lambda g: bomb(g), "unpacks to"),
    "four bombs": (lambda g: bomb(g, count=4, mb=64), "entries|unexpected|unpacks to"),
    "huge meta": (lambda g: bomb(g, name="meta.npy", mb=64), "unpacks to"),
    "not npy member": (
        lambda g: archive([*members(g).items(), ("notes.txt", b"hello")]),
        "unexpected entries 'notes.txt'",
    ),
    "deep json": (
        lambda g: archive(
            [
                *[(n, c) for n, c in members(g).items() if n != "meta.npy"],
                ("meta.npy", npy(np.frombuffer(nested_json(100_000), np.uint8))),
            ]
        ),
        "not valid JSON|larger|unpacks",
    ),
    "overflow": (
        lambda g: with_meta(g, lambda m: m["train"].update(check_bits=[float("inf")])),
        "bad configuration",
    ),
    "provenance types": (
        lambda g: with_meta(g, lambda m: m["provenance"].update(steps="many")),
        "provenance steps",
    ),
    "check types": (
        lambda g: with_meta(g, lambda m: m["provenance"].update(check={"256": "all"})),
        "provenance check",
    ),
    "hidden size too big": (
        lambda g: with_meta(g, lambda m: m["model"].update(hidden_size=1024)),
        "hidden_size 1024 is over 256",
    ),
    "long format": (
        lambda g: with_meta(g, lambda m: m.update(format="x" * 50_000)),
        "format 'xxxxxxxx",
    ),
    "two bytes": (lambda g: b"PK", "not an .npz"),
    "long header": (
        lambda g: archive(
            [
                *[(n, c) for n, c in members(g).items() if n != "bo.npy"],
                ("bo.npy", b"\x93NUMPY\x01\x00" + (5000).to_bytes(2, "little") + b" " * 5000),
            ]
        ),
        "header",
    ),
    "duplicate": (
        lambda g: archive([*members(g).items(), ("Wz.npy", members(g)["Wz.npy"])]),
        "more than once",
    ),
    "junk after data": (
        lambda g: archive(
            [
                *[(n, c) for n, c in members(g).items() if n != "bo.npy"],
                ("bo.npy", members(g)["bo.npy"] + b"junk"),
            ]
        ),
        "something after its data",
    ),
    "many members": (
        lambda g: archive([*members(g).items(), *((f"m{i}", b"") for i in range(50_000))]),
        "larger than a model file may be",
    ),
    "some members": (
        lambda g: archive([*members(g).items(), *((f"m{i}", b"") for i in range(3_000))]),
        "unexpected entries 'm0', 'm1', 'm2', 'm3', 'm4' and 2,995 more",
    ),
    "pickle": (lambda g: b"\x80\x04\x95" + b"\x00" * 40, "pickled"),
}


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_file_is_refused_cheaply_with_a_short_message(good, name):
    make, says = HOSTILE[name]
    data = make(good)
    assert len(data) <= checkpoint.MAX_BYTES or name == "many members"
    tracemalloc.start()
    try:
        with pytest.raises(gru_viz.CheckpointError, match=says) as error:
            checkpoint.read_model_bytes(data, source=f"{name}.npz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"{name}.npz" in str(error.value)
    assert len(str(error.value)) < 400
    assert peak < 64 * MB + len(data), f"{peak / MB:.0f} MB used to refuse it"


def test_a_fifo_or_a_device_is_not_read(tmp_path):
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    with pytest.raises(gru_viz.CheckpointError, match="not a regular file"):
        checkpoint.read_model_file(fifo)
    with pytest.raises(gru_viz.CheckpointError, match="not a regular file"):
        checkpoint.read_model_file("/dev/zero")


def test_a_killed_save_leaves_nothing_behind_on_the_next_save(tmp_path):
    model = gru_viz.load_model()
    path = tmp_path / "model.npz"
    stale = tmp_path / ".model.npz.abc123.tmp"
    stale.write_bytes(b"half a model")
    os.utime(stale, (0, 0))  # long ago
    fresh = tmp_path / ".model.npz.def456.tmp"  # another save, under way right now
    fresh.write_bytes(b"")
    model.save(path)
    assert not stale.exists() and fresh.exists()
    assert gru_viz.load_model(path).fingerprint() == model.fingerprint()
