"""The explorer's limits, read from the environment in one place.

GRU_VIZ_MAX_DIGITS            longest number, in decimal digits, the app accepts (default 10000)
GRU_VIZ_MAX_TRAININGS         trainings that may run at once in one server process (default 2)
GRU_VIZ_MAX_SESSION_TRAININGS trainings one browser session may start in all (default 20)
GRU_VIZ_MAX_STEPS             largest step limit a visitor may ask a training for (default 50000)
GRU_VIZ_MAX_HIDDEN            largest hidden size a visitor may ask a training for (default 256)
GRU_VIZ_MAX_PAUSED            seconds a paused training may hold its slot before it stops (default
                              300)
GRU_VIZ_MODEL                 model file to serve instead of the shipped assets/model.npz
GRU_VIZ_WARM_UP               "off": no analyses of the shipped models ahead of need (default on:
                              computed in the background after the first page)

Fixed, not settings: a training stops by itself GONE_GRACE (5) seconds after its page is gone
(the tab closed), and after 300 seconds in which its page did not look at it
(gru_viz.app.jobs). A visitor who reaches a limit is told which one, by name; nothing they made
is lost (a refused training leaves their model as it was).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from gru_viz.config import TUNABLE
from gru_viz.inputs import DEFAULT_MAX_DIGITS

TUNABLE_HIGH = {t.name: int(t.high) for t in TUNABLE}  # what the library's panel offers at most


@dataclass(frozen=True)
class AppSettings:
    max_digits: int = DEFAULT_MAX_DIGITS  # longer numbers are refused: the page would get slow
    max_trainings: int = 2  # background trainings at once, across all browser sessions
    model_path: str | None = None  # None: the shipped pretrained model
    max_paused: int = 300  # seconds a paused training keeps its slot; then it stops
    max_session_trainings: int = 20  # trainings one session may start, one after another
    max_steps: int = 50_000  # the largest step limit a training may be given on the page
    max_hidden: int = 256  # the largest hidden size a training may be given on the page
    warm_up: bool = True  # load the model and compute the shipped models' analyses ahead of need

    def __post_init__(self) -> None:
        for name in ("max_digits", "max_trainings", "max_paused", "max_session_trainings"):
            self._check(name, 1)
        self._check("max_steps", 1, TUNABLE_HIGH["max_steps"])
        self._check("max_hidden", 1, TUNABLE_HIGH["hidden_size"])

    def _check(self, name: str, low: int, high: int | None = None) -> None:
        value = getattr(self, name)
        bad = isinstance(value, bool) or not isinstance(value, int) or value < low
        if bad or (high is not None and value > high):
            span = f"of at least {low}" if high is None else f"from {low} to {high:,}"
            raise ValueError(f"{name} must be a whole number {span}; got {value!r}")


ENV_NAMES = {
    "max_digits": "GRU_VIZ_MAX_DIGITS",
    "max_trainings": "GRU_VIZ_MAX_TRAININGS",
    "max_paused": "GRU_VIZ_MAX_PAUSED",
    "max_session_trainings": "GRU_VIZ_MAX_SESSION_TRAININGS",
    "max_steps": "GRU_VIZ_MAX_STEPS",
    "max_hidden": "GRU_VIZ_MAX_HIDDEN",
}
MODEL_ENV = "GRU_VIZ_MODEL"
WARM_UP_ENV = "GRU_VIZ_WARM_UP"
ON, OFF = ("", "on", "1", "yes"), ("off", "0", "no")


def settings_from_env(environ: Mapping[str, str] | None = None) -> AppSettings:
    """AppSettings from GRU_VIZ_* variables; unset or empty ones keep their defaults.

    A value that is not a whole number raises ValueError naming the variable.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for field, env_name in ENV_NAMES.items():
        text = environ.get(env_name, "").strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"{env_name} must be a whole number such as 10000; got {text!r}")
        values[field] = int(text)
    model_path = environ.get(MODEL_ENV, "").strip()
    if model_path:
        values["model_path"] = model_path
    warm = environ.get(WARM_UP_ENV, "").strip().lower()
    if warm not in ON + OFF:
        raise ValueError(f"{WARM_UP_ENV} must be on or off; got {warm!r}")
    values["warm_up"] = warm not in OFF
    try:
        return AppSettings(**values)
    except ValueError as error:
        field = str(error).split(" ", 1)[0]
        raise ValueError(str(error).replace(field, ENV_NAMES.get(field, field), 1)) from None
