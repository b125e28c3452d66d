"""What every figure shares: colours, export settings and Plotly's config."""

from __future__ import annotations

IMAGE_SCALE = 4  # PNG export: 4x the on-screen size


def plot_config(filename: str, image_format: str = "png") -> dict:
    """Plotly's config for st.plotly_chart: the camera button saves `filename` as a PNG at
    IMAGE_SCALE times the size on screen, or as an SVG."""
    if image_format not in ("png", "svg"):
        raise ValueError(f"image_format must be 'png' or 'svg'; got {image_format!r}")
    return {
        "displaylogo": False,
        "scrollZoom": False,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
        "toImageButtonOptions": {
            "format": image_format,
            "filename": filename,
            "scale": IMAGE_SCALE if image_format == "png" else 1,
        },
    }
