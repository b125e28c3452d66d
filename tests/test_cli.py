import os
import subprocess
import sys
from pathlib import Path

import pytest

import gru_viz
from gru_viz.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_add_prints_aligned_bits_and_verdict(capsys):
    assert main(["add", "1024", "16"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["a", "1024", "000000000010"]
    assert out[2].split() == ["b", "16", "000010000000"]
    assert out[3].split() == ["true", "sum", "1040", "000010000010"]
    assert out[4].split() == ["predicted", "1040", "000010000010"]
    assert out[5] == "correct: 1024 + 16 = 1040"


def test_add_pads_to_n_bits(capsys):
    assert main(["add", "5", "3", "--n-bits", "8"]) == 0
    assert "10100000" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["-5", "1.5", "1e5", "0x10", "abc", "1_000", "", "١٢"])
def test_add_refuses_bad_numbers(bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["add", bad, "3"])
    assert exit_.value.code == 2
    assert "not a non-negative whole number" in capsys.readouterr().err


def test_add_with_a_broken_model_file(tmp_path, capsys):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"nonsense")
    assert main(["add", "1", "2", "--model", str(broken)]) == 2
    assert "broken.npz is not a gru-viz model file" in capsys.readouterr().err


def test_add_with_n_bits_too_small(capsys):
    assert main(["add", "1024", "1024", "--n-bits", "5"]) == 2
    assert "too small" in capsys.readouterr().err


def test_train_saves_a_loadable_model(tmp_path, capsys):
    out = tmp_path / "m.npz"
    code = main(["train", "--steps", "30", "--seed", "4", "--hidden-size", "8", "-o", str(out)])
    assert code == 0
    assert "saved" in capsys.readouterr().out
    model = gru_viz.load_model(out)
    assert model.config.hidden_size == 8 and model.train_config["max_steps"] == 30


def test_train_holds_gates_at_one(tmp_path, capsys):
    out = tmp_path / "held.npz"
    args = ["train", "--steps", "2", "--hidden-size", "3", "--hold", "r", "--hold", "z"]
    assert main([*args, "--quiet", "-o", str(out)]) == 0
    model = gru_viz.load_model(out)
    assert model.config.held_gates == ("z", "r") and model.train_config["held_gates"] == ["z", "r"]
    with pytest.raises(SystemExit):  # argparse: not one of z, r
        main(["train", "--hold", "h", "-o", str(out)])


@pytest.mark.parametrize(
    "args,message",
    [
        (["--hidden-size", "0"], "hidden_size"),
        (["--steps", "-1"], "max_steps"),
        (["-o", "/no/such/folder/m.npz"], "does not exist"),
    ],
)
def test_train_refuses_bad_settings(args, message, capsys):
    assert main(["train", "--quiet", *args]) == 2
    assert message in capsys.readouterr().err


def test_module_entry_point_exit_codes():
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    ok = subprocess.run(
        [sys.executable, "-m", "gru_viz", "add", "7", "9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environ,
    )
    assert ok.returncode == 0 and "correct: 7 + 9 = 16" in ok.stdout
    assert ok.stderr == "", ok.stderr  # none of TensorFlow's start-up or cache log lines
    bad = subprocess.run(
        [sys.executable, "-m", "gru_viz", "add", "seven", "9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "'seven'" in bad.stderr and "Traceback" not in bad.stderr


def test_add_handles_numbers_longer_than_pythons_digit_limit(capsys):
    a = "9" * 5000
    assert main(["add", a, "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"correct: {a} + 1 = 1{'0' * 5000}"


@pytest.mark.parametrize(
    "args, says",
    [
        (["add", "1", "1", "--n-bits", "1180591620717411303424"], "too long to trace"),
        (["add", "1", "1", "--n-bits", "1000000000000"], "too long to trace"),
        (["add", "1", "1", "--model", "/dev/zero"], "not a regular file"),
        (["train", "--steps", "1", "-o", "/tmp"], "it is a folder"),
        (["train", "--steps", "1", "-o", "/no/such/folder/m.npz"], "does not exist"),
    ],
)
def test_bad_requests_get_one_line_and_exit_code_2(args, says, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and err.startswith("error: ") and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_a_read_only_folder_is_refused_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("os.access", lambda path, mode: False)
    assert main(["train", "--steps", "1", "-o", str(tmp_path / "m.npz")]) == 2
    assert "is not writable" in capsys.readouterr().err


def test_a_failing_disk_keeps_the_trained_model_elsewhere(tmp_path, capsys, monkeypatch):
    from gru_viz import checkpoint

    real_save, target = checkpoint.save, tmp_path / "m.npz"

    def full_disk(model, path):
        if Path(path) == target:
            raise OSError(28, "No space left on device")
        real_save(model, path)

    monkeypatch.setattr(checkpoint, "save", full_disk)
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    args = ["train", "--preset", "tutorial", "--steps", "2", "--quiet", "-o", str(target)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "instead" in err
    (kept,) = [p for p in tmp_path.glob("gru-viz-model-*.npz") if ".replay" not in p.name]
    assert gru_viz.load_model(kept).config.hidden_size == 16


def test_training_saves_how_it_learned_beside_the_model(tmp_path, capsys):
    out = tmp_path / "tiny.npz"
    args = ["train", "--preset", "tutorial", "--steps", "60", "--seed", "1", "--quiet"]
    assert main([*args, "-o", str(out)]) == 0
    replay = gru_viz.load_replay(tmp_path / "tiny.replay.npz")
    assert replay.steps[-1] == 60 and len(replay.losses) == 60
    last = gru_viz.replay_model(replay, -1)
    assert last.fingerprint() == gru_viz.load_model(out).fingerprint()
    assert "tiny.replay.npz" in capsys.readouterr().out
