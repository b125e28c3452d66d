"""How far it adds: exact sums against operand length (1 to 65,536 bits) on random operands and
on sums that carry all the way along, and against the longest carry chain, beside the shipped
models for reference."""

from __future__ import annotations

import plotly.graph_objects as go

from gru_viz import figures, length
from gru_viz.addition import AdditionModel
from gru_viz.analyses import Analyses, Analysis, Compute, NotReady
from gru_viz.figures import LIGHT, Theme
from gru_viz.sources import ActiveModel, curve_models, curve_references
from gru_viz.views.view import View
from gru_viz.why import longest_chain

LENGTH_CURVE = Analysis("how far it adds", length.length_curve, heavy=True, takes_progress=True)
QUICK_CURVE = Analysis(
    "how far it adds (quick)", length.quick_length_curve, heavy=True, takes_progress=True
)


def build(
    active: ActiveModel,
    a: int | None = None,
    b: int | None = None,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
    *,
    references: dict[str, AdditionModel] | None = None,
    main_name: str | None = None,
    mark_training: bool = True,
    quick: bool = False,
) -> go.Figure:
    """The length curves of the model (named `main_name` if given), of the model with all
    units on (if some are off), before its edits (if edited) and of each reference (default:
    the shipped models) that is not the same model, each with the length it was trained on
    marked (mark_training). `quick`: the quick curves (length.quick_length_curve) and no
    references. Curves still computing are left out, and the others are not asked for until
    the model's own is ready; NotReady if none is ready, or if one failed."""
    analyses = analyses or Compute()
    named, waiting = [], None
    if quick:
        references = {}
    analysis = QUICK_CURVE if quick else LENGTH_CURVE
    chosen = curve_models(active, curve_references() if references is None else references)
    if main_name is not None:
        chosen[0] = (main_name, *chosen[0][1:])
    main_ready = True
    for name, model, main in chosen:
        if not (main or main_ready):  # the others share the CPU: they wait for the model's own
            continue
        result = analyses.request(model, analysis)
        main_ready = main_ready and (result.ready or not main)
        if result.failed:
            raise NotReady(analysis, result)
        if result.ready:
            bits = model.train_bits if mark_training else None
            chain = longest_chain(bits) if bits else None
            named.append(figures.NamedCurve(name, result.value, main, bits, chain))
        else:
            waiting = waiting or result
    if not named:
        raise NotReady(analysis, waiting)
    return figures.length_figure(named, theme=theme)


def note(model: AdditionModel | None = None) -> str:
    longest = max(length.DEFAULT_LENGTHS)
    return (
        "Each point is the share of sums the model gets exactly right, every bit, for operands "
        f"of that many bits (1 to {longest:,}): solid lines on random numbers, dashed on "
        "numbers whose sum carries all the way along, such as (2^n - 1) + 1. A model that has "
        "learned to carry stays at 100% far past its dotted line, the length it was trained "
        "on; a model that has learned the training examples falls off soon after it. Below, "
        "the same sums by their longest carry chain (dotted: the longest chain its training "
        "numbers could hold): that, not the length, is what breaks a model that cannot carry."
    )


VIEW = View(
    "length",
    "how far it adds, with the shipped models for reference",
    build,
    note,
    per_addition=False,
)
