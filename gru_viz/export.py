"""Figures for slides: any view of one addition as PNG, SVG, PDF, HTML or DOT, drawn by the same
views as the explorer (gru_viz.views; `python -m gru_viz figure`).

Pure functions: `build_figure` makes a view's figure (a Plotly figure, or DOT text for the
machine), `write_figure` writes one in a format, `export_all` every view into a folder. Every
problem raises ExportError (a ValueError) with a one-line message.

PNG, SVG and PDF are drawn by Plotly's kaleido in a headless Chrome or Chromium (BROWSER_PATH,
else `chromium` on PATH). SVG is vector: each heatmap's raster image is replaced by one <rect>
per cell, up to MAX_VECTOR_CELLS cells in the figure; above that the heatmaps stay raster images
inside the SVG. HTML is self-contained (plotly.js inlined) and needs no browser to write;
"steps", the step-through with a play button, is written as HTML only. The machine is
Graphviz DOT: written as text for `dot`, and as SVG, PNG, PDF or HTML only where
Graphviz's `dot` is installed.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import warnings
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import plotly.graph_objects as go

from gru_viz.analyses import Analyses, Compute
from gru_viz.figures.style import MAX_VECTOR_CELLS
from gru_viz.figures.theme import LIGHT, Theme
from gru_viz.views.view import ANIMATION, DOT

FORMATS = ("png", "svg", "pdf", "html", "dot")
STATIC = ("png", "svg", "pdf")  # drawn in Chromium
DEFAULT_SIZE = (1920, 1080)  # 16:9 slides
SIZE_LIMITS = (200, 8000)  # pixels, each side
SLIDE_FONT_SIZE = 16  # static figures are read from across a room
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_BROWSER = "install it with `apt-get install chromium` or set BROWSER_PATH to a Chrome"


class ExportError(ValueError):
    """A figure cannot be made or written; the message is one line."""


# CHOICES


def parse_size(text: str) -> tuple[int, int]:
    """ "1920x1080" -> (1920, 1080); each side SIZE_LIMITS[0] to SIZE_LIMITS[1] pixels."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
    if not match:
        raise ExportError(f"size must be WIDTHxHEIGHT in pixels, such as 1920x1080; got {text!r}")
    width, height = int(match[1]), int(match[2])
    low, high = SIZE_LIMITS
    if not (low <= width <= high and low <= height <= high):
        raise ExportError(f"size must be {low} to {high} pixels each way; got {width}x{height}")
    return width, height


def views_registry() -> dict:
    from gru_viz.views import VIEWS

    return VIEWS


def view_names() -> tuple[str, ...]:
    """Every view's name, as `--view` takes it (gru_viz.views.VIEWS)."""
    return tuple(views_registry())


def check_view(view: str) -> str:
    if view not in views_registry():
        raise ExportError(f"view must be one of {', '.join(view_names())}; got {view!r}")
    return view


def kind_of(view: str) -> str:
    """What `view` is drawn as: a Plotly figure, a figure that plays, or DOT."""
    return views_registry()[view].kind


def check_format(fmt: str, view: str | None = None) -> str:
    """`fmt`, or ExportError if it is unknown or cannot be made for `view` here."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    kind = None if view is None else kind_of(view)
    if kind is not None and kind != DOT and fmt == "dot":
        raise ExportError(f"--format dot is for the machine view only; {view} is a Plotly figure")
    if kind == ANIMATION and fmt != "html":
        raise ExportError(
            f"the {view} view is an animation with a play button and is written as HTML only; "
            "use --format html"
        )
    if kind == DOT and fmt != "dot" and dot_renderer() is None:
        raise ExportError(
            f"cannot draw the machine as {fmt}: it is Graphviz DOT and no DOT renderer is "
            "installed (Graphviz's `dot`, apt-get install graphviz); use --format dot"
        )
    return fmt


def find_browser(environ: dict[str, str] | None = None) -> str | None:
    """The Chrome or Chromium kaleido will use: BROWSER_PATH if it names a program, else the
    first of BROWSERS on PATH; None if there is none."""
    env = os.environ if environ is None else environ
    named = env.get("BROWSER_PATH")
    if named:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    for name in BROWSERS:
        found = shutil.which(name, path=env.get("PATH", ""))
        if found:
            return found
    return None


def require_browser(environ: dict[str, str] | None = None) -> str:
    browser = find_browser(environ)
    if browser is None:
        raise ExportError(
            "no Chrome or Chromium found (BROWSER_PATH, or chromium on PATH) to draw PNG, SVG "
            f"or PDF: {INSTALL_BROWSER}; --format html needs none"
        )
    return browser


@contextmanager
def browser_path(browser: str):
    """BROWSER_PATH set to `browser` for kaleido (its choreographer reads it), then restored."""
    before = os.environ.get("BROWSER_PATH")
    os.environ["BROWSER_PATH"] = browser
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("BROWSER_PATH", None)
        else:
            os.environ["BROWSER_PATH"] = before


@contextmanager
def kept_browser():
    """One Chromium kept open for kaleido while the block runs (each figure then takes well
    under a second instead of a browser's start, about 3 s); nothing where there is none."""
    import kaleido

    browser = find_browser()
    if browser is None:
        yield
        return
    with browser_path(browser):
        kaleido.start_sync_server(silence_warnings=True)
    try:
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def dot_renderer() -> str | None:
    """Graphviz's `dot` program, if installed."""
    return shutil.which("dot")


def check_output(path: Path, folder: bool = False) -> Path:
    """ExportError, before any work, if `path` (a file, or a folder to make) cannot be written."""
    if folder:
        if path.exists() and not path.is_dir():
            raise ExportError(f"cannot write into {path}: it is a file, not a folder")
        parent = path if path.is_dir() else path.parent
    else:
        if path.is_dir():
            raise ExportError(f"cannot write {path}: it is a folder; name a file in it")
        parent = path.parent
    if not parent.is_dir():
        raise ExportError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ExportError(f"cannot write {path}: folder {parent} is not writable")
    return path


def default_format(view: str) -> str:
    """The format of `view` when neither --format nor the file's suffix names one."""
    return "html" if kind_of(view) == ANIMATION else "png"


def default_name(view: str, a: int, b: int, fmt: str) -> str:
    """The view's file name (gru-viz-VIEW-A-plus-B, or gru-viz-VIEW) with the extension."""
    return f"{views_registry()[view].file_name(a, b)}.{fmt}"


# BUILDING


def slide_theme(theme: Theme) -> Theme:
    """`theme` with the type of a static figure, read from across a room."""
    return replace(theme, font_size=SLIDE_FONT_SIZE)


def build_figure(
    model,
    a: int,
    b: int,
    view: str,
    theme: Theme = LIGHT,
    model_path: Path | None = None,
    analyses: Analyses | None = None,
) -> go.Figure | str:
    """The figure the explorer draws for `view` of a + b with `model` (loaded from
    `model_path`, whose training record, if any, lies beside it), in `theme`: a Plotly figure,
    or DOT text for the machine. ExportError if the view cannot be drawn for this model."""
    from gru_viz.sources import from_file
    from gru_viz.views import ViewError

    chosen = views_registry()[check_view(view)]
    try:
        return chosen.build(from_file(model, model_path), a, b, theme, analyses or Compute())
    except ViewError as error:
        raise ExportError(str(error)) from None


# WRITING


def figure_html(fig: go.Figure) -> str:
    """The figure as one self-contained, interactive HTML file (plotly.js inside)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False)


def write_figure(
    figure: go.Figure | str, path: Path, fmt: str, size: tuple[int, int] = DEFAULT_SIZE
) -> Path:
    """Write `figure` to `path` as `fmt`: HTML self-contained, PNG at `size` pixels, SVG
    vector (see MAX_VECTOR_CELLS), PDF; DOT text (the machine) as dot, or through Graphviz.
    A static figure is drawn as it is: build it in `slide_theme` for a slide."""
    path = Path(path)
    if isinstance(figure, str):
        data = dot_output(figure, fmt)
    elif fmt == "dot":
        raise ExportError("--format dot is for the machine view only")
    elif fmt == "html":
        data = figure_html(figure).encode()
    elif fmt in STATIC:
        data = static_image(figure, fmt, size)
    else:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    try:
        path.write_bytes(data)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from None
    return path


# A figure is drawn again once if Chromium fails: on a loaded machine kaleido sometimes asks a
# fresh tab to draw before its script has loaded ("kaleido_scopes is not defined").
DRAW_ATTEMPTS = 2


def static_image(fig: go.Figure, fmt: str, size: tuple[int, int] = DEFAULT_SIZE) -> bytes:
    """`fig` drawn by kaleido as png, svg (vector heatmaps) or pdf at `size` pixels; the
    gates of one addition laid out to fill a slide (figures.slide_layout)."""
    import plotly.io as pio

    from gru_viz.figures import slide_layout

    browser = require_browser()
    fig = go.Figure(slide_layout(fig, size))  # a copy: the caller's figure stays as it is
    width, height = size
    fig.update_layout(width=width, height=height)
    for attempt in range(DRAW_ATTEMPTS):
        try:
            with warnings.catch_warnings(), browser_path(browser):
                warnings.simplefilter("ignore", UserWarning)  # "kopts ignored": none are given
                data = pio.to_image(fig, format=fmt, width=width, height=height, scale=1)
            break
        except Exception as error:  # kaleido and Chromium fail in many ways; say it in one line
            if attempt + 1 < DRAW_ATTEMPTS:
                continue  # a busy machine can ask a tab before kaleido's script has loaded
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise ExportError(f"Chromium ({browser}) could not draw the figure: {first}") from None
    if fmt == "svg":
        return vector_heatmaps(data.decode(), fig).encode()
    return data


def dot_output(dot: str, fmt: str) -> bytes:
    if fmt == "dot":
        return dot.encode()
    check_format(fmt, "machine")
    program = dot_renderer()
    kind = "svg" if fmt == "html" else fmt
    try:
        done = subprocess.run(
            [program, f"-T{kind}"], input=dot.encode(), capture_output=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ExportError(f"Graphviz could not draw the machine: {error}") from None
    if done.returncode != 0:
        first = (done.stderr.decode(errors="replace").strip().splitlines() or ["failed"])[0]
        raise ExportError(f"Graphviz could not draw the machine: {first}")
    if fmt == "html":
        return b"<!DOCTYPE html><html><body>" + done.stdout + b"</body></html>"
    return done.stdout


# SVG: heatmaps as rectangles

_IMAGE = re.compile(r"<image\b[^>]*?(?:/>|>\s*</image>)")


def _attribute(element: str, name: str) -> str | None:
    match = re.search(rf'\s{re.escape(name)}="([^"]*)"', element)
    return match[1] if match else None


def vector_heatmaps(svg: str, fig: go.Figure, max_cells: int = MAX_VECTOR_CELLS) -> str:
    """`svg` (Plotly's, of `fig`) with each heatmap's raster <image> replaced by one <rect> per
    cell in the colour Plotly drew it, if the heatmaps show at most `max_cells` cells in all
    and every image matches a heatmap; else `svg` unchanged (raster images inside it)."""
    from PIL import Image

    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    images = list(_IMAGE.finditer(svg))
    if not heatmaps or len(images) != len(heatmaps):
        return svg
    grids = [_visible_grid(fig, trace) for trace in heatmaps]
    if any(g is None for g in grids) or sum(c * r for c, r, _, _ in grids) > max_cells:
        return svg
    pieces, last = [], 0
    for match, (cols, rows, xgap, ygap) in zip(images, grids):
        element = match[0]
        href = _attribute(element, "xlink:href") or _attribute(element, "href") or ""
        if not href.startswith("data:image/png;base64,"):
            return svg
        picture = Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))).convert("RGBA")
        x, y = float(_attribute(element, "x") or 0), float(_attribute(element, "y") or 0)
        width, height = float(_attribute(element, "width")), float(_attribute(element, "height"))
        cell_w, cell_h = width / cols, height / rows
        rect_w, rect_h = max(cell_w - xgap, 0.01), max(cell_h - ygap, 0.01)
        rects = []
        for j in range(rows):
            for i in range(cols):
                px = min(int((i + 0.5) * picture.width / cols), picture.width - 1)
                py = min(int((j + 0.5) * picture.height / rows), picture.height - 1)
                r, g, b, alpha = picture.getpixel((px, py))
                if alpha == 0:
                    continue
                left, top = x + i * cell_w + xgap / 2, y + j * cell_h + ygap / 2
                rects.append(
                    f'<rect x="{left:.2f}" y="{top:.2f}" width="{rect_w:.2f}" '
                    f'height="{rect_h:.2f}" fill="#{r:02x}{g:02x}{b:02x}"/>'
                )
        group = f'<g class="gv-cells" shape-rendering="crispEdges">{"".join(rects)}</g>'
        pieces += [svg[last : match.start()], group]
        last = match.end()
    return "".join(pieces) + svg[last:]


def _visible_grid(fig: go.Figure, trace) -> tuple[int, int, float, float] | None:
    """(columns, rows, xgap, ygap) of the heatmap's cells inside its x axis's range (the
    image Plotly draws covers only those), or None if the range is not on cell edges."""
    import numpy as np

    z = np.asarray(trace.z)
    if z.ndim != 2:
        return None
    rows, cols = z.shape
    axis = fig.layout["xaxis" + (trace.xaxis or "x")[1:]]
    first = float(trace.x0 or 0) if trace.x is None else None
    if first is None:
        return None
    low, high = first - 0.5, first + cols - 0.5
    if axis.range is not None:
        low, high = max(low, min(axis.range)), min(high, max(axis.range))
    visible = high - low
    if visible <= 0 or abs(visible - round(visible)) > 1e-6:
        return None
    return int(round(visible)), rows, float(trace.xgap or 0), float(trace.ygap or 0)


# EVERYTHING AT ONCE


def file_format(view: str, fmt: str) -> str:
    """The format `view` is written in by export_all: the machine falls back to dot where no
    DOT renderer is installed, animations to html, and the others to html when asked for dot."""
    kind = kind_of(view)
    if kind == ANIMATION:
        return "html"
    if kind == DOT and fmt != "dot" and dot_renderer() is None:
        return "dot"
    if kind != DOT and fmt == "dot":
        return "html"
    return fmt


def export_all(
    model,
    a: int,
    b: int,
    folder: Path,
    fmt: str,
    size: tuple[int, int] = DEFAULT_SIZE,
    theme: Theme = LIGHT,
    model_path: Path | None = None,
    views: tuple[str, ...] | None = None,
) -> tuple[list[Path], list[str]]:
    """Every view of a + b into `folder` (made if missing), one file VIEW.EXT each; returns
    the files written and notes on views skipped or written in another format. Static
    formats share one Chromium."""
    folder = Path(folder)
    views = view_names() if views is None else views
    check_output(folder, folder=True)
    if any(file_format(v, fmt) in STATIC for v in views):
        require_browser()
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot make folder {folder}: {error.strerror or error}") from None
    written, notes = [], []
    analyses = Compute()  # each analysis once for all the views
    server = fmt in STATIC and len(views) > 1
    if server:
        import kaleido

        with browser_path(require_browser()):
            kaleido.start_sync_server(silence_warnings=True)
    try:
        for view in views:
            kind = file_format(view, fmt)
            if kind != fmt:
                notes.append(f"{view} written as {kind} ({fmt} is not possible for it here)")
            try:
                look = slide_theme(theme) if kind in STATIC else theme
                figure = build_figure(model, a, b, view, look, model_path, analyses)
            except ExportError as error:
                if view != "training":
                    raise
                notes.append(f"{view} skipped: {error}")
                continue
            path = folder / f"{view}.{kind}"
            written.append(write_figure(figure, path, kind, size))
    finally:
        if server:
            kaleido.stop_sync_server(silence_warnings=True)
    return written, notes
