"""Figures made of plain dicts: `from_spec(spec)` makes one without validating it again, and
builds Plotly's property objects only when something reads or changes the figure through them.

A figure redrawn on every edit (the gates of the page's sum) goes from its dict to Streamlit's
JSON: Streamlit asks a figure for `to_dict()`, which a figure of a dict answers from the dict,
as Plotly's own would (its default template added, arrays as base64), without building the
objects (about 2 ms of every edit) and copying them back (about 1.4 ms).
"""

from __future__ import annotations

import base64
import copy
import functools
import threading

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.basevalidators import is_homogeneous_array
from _plotly_utils.utils import is_skipped_key, plotlyjsShortTypes, to_typed_array_spec

_BUILDING = threading.RLock()  # held while a SpecFigure builds its Plotly objects


class SpecFigure(go.Figure):
    """A go.Figure of a dict that came from a valid figure. Its Plotly objects are built, once
    and unvalidated, the first time anything looks for them (`fig.layout`, `fig.data`, an
    update); until then it keeps the dict (which it never changes) and `to_dict()`,
    `layout_of()` and `plain()` read that."""

    def __init__(self, spec: dict) -> None:  # (go.Figure.__init__ runs when it is needed)
        object.__setattr__(self, "_spec", spec)

    def __getattr__(self, name: str):
        # Reached only for an attribute the figure does not have: before its objects are
        # built, Plotly's own state (fig.layout reads self._layout_obj, and so on). One thread
        # builds them; another asking meanwhile waits for it.
        state = self.__dict__
        with _BUILDING:
            spec = state.get("_spec")
            if spec is not None and not state.get("_building"):
                state["_building"] = True  # (Plotly's __init__ looks for attributes too)
                try:
                    go.Figure.__init__(self, spec, _validate=False)
                    state["_spec"] = None
                finally:
                    state["_building"] = False
                return getattr(self, name)
        return object.__getattribute__(self, name)  # AttributeError if it has none

    def unbuilt(self) -> dict | None:
        """The dict, while the Plotly objects have not been built (and so nothing changed it)."""
        return self.__dict__.get("_spec")

    def to_dict(self) -> dict:
        spec = self.unbuilt()
        if spec is None:
            return super().to_dict()
        return _with_template(spec, _drawn)


def from_spec(spec: dict) -> go.Figure:
    """A figure of a dict that came from a valid figure (a SpecFigure: see above)."""
    return SpecFigure(spec)


def layout_of(fig: go.Figure) -> dict:
    """The figure's layout as a dict (not a copy while a SpecFigure is unbuilt: do not change
    it), without building Plotly's objects."""
    spec = fig.unbuilt() if isinstance(fig, SpecFigure) else None
    if spec is not None:
        return spec.get("layout") or {}
    return fig.layout.to_plotly_json()


def plain(fig: go.Figure) -> dict:
    """A deep copy of `fig` as plain dicts and lists, its arrays still numpy arrays."""
    spec = fig.unbuilt() if isinstance(fig, SpecFigure) else None
    if spec is not None:
        return _with_template(spec)
    spec = {
        "data": [trace.to_plotly_json() for trace in fig.data],
        "layout": fig.layout.to_plotly_json(),
    }
    if fig.frames:
        spec["frames"] = [frame.to_plotly_json() for frame in fig.frames]
    return spec


def _drawn(value, key: str | None = None):
    """A copy of `value` (under `key` in a dict) as Plotly's to_dict gives it: every dict and
    list copied, numpy arrays that are a dict's values as base64 typed arrays (plotly.js reads
    them without parsing numbers), nothing converted under the keys Plotly skips. Plotly's own
    walk (convert_to_base64) asks of every number and string whether it is an array."""
    if isinstance(value, _SCALARS):
        return value
    if key is not None and is_skipped_key(key):
        return copy.deepcopy(value)
    if isinstance(value, dict):
        return {k: _drawn(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_drawn(v) for v in value]
    if key is None:
        return value
    if isinstance(value, np.ndarray) and value.size and value.dtype.isnative:
        if value.dtype.name in plotlyjsShortTypes:  # (int64 and the like: Plotly narrows them)
            return _typed_array(value)
    if is_homogeneous_array(value):
        return to_typed_array_spec(value)
    return value


_SCALARS = (str, int, float, bool, type(None))


def _typed_array(value: np.ndarray) -> dict:
    """A numpy array of a type plotly.js reads as a typed array, as Plotly writes it: its bytes
    in base64, its type and its shape (about a tenth of Plotly's cost, which first looks for
    every kind of data frame)."""
    spec = {
        "dtype": plotlyjsShortTypes[value.dtype.name],
        "bdata": base64.b64encode(np.ascontiguousarray(value)).decode("ascii"),
    }
    if value.ndim > 1:
        spec["shape"] = str(value.shape)[1:-1]
    return spec


def _with_template(spec: dict, copy_parts=copy.deepcopy) -> dict:
    """`spec`'s parts copied by `copy_parts` as Plotly's to_dict gives them: data and layout
    always, frames if any, and Plotly's default template in the layout unless it names one
    (as go.Figure puts it there)."""
    out = {
        "data": copy_parts(spec.get("data") or []),
        "layout": copy_parts(spec.get("layout") or {}),
    }
    if spec.get("frames"):
        out["frames"] = copy_parts(spec["frames"])
    layout = out["layout"]
    if layout.get("template") is None and pio.templates.default is not None:
        layout["template"] = _drawn(_template_dict(pio.templates.default))
    return out


def _template_dict(default) -> dict:
    """Plotly's default template (a name or a template object) as a dict: read only."""
    return _named_template(default) if isinstance(default, str) else default.to_plotly_json()


@functools.cache
def _named_template(name: str) -> dict:
    return pio.templates[name].to_plotly_json()
