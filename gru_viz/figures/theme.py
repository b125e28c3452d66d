"""Light and dark themes for every figure: Plotly figures (`themed`), the bit table's HTML
(`table_css`) and the machine's DOT (`dot_colours`, `dot_points`).

Figure functions take `theme=` (LIGHT by default) and end with `themed(fig, theme)`; `themed`
also applies a theme to any figure after it is built, so a page or a slide can switch it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import plotly.graph_objects as go

from gru_viz.figures.spec import from_spec, plain

BASE_FONT_SIZE = 12  # the size the figures' explicit font sizes were chosen for
TRANSPARENT = "rgba(0,0,0,0)"


@dataclass(frozen=True)
class Theme:
    """Colours and type of one theme. `ink` draws neutral lines and markers (the loss, a path);
    `muted` secondary text and marks; the table_* colours the bit table."""

    name: str
    background: str  # the paper, around the plots
    plot_background: str  # inside the axes
    text: str
    grid: str
    font_size: int = BASE_FONT_SIZE
    font_family: str = '"Source Sans Pro", "Helvetica Neue", Helvetica, Arial, sans-serif'
    ink: str = "#3a4452"
    muted: str = "#666666"
    zero_line: str = "#c9ced6"
    accent: str = "#2f6db5"  # the project's blue
    highlight: str = "#d62728"  # wrong bits, the current path
    table_border: str = "#e3e6ea"
    table_header: str = "#f4f5f7"
    table_header_text: str = "#59606b"
    table_one: str = "#e8ebf0"
    table_wrong: str = "#f8d7da"
    table_wrong_text: str = "#842029"
    cursor: str = "#ff2d9b"
    bit_zero: str = "#eef0f3"  # the bit strip's cells
    bit_one: str = "#3a4452"
    band_alpha: float = 0.12  # opacity of a curve's interval band


LIGHT = Theme(
    name="light",
    background="#ffffff",  # the page's light background (.streamlit/config.toml, tested)
    plot_background="#ffffff",
    text="#31333f",  # Streamlit's light text
    grid="#eceef1",
)

DARK = Theme(
    name="dark",
    background="#171614",  # the page's dark background (.streamlit/config.toml, tested)
    plot_background="#171614",
    text="#edebe8",
    grid="#2c313a",
    ink="#d5dae1",
    muted="#a3a8b4",
    zero_line="#4a505c",
    accent="#6ea8ff",
    highlight="#ff4b4b",
    table_border="#31353f",
    table_header="#1a1d24",
    table_header_text="#a3a8b4",
    table_one="#2b3240",
    table_wrong="#5c1f24",
    table_wrong_text="#ffb3b8",
    bit_zero="#2a2c31",
    bit_one="#5a6f92",  # dark enough for white digits (5:1), apart from the zeros
    band_alpha=0.26,
)

THEMES = {theme.name: theme for theme in (LIGHT, DARK)}


def scaled(size: float, theme: Theme) -> int:
    """An explicit type size chosen at BASE_FONT_SIZE, as `themed` draws it in `theme`."""
    return round(size * theme.font_size / BASE_FONT_SIZE)


def get_theme(name: str) -> Theme:
    """THEMES[name], or ValueError naming the themes there are."""
    if name not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}; got {name!r}")
    return THEMES[name]


def themed(fig: go.Figure, theme: Theme) -> go.Figure:
    """`fig` in `theme`, as a new figure (`fig` itself is not changed): paper and plot
    background, the font's family, colour and size (explicit sizes scaled alike), axes, grids
    and zero lines, legend, annotations, colour bars and hover labels. Trace colours that carry
    data stay. Themed twice is themed once.

    The work is done on the figure's plain dict, not through Plotly's property objects (a
    hundred times slower), and the result is not validated again: `fig` already was."""
    return from_spec(theme_spec(plain(fig), theme))


def theme_spec(spec: dict, theme: Theme) -> dict:
    """The work of `themed`, in place on a figure's dict (`plain(fig)`); returns it."""
    layout = spec.setdefault("layout", {})
    font = layout.setdefault("font", {})
    scale = theme.font_size / (font.get("size") or BASE_FONT_SIZE)  # so themed twice is once
    layout["paper_bgcolor"] = theme.background
    layout["plot_bgcolor"] = theme.plot_background
    font.update(color=theme.text, size=theme.font_size, family=theme.font_family)
    legend = layout.setdefault("legend", {})
    legend["bgcolor"] = TRANSPARENT
    legend.setdefault("font", {})["color"] = theme.text
    layout.setdefault("hoverlabel", {}).setdefault("font", {})["family"] = theme.font_family
    title = layout.setdefault("title", {})
    _scale_size(title.setdefault("font", {}), scale)["color"] = theme.text
    axes = {"xaxis", "yaxis"} | {key for key in layout if _AXIS.fullmatch(key)}
    for key in sorted(axes):
        axis = layout.setdefault(key, {})
        axis.update(gridcolor=theme.grid, zerolinecolor=theme.zero_line, linecolor=theme.grid)
        axis["tickcolor"] = theme.grid
        axis.setdefault("title", {}).setdefault("font", {})["color"] = theme.text
        _scale_size(axis.setdefault("tickfont", {}), scale)["color"] = theme.text
    texts = {t.text for t in THEMES.values()} | {theme.text}  # a theme's text stays text
    for note in layout.get("annotations", ()):
        note_font = note.setdefault("font", {})
        secondary = note_font.get("color") not in (None, *texts)
        note_font["color"] = theme.muted if secondary else theme.text
        if note.get("arrowcolor") in (None, *{t.muted for t in THEMES.values()}):
            note["arrowcolor"] = theme.muted  # an arrow's own colour (data) stays
        _scale_size(note_font, scale)
    coloraxis = layout.get("coloraxis", {})
    if coloraxis.get("colorscale") is not None or coloraxis.get("colorbar", {}).get("title"):
        _colorbar(coloraxis.setdefault("colorbar", {}), theme)
    for trace in spec.get("data", ()):
        kind = trace.get("type", "scatter")
        if _has(kind, "colorbar") and trace.get("showscale") is not False:
            _colorbar(trace.setdefault("colorbar", {}), theme)
        if "textfont" in trace and trace["textfont"].get("size") is not None:
            _scale_size(trace["textfont"], scale)
    return spec


_AXIS = re.compile(r"[xy]axis\d*")


def _scale_size(font: dict, scale: float) -> dict:
    if font.get("size") is not None:
        font["size"] = round(font["size"] * scale)
    return font


def _colorbar(colorbar: dict, theme: Theme) -> None:
    colorbar.setdefault("tickfont", {})["color"] = theme.text
    colorbar.setdefault("title", {}).setdefault("font", {})["color"] = theme.text
    colorbar.update(bgcolor=TRANSPARENT, outlinecolor=theme.grid)


@functools.cache
def _has(trace_type: str, name: str) -> bool:
    """Whether traces of `trace_type` have the property `name` (e.g. a colour bar)."""
    return name in go.Figure({"data": [{"type": trace_type}]}).data[0]


def table_css(theme: Theme = LIGHT) -> str:
    """The bit table's <style>: its colours as CSS variables on .gv-bits, from `theme`, and
    its type a px above the theme's (the probabilities a px below it). Its blocks sit side by
    side and wrap (flex), so a narrow page stacks them instead of hiding columns."""
    return f"""
<style>
.gv-bits {{ --gv-border: {theme.table_border}; --gv-head: {theme.table_header};
  --gv-head-text: {theme.table_header_text}; --gv-text: {theme.text}; --gv-one: {theme.table_one};
  --gv-muted: {theme.muted}; --gv-wrong: {theme.table_wrong};
  --gv-wrong-text: {theme.table_wrong_text}; --gv-now: {theme.cursor};
  display: flex; flex-wrap: wrap; gap: 8px 14px; overflow-x: auto; padding-bottom: 4px;
  color: var(--gv-text); }}
.gv-bits table {{ border-collapse: collapse; font-family: ui-monospace, SFMono-Regular, Menlo,
  Consolas, monospace; font-size: {theme.font_size + 1}px; margin: 0; }}
.gv-bits th, .gv-bits td {{ border: 1px solid var(--gv-border); padding: 2px 4px;
  text-align: center; min-width: 1.3em; white-space: nowrap; }}
.gv-bits thead th {{ background: var(--gv-head); color: var(--gv-head-text); font-weight: 500; }}
.gv-bits tbody th {{ text-align: right; background: var(--gv-head); color: var(--gv-text);
  font-weight: 500; }}
.gv-bits td.one {{ background: var(--gv-one); }}
.gv-bits td.p {{ color: var(--gv-muted); font-size: {theme.font_size - 1}px; }}
.gv-bits td.wrong {{ background: var(--gv-wrong); color: var(--gv-wrong-text);
  font-weight: 700; }}
.gv-bits .now {{ outline: 2.5px solid var(--gv-now); outline-offset: -2px; }}
</style>
"""


def dot_points(theme: Theme = LIGHT) -> float:
    """The machine's type in points: at its natural size a Graphviz drawing shows it at
    `theme.font_size` px (a point is 4/3 px)."""
    return round(theme.font_size * 0.75, 1)


def dot_colours(theme: Theme = LIGHT, transparent: bool = True) -> dict[str, str]:
    """The `colours` of figures.machine.to_dot for `theme`; the background is transparent
    (the page's) unless `transparent` is False, for a file of its own."""
    return {
        "background": "transparent" if transparent else theme.background,
        "node": theme.ink,
        "font": theme.text,
        "edge": theme.muted,
        "highlight": theme.highlight,
    }
