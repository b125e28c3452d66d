"""python -m gru_viz figure: the files it writes and the errors it gives.

PNG and SVG need a Chrome or Chromium (kaleido starts one per file, a few seconds each), so only
three files here are drawn in it; everything else is HTML, DOT or refused before any drawing.
"""

import base64
import io
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from gru_viz import export
from gru_viz.cli import main
from gru_viz.figures.theme import DARK

ROOT = Path(__file__).resolve().parent.parent
needs_browser = pytest.mark.skipif(
    export.find_browser() is None, reason="no Chrome or Chromium (apt-get install chromium)"
)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header (the IHDR chunk)."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@needs_browser
def test_png_is_slide_sized_by_default(tmp_path, capsys):
    out = tmp_path / "gates.png"
    assert main(["figure", "1024", "16", "-o", str(out)]) == 0
    assert png_size(out) == (1920, 1080)
    assert "wrote" in capsys.readouterr().out


@needs_browser
def test_png_takes_size_and_dark_theme(tmp_path):
    out = tmp_path / "states.png"
    args = ["figure", "5", "3", "--view", "states", "--size", "1280x720", "--theme", "dark"]
    assert main([*args, "--format", "png", "-o", str(out)]) == 0
    assert png_size(out) == (1280, 720)
    corner = Image.open(out).convert("RGB").getpixel((3, 3))
    assert corner == tuple(bytes.fromhex(DARK.background[1:]))  # the dark theme's paper


@needs_browser
def test_svg_draws_each_heatmap_cell_as_a_rect(tmp_path):
    out = tmp_path / "gates.svg"
    assert main(["figure", "5", "3", "--format", "svg", "-o", str(out)]) == 0
    svg = out.read_text()
    import gru_viz

    hidden = gru_viz.load_model().config.hidden_size
    n_bits = 4  # 5 + 3: 3 bits plus the last carry
    # A slide: z and r side by side, each under its own copy of the bit strip.
    cells = 2 * 5 * n_bits + 2 * hidden * n_bits
    assert svg.count('<g class="gv-cells"') == 4
    assert svg.count("<rect") >= cells
    assert "<image" not in svg  # vector, no raster left


def test_vector_heatmaps_keep_colours_and_fall_back_to_raster_above_the_limit():
    picture = Image.new("RGBA", (3, 2))
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30), (40, 50, 60), (70, 80, 90)]
    for i, colour in enumerate(colours):
        picture.putpixel((i % 3, i // 3), (*colour, 255))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    href = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    svg = f'<svg><g><image x="10" y="20" width="30" height="20" xlink:href="{href}"/></g></svg>'
    fig = go.Figure(go.Heatmap(z=np.zeros((2, 3))))
    vector = export.vector_heatmaps(svg, fig)
    assert vector.count("<rect") == 6 and "<image" not in vector
    assert '<rect x="10.00" y="20.00" width="10.00" height="10.00" fill="#ff0000"/>' in vector
    assert 'x="30.00" y="30.00" width="10.00" height="10.00" fill="#46505a"' in vector
    assert export.vector_heatmaps(svg, fig, max_cells=5) == svg  # too many: raster stays


def test_html_is_self_contained(tmp_path):
    out = tmp_path / "saturation.html"
    assert main(["figure", "5", "3", "--view", "saturation", "-o", str(out)]) == 0
    html = out.read_text()
    assert "plotly.js v" in html and "Plotly.newPlot" in html  # plotly.js inlined
    assert re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE) is None  # nothing fetched


def test_machine_is_written_as_dot_in_the_theme(tmp_path):
    out = tmp_path / "machine.dot"
    args = ["figure", "5", "3", "--view", "machine", "--theme", "dark", "-o", str(out)]
    assert main(args) == 0
    dot = out.read_text()
    assert dot.startswith("digraph") and f'bgcolor="{DARK.background}"' in dot


@pytest.mark.parametrize(
    "args,message",
    [
        (["--view", "nope"], "view must be one of gates, states"),
        (["--size", "big"], "WIDTHxHEIGHT"),
        (["--size", "10x10"], "200 to 8000 pixels"),
        (["--theme", "sepia"], "theme must be one of light, dark"),
        (["--format", "gif"], "format must be one of"),
        (["--format", "dot"], "for the machine view only"),
        (["--format", "html", "-o", "/no/such/folder/x.html"], "does not exist"),
        (["--format", "html", "-o", "."], "it is a folder"),
        (["--format", "html", "--model", "/no/such/model.npz"], "no such file"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args, message, capsys):
    assert main(["figure", "5", "3", *args]) == 2
    assert message in one_line_error(capsys)


def test_bad_model_file_gives_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"nonsense")
    out = tmp_path / "x.html"
    assert main(["figure", "5", "3", "--model", str(broken), "-o", str(out)]) == 2
    assert "broken.npz is not a gru-viz model file" in one_line_error(capsys)
    assert not out.exists()


def test_unwritable_output_gives_one_line(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root writes anywhere it may; /proc refuses even root
            out, message = Path("/proc/gru-viz-figure.html"), "cannot write /proc/gru-viz"
        else:
            out, message = locked / "x.html", "not writable"
        assert main(["figure", "5", "3", "--view", "saturation", "-o", str(out)]) == 2
        assert message in one_line_error(capsys)
    finally:
        locked.chmod(0o700)


def test_machine_as_an_image_without_graphviz_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(export, "dot_renderer", lambda: None)
    assert main(["figure", "5", "3", "--view", "machine", "--format", "svg"]) == 2
    error = one_line_error(capsys)
    assert "no DOT renderer" in error and "--format dot" in error


def test_no_chromium_gives_one_line_with_how_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no chromium on it
    assert main(["figure", "5", "3", "--format", "png", "-o", str(tmp_path / "x.png")]) == 2
    error = one_line_error(capsys)
    assert "no Chrome or Chromium" in error and "apt-get install chromium" in error
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "missing-chrome"))
    assert main(["figure", "5", "3", "--format", "svg", "-o", str(tmp_path / "x.svg")]) == 2
    assert "no Chrome or Chromium" in one_line_error(capsys)


def test_no_chromium_from_a_shell_has_no_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BROWSER_PATH"}
    env.update(PATH=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-m", "gru_viz", "figure", "1", "2", "-o", str(tmp_path / "x.png")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "apt-get install chromium" in done.stderr and "Traceback" not in done.stderr


def test_all_writes_one_file_per_view(tmp_path, capsys):
    model = tmp_path / "small.npz"
    train = ["train", "--steps", "30", "--seed", "1", "--hidden-size", "4", "--quiet"]
    assert main([*train, "-o", str(model)]) == 0  # writes small.replay.npz beside it
    folder = tmp_path / "slides"
    args = ["figure", "6", "7", "--all", "--format", "html", "--model", str(model)]
    assert main([*args, "--theme", "dark", "-o", str(folder)]) == 0
    names = sorted(p.name for p in folder.iterdir())
    machine = "machine.dot" if export.dot_renderer() is None else "machine.html"
    expected = [f"{v}.html" for v in export.view_names() if v != "machine"] + [machine]
    assert names == sorted(expected)
    assert DARK.background in (folder / "training.html").read_text()


def test_size_parsing():
    assert export.parse_size("1920x1080") == (1920, 1080)
    assert export.parse_size(" 800 X 600 ") == (800, 600)
    for bad in ("1920", "1920x", "x1080", "-5x10", "1e3x1e3", "99999x100"):
        with pytest.raises(export.ExportError):
            export.parse_size(bad)


def test_steps_view_is_an_html_file_that_plays(tmp_path, capsys):
    out = tmp_path / "steps.html"
    assert main(["figure", "1023", "1", "--view", "steps", "--theme", "dark", "-o", str(out)]) == 0
    html = out.read_text()
    assert "Plotly.addFrames" in html and "Plotly.newPlot" in html
    assert '"method":"animate"' in html.replace(" ", "")  # the play button and the slider
    assert "carry out 1" in html and DARK.background in html
    assert re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE) is None


def test_steps_view_is_html_by_default_and_refuses_still_formats(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["figure", "5", "3", "--view", "steps"]) == 0
    assert (tmp_path / "gru-viz-steps-5-plus-3.html").is_file()
    capsys.readouterr()
    assert main(["figure", "5", "3", "--view", "steps", "--format", "png"]) == 2
    assert "animation with a play button and is written as HTML only" in one_line_error(capsys)
    assert export.file_format("steps", "png") == "html"  # --all writes it as HTML


def test_a_figure_chromium_fails_to_draw_once_is_drawn_again(monkeypatch):
    """A busy machine: kaleido asks a tab to draw before its script loaded. The export is
    drawn again instead of failing; a browser that keeps failing is one clear error."""
    import plotly.io as pio

    monkeypatch.setattr(export, "require_browser", lambda: "/usr/bin/chromium")
    calls = []

    def flaky(fig, **kwargs):
        calls.append(kwargs["format"])
        if len(calls) == 1:
            raise RuntimeError("ReferenceError: kaleido_scopes is not defined\n    at <anonymous>")
        return b"\x89PNG drawn"

    monkeypatch.setattr(pio, "to_image", flaky)
    figure = go.Figure(go.Heatmap(z=[[0, 1], [1, 0]]))
    assert export.static_image(figure, "png", (640, 360)) == b"\x89PNG drawn"
    assert calls == ["png", "png"]

    def broken(fig, **kwargs):
        raise RuntimeError("Chromium exited\nmore detail")

    monkeypatch.setattr(pio, "to_image", broken)
    with pytest.raises(export.ExportError, match=r"could not draw the figure: Chromium exited$"):
        export.static_image(figure, "png", (640, 360))
