"""The package's public names stay callable, and the views the page, the command line and the
README name are the same ones, from the one registry."""

import ast
import importlib
import pkgutil
import re
import types
from pathlib import Path

import pytest

import gru_viz

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def every_submodule() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(gru_viz.__path__, "gru_viz.")]
    return [name for name in names if not name.endswith("__main__")]


def test_no_public_name_is_also_a_submodule():
    submodules = {name.split(".")[1] for name in every_submodule()}
    assert not submodules & set(gru_viz.__all__)


def test_every_public_name_is_callable_after_every_submodule_is_imported(tmp_path):
    pytest.importorskip("tensorflow")
    for name in every_submodule():
        importlib.import_module(name)
    public = {name: getattr(gru_viz, name) for name in gru_viz.__all__}
    assert not [name for name, value in public.items() if isinstance(value, types.ModuleType)]

    model = gru_viz.load_model()
    recorder = gru_viz.SnapshotRecorder()
    config = gru_viz.TrainConfig(hidden_size=3, max_steps=3, seed=1)
    small, history = gru_viz.train(config, on_step=recorder)
    assert len(history.losses) == 3
    trace = model.trace(1023, 1)
    path = tmp_path / "small.replay.npz"
    gru_viz.save_replay(recorder.replay(small), path)
    calls = {
        "ModelConfig": lambda f: f(hidden_size=3),
        "TrainConfig": lambda f: f(seed=2),
        "CheckpointError": lambda f: f("broken"),
        "load_model": lambda f: f(),
        "load_model_bytes": lambda f: f(small.to_bytes()),
        "ablate": lambda f: f(model, [0]),
        "train": lambda f: (small, history),  # called above
        "length_curve": lambda f: f(model, lengths=(1, 8), pairs=4),
        "carry_units": lambda f: f(model),
        "ablation_ranking": lambda f: f(small, n_pairs=8, n_bits=8),
        "explain": lambda f: f(trace, model),
        "extract_automaton": lambda f: f(model, n_pairs=32, max_bits=16),
        "state_map": lambda f: f(model),
        "gate_saturation": lambda f: f(model),
        "SnapshotRecorder": lambda f: f(),
        "save_replay": lambda f: (
            f(recorder.replay(small), tmp_path / "again.replay.npz")
            or (tmp_path / "again.replay.npz").is_file()
        ),
        "load_replay": lambda f: f(path),
        "replay_model": lambda f: f(gru_viz.load_replay(path), 0),
        "certify": lambda f: f(gru_viz.load_model(ROOT / "assets" / "proved.npz")).proved,
        "counterexample": lambda f: f(gru_viz.load_model(ROOT / "assets" / "tutorial.npz")),
        "show": lambda f: f(1023, 1, view="states", model=small, theme="dark"),
        "handmade_adder": lambda f: f().trace(2**20 - 1, 1).correct,
    }
    assert set(calls) == set(gru_viz.__all__), "every public name is called below"
    for name, call in calls.items():
        assert call(public[name]) is not None, name
    assert gru_viz.explain(trace, model).correct
    assert gru_viz.replay_model(gru_viz.load_replay(path), -1).hidden_size == 3


def test_a_notebook_draws_any_view_of_the_registry():
    pytest.importorskip("tensorflow")
    from gru_viz.figures import DARK
    from gru_viz.views import VIEWS

    fig = gru_viz.show(1023, 1, view="gates", theme="dark")
    assert fig.layout.paper_bgcolor == DARK.background
    assert "Update gate z and reset gate r for 1023 + 1" in fig.layout.title.text
    dot = gru_viz.show(6, 7, view="machine")
    assert dot.startswith("digraph")
    with pytest.raises(ValueError, match="view must be one of"):
        gru_viz.show(1, 2, view="nope")
    assert set(VIEWS) >= {"gates", "machine"}


def test_the_command_line_offers_every_view_of_the_registry():
    from gru_viz import cli, export
    from gru_viz.views import VIEWS

    assert export.view_names() == tuple(VIEWS)
    figure = cli.build_parser()._subparsers._group_actions[0].choices["figure"]
    view_help = next(a.help for a in figure._actions if a.dest == "view")
    assert all(f"{name}:" in view_help for name in VIEWS)


def test_every_view_has_a_home_tab_and_every_tab_is_in_the_readme():
    from gru_viz.app.pages import PAGES, TABS
    from gru_viz.views import VIEWS

    homes = [name for page in PAGES for name in page.VIEWS_SHOWN]
    assert sorted(homes) == sorted(VIEWS), "each view is drawn on exactly one tab"
    for title in TABS:
        assert f"**{title}**" in README, title


def test_the_readme_lists_every_view_the_command_line_takes():
    from gru_viz.views import VIEWS

    bullet = re.search(r"^- `--view`:(.*?)(?=^- `--)", README, re.S | re.M)
    assert bullet, "the README's --view bullet"
    listed = re.findall(r"`([a-z-]+)`", bullet[1])
    assert [name for name in listed if name in VIEWS] == list(VIEWS)
    for view in VIEWS.values():  # each says what it shows, as the registry does
        assert view.note(None)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_nothing_below_the_app_imports_from_it():
    package = ROOT / "gru_viz"
    below = [p for p in package.rglob("*.py") if "app" not in p.relative_to(package).parts]
    assert len(below) > 20
    upward = {
        str(p.relative_to(ROOT)): sorted(i for i in imports_of(p) if i.startswith("gru_viz.app"))
        for p in below
    }
    assert not {path: found for path, found in upward.items() if found}


MAX_MODULE_LINES = 450  # a module longer than this holds more than one concern: split it


def test_no_module_of_the_package_outgrows_one_concern():
    long = {
        str(p.relative_to(ROOT)): n
        for p in sorted((ROOT / "gru_viz").rglob("*.py"))
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these by concern: {long}"
    assert len((ROOT / "streamlit_app.py").read_text().splitlines()) <= 200  # the frame only
