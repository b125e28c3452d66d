"""What every figure shares: export settings, Plotly's config, and room for text in pixels."""

from __future__ import annotations

import math
from collections.abc import Sequence

IMAGE_SCALE = 1  # the camera's PNG is drawn at SLIDE_SIZE itself
SLIDE_SIZE = (1920, 1080)  # pixels: what the camera button saves, 16:9 for a slide
MAX_VECTOR_CELLS = 20_000  # heatmap cells drawn as <rect> in an SVG; above, a raster image


def plot_config(filename: str, image_format: str = "png") -> dict:
    """Plotly's config for st.plotly_chart: the camera button saves `filename` at slide size
    (SLIDE_SIZE, 16:9) as a PNG or as an SVG."""
    if image_format not in ("png", "svg"):
        raise ValueError(f"image_format must be 'png' or 'svg'; got {image_format!r}")
    return {
        "displaylogo": False,
        "scrollZoom": False,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
        "toImageButtonOptions": {
            "format": image_format,
            "filename": filename,
            "width": SLIDE_SIZE[0],
            "height": SLIDE_SIZE[1],
            "scale": IMAGE_SCALE,
        },
    }


def translucent(colour: str, alpha: float = 0.15) -> str:
    """A "#rrggbb" colour as rgba with the given opacity, for bands and filled shapes."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


# LAYOUT IN PIXELS: text keeps its room at any width and any type size

MODEBAR_PX = 28  # the strip at the top where Plotly's toolbar shows; titles sit under it


def line_px(font_size: float) -> int:
    """Pixels one line of text of `font_size` takes, leading included."""
    return math.ceil(1.35 * font_size)


def axis_px(font_size: float, titled: bool = True) -> int:
    """Pixels under a plot for its x tick labels and, if `titled`, the axis title under them."""
    return line_px(font_size) + 8 + (line_px(font_size) + 6 if titled else 0)


def stacked(heights: Sequence[float], gaps: Sequence[float]) -> tuple[list[list[float]], float]:
    """Paper domains (bottom, top) of plots `heights` px tall stacked top to bottom, `gaps[i]`
    px above plot i; and the height in px of them all."""
    total = sum(heights) + sum(gaps)
    domains, top = [], total
    for height, gap in zip(heights, gaps):
        top -= gap
        domains.append([(top - height) / total, top / total])
        top -= height
    return domains, total


def legend_below(plot_px: float, drop_px: float) -> dict:
    """A legend of one entry per line under the plots (`plot_px` tall), `drop_px` below their
    bottom edge (room for the last x axis), left-aligned."""
    return dict(
        orientation="v", x=0, xanchor="left", y=-drop_px / plot_px, yanchor="top", tracegroupgap=0
    )


def legend_px(entries: int, font_size: float) -> int:
    """Pixels a legend of `entries` lines takes."""
    return entries * (line_px(font_size) + 2) + 6


def panel_title(text: str, top: float, font_size: float) -> dict:
    """A plot's title as an annotation just above its top edge (`top`, paper), left-aligned."""
    return dict(
        text=text,
        x=0,
        y=top,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=font_size),
    )
