"""Any view in a notebook: `gru_viz.show(a, b, view="gates")` returns the figure the page and
`python -m gru_viz figure` draw, from the same registry (gru_viz.views.VIEWS)."""

from __future__ import annotations

import os

from gru_viz.analyses import Compute
from gru_viz.figures import get_theme


def show(
    a: int,
    b: int,
    view: str = "gates",
    model: object | None = None,
    theme: str = "light",
    **options,
):
    """The figure of `view` for a + b: a Plotly figure (display it by leaving it last in a cell)
    or, for the machine, Graphviz DOT text. `model` is an AdditionModel (gru_viz.load_model) or
    the path of a model file; default the shipped model. `options` are the view's own (see its
    build in gru_viz/views/). ValueError names a bad view, theme or number."""
    from gru_viz.checkpoint import DEFAULT_PATH
    from gru_viz.sources import from_file
    from gru_viz.views import get_view

    chosen = get_view(view)
    look = get_theme(theme)
    path = DEFAULT_PATH
    if model is None or isinstance(model, (str, os.PathLike)):
        from gru_viz.model import load_model

        path = model or DEFAULT_PATH
        model = load_model(path)
    return chosen.build(from_file(model, path), a, b, look, Compute(), **options)
