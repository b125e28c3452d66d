"""A deck for the talk: the story's steps (gru_viz.story) as 16:9 slides, drawn from the chosen
model, as one self-contained HTML file (`python -m gru_viz deck -o talk.html`: interactive
figures, the arrow keys move) or a PDF with one page per slide and its fonts embedded
(`-o talk.pdf`: printed by Chromium, figures as vector SVG).

A step that asks a question is two slides: the question, then the model's answer with the
figure. Slides are SLIDE_SIZE pixels, text at least MIN_TEXT_PX.
"""

from __future__ import annotations

import html
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gru_viz import story
from gru_viz.analyses import Compute
from gru_viz.export import (
    ExportError,
    browser_path,
    dot_output,
    dot_renderer,
    require_browser,
    slide_theme,
    static_image,
)
from gru_viz.figures import LIGHT, Theme, fit_to_aspect
from gru_viz.views import VIEWS

SLIDE_SIZE = (1280, 720)  # pixels, 16:9
FIGURE_SIZE = (1184, 470)  # the figure's box on a slide with a title and a few lines
MIN_TEXT_PX = 16  # the smallest text on a slide (figures are drawn at slide_theme's size)
FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class Slide:
    """One slide: a title, lines of text, and a figure (HTML of it), if it has one."""

    title: str
    lines: tuple[str, ...]
    figure: str = ""


def slides(cast: story.Cast, theme: Theme = LIGHT, static: bool = False) -> list[Slide]:
    """The story as slides for `cast`, in `theme`: figures interactive (Plotly's JSON, drawn by
    plotly.js in the page) or, if `static`, vector SVG drawn now."""
    analyses, look = Compute(), slide_theme(theme)
    out = []
    for i in range(len(story.STEPS)):
        step = story.step(i, cast, analyses)
        title = f"{i + 1}. {step.title}"
        active = cast.active(step.model)
        drawn = VIEWS[step.view].build(active, step.a, step.b, look, analyses, **step.options)
        if step.view in ("gates", "states"):  # stacked heatmaps: laid out to the slide's box
            drawn = fit_to_aspect(drawn, FIGURE_SIZE[0] / FIGURE_SIZE[1], FIGURE_SIZE[0])
        figure = _figure_html(drawn, f"figure-{i}", static)
        if step.question is None:
            out.append(Slide(title, step.words, figure))
            continue
        choices = " · ".join(step.question.choices[:6])
        more = " ..." if len(step.question.choices) > 6 else ""
        asked = (*step.words, f"Your guess: {step.question.prompt}", f"{choices}{more}")
        out.append(Slide(title, asked))
        out.append(Slide(f"{title}: the model's answer", (step.question.said,), figure))
    return out


def _figure_html(drawn: object, element: str, static: bool) -> str:
    if isinstance(drawn, str):  # DOT: drawn by Graphviz where it is installed
        if dot_renderer() is None:
            return "<p class='note'>(The machine is drawn where Graphviz is installed.)</p>"
        return dot_output(drawn, "svg").decode()
    width, height = FIGURE_SIZE
    if static:
        return static_image(drawn, "svg", FIGURE_SIZE).decode()
    spec = drawn.to_plotly_json()
    spec["layout"].update(width=width, height=height)
    data = json.dumps(spec, cls=_PlotlyEncoder)
    return (
        f"<div id='{element}' style='width:{width}px;height:{height}px'></div>"
        f"<script>(function(){{var f={data};Plotly.newPlot('{element}',f.data,f.layout,"
        "{displaylogo:false,responsive:false});})();</script>"
    )


class _PlotlyEncoder(json.JSONEncoder):
    def default(self, value):
        from plotly.utils import PlotlyJSONEncoder

        return PlotlyJSONEncoder().default(value)


def page(slides_: list[Slide], theme: Theme = LIGHT, interactive: bool = True) -> str:
    """The slides as one HTML document: one slide on screen at a time (arrow keys, space and
    clicks move), every slide on its own page when printed."""
    width, height = SLIDE_SIZE
    plotly = ""
    if interactive:
        from plotly.offline import get_plotlyjs

        plotly = f"<script>{get_plotlyjs()}</script>"
    body = "\n".join(
        f"<section class='slide' id='slide-{n}'><h1>{html.escape(s.title)}</h1>"
        + "".join(f"<p>{html.escape(line)}</p>" for line in s.lines)
        + (f"<div class='figure'>{s.figure}</div>" if s.figure else "")
        + f"<footer>{n + 1} / {len(slides_)}</footer></section>"
        for n, s in enumerate(slides_)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>How a GRU learns to add</title>{plotly}
<style>
@page {{ size: {width}px {height}px; margin: 0; }}
html, body {{ margin: 0; background: {theme.background}; color: {theme.text};
  font-family: {theme.font_family}; }}
.slide {{ box-sizing: border-box; width: {width}px; height: {height}px; padding: 28px 48px;
  position: relative; overflow: hidden; display: none; break-after: page; }}
.slide.on {{ display: block; }}
@media print {{ .slide {{ display: block; }} }}
h1 {{ font-size: 34px; margin: 0 0 12px 0; }}
p {{ font-size: 21px; line-height: 1.35; margin: 0 0 8px 0; }}
p.note, footer {{ color: {theme.muted}; font-size: {MIN_TEXT_PX}px; }}
footer {{ position: absolute; right: 48px; bottom: 14px; }}
.figure svg {{ max-width: 100%; max-height: {FIGURE_SIZE[1]}px; }}
</style></head>
<body>
{body}
<script>
const slides = [...document.querySelectorAll('.slide')];
let at = Math.max(0, slides.findIndex((s) => '#' + s.id === location.hash));
function show(n) {{
  at = Math.min(Math.max(n, 0), slides.length - 1);
  slides.forEach((s, i) => s.classList.toggle('on', i === at));
  history.replaceState(null, '', '#' + slides[at].id);
}}
document.addEventListener('keydown', (e) => {{
  if (['ArrowRight', 'PageDown', ' '].includes(e.key)) show(at + 1);
  if (['ArrowLeft', 'PageUp'].includes(e.key)) show(at - 1);
}});
document.addEventListener('click', () => show(at + 1));
show(at);
</script>
</body></html>
"""


def write_deck(cast: story.Cast, path: Path, fmt: str, theme: Theme = LIGHT) -> Path:
    """Write the deck for `cast` to `path` as `fmt` ("html" or "pdf")."""
    if fmt not in FORMATS:
        raise ExportError(f"a deck is written as {' or '.join(FORMATS)}; got {fmt!r}")
    if fmt == "html":
        data = page(slides(cast, theme), theme)
        Path(path).write_text(data, encoding="utf-8")
        return Path(path)
    require_browser()
    data = page(slides(cast, theme, static=True), theme, interactive=False)
    print_pdf(data, Path(path))
    return Path(path)


def print_pdf(document: str, path: Path) -> None:
    """Chromium prints the HTML `document` to a PDF at `path`, one page per slide."""
    browser = require_browser()
    with tempfile.TemporaryDirectory(prefix="gru-viz-deck-") as folder:
        source = Path(folder) / "deck.html"
        source.write_text(document, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--no-pdf-header-footer",
            f"--print-to-pdf={path.resolve()}",
            source.as_uri(),
        ]
        try:
            with browser_path(browser):
                done = subprocess.run(command, capture_output=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ExportError(f"Chromium could not print the deck: {error}") from None
    if done.returncode != 0 or not path.is_file():
        first = (done.stderr.decode(errors="replace").strip().splitlines() or ["failed"])[-1]
        raise ExportError(f"Chromium could not print the deck: {first}")
