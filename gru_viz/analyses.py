"""Analyses of a model as views ask for them, and the one way to ask whether one is ready.

An `Analysis` is a compute function of a model (pure and seeded) with a name for messages and
whether it is heavy, that is computed in the background on the page. A view never calls one
directly: it asks an `Analyses`, which either computes at once (`Compute`: the command line, a
notebook, the tests) or keeps results per model and computes heavy ones in the background (the
page's cache, gru_viz.app.cache). Either answers `request` with a `Result` that is ready,
pending (with the share done) or failed (with a message), and `get` with the value, raising
`NotReady` with that Result while a heavy analysis is not ready.

The analyses every view shares live here (the addition's trace, the carry units); each view's
own analyses live in its module in gru_viz.views.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol

from gru_viz import carry
from gru_viz.addition import AdditionModel, Trace

PENDING, FAILED, READY = "pending", "failed", "ready"


@dataclass(frozen=True)
class Result:
    """An analysis as asked for: READY with its `value`, PENDING with the `fraction` done, or
    FAILED with a `message` saying what went wrong."""

    state: str
    value: object = None
    fraction: float = 0.0
    message: str = ""

    @property
    def ready(self) -> bool:
        return self.state == READY

    @property
    def pending(self) -> bool:
        return self.state == PENDING

    @property
    def failed(self) -> bool:
        return self.state == FAILED


def ready(value: object) -> Result:
    return Result(READY, value)


def pending(fraction: float) -> Result:
    return Result(PENDING, fraction=min(1.0, max(0.0, float(fraction))))


def failed(message: str) -> Result:
    return Result(FAILED, message=message)


@dataclass(frozen=True)
class Analysis:
    """A compute function of a model: fn(model, *args), or fn(model, *args, progress=...)
    when `takes_progress` (progress is given the share done). `name` says what it computes,
    for a progress bar ("how far it adds"); a `heavy` one runs in the background on the page.
    `lasting(value)`, if given, says whether a result would be the same if computed again
    anywhere (a search cut short by its clock would not); others always would, so the page may
    keep them on disk (gru_viz.app.result_store): heavy ones, and quick ones marked `stored`
    (one result per model that the page needs at once, not one per typed sum)."""

    name: str
    fn: Callable[..., object]
    heavy: bool = False
    takes_progress: bool = False
    lasting: Callable[[object], bool] | None = None
    stored: bool = False

    @property
    def storable(self) -> bool:
        """Whether the page may keep its results on disk (see `lasting`)."""
        return self.heavy or self.stored

    def lasts(self, value: object) -> bool:
        return self.lasting is None or bool(self.lasting(value))

    def __call__(self, model: AdditionModel, *args: Hashable, progress=None) -> object:
        if self.takes_progress:
            return self.fn(model, *args, progress=progress)
        if progress is not None:
            progress(0.1)
        return self.fn(model, *args)


class NotReady(Exception):
    """A heavy analysis a view needs is not ready: `result` is pending or failed."""

    def __init__(self, analysis: Analysis, result: Result) -> None:
        super().__init__(f"{analysis.name}: {result.state}")
        self.analysis = analysis
        self.result = result


class Analyses(Protocol):
    """Where views get the analyses of a model from."""

    def get(self, model: AdditionModel, analysis: Analysis, *args: Hashable) -> object:
        """The value; NotReady while a heavy analysis is pending or if it failed."""

    def request(self, model: AdditionModel, analysis: Analysis, *args: Hashable) -> Result:
        """Ready, pending or failed, without waiting."""


class Compute:
    """Analyses computed at once on this thread, each remembered for the life of this object
    (per model fingerprint), so a command that draws several views computes each once."""

    def __init__(self) -> None:
        self._done: dict[tuple, object] = {}

    def get(self, model: AdditionModel, analysis: Analysis, *args: Hashable) -> object:
        key = (model.fingerprint(), analysis, args)
        if key not in self._done:
            self._done[key] = analysis(model, *args)
        return self._done[key]

    def request(self, model: AdditionModel, analysis: Analysis, *args: Hashable) -> Result:
        return ready(self.get(model, analysis, *args))


def _trace(model: AdditionModel, a: int, b: int) -> Trace:
    return model.trace(a, b)


TRACE = Analysis("the addition", _trace)  # (a, b) -> the Trace of a + b
CARRY_UNITS = Analysis("which units carry", carry.carry_units, stored=True)
