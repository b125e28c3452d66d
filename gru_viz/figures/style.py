"""What every figure shares: colours, export settings and Plotly's config."""

from __future__ import annotations

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
