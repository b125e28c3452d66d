"""The explorer's limits, read from the environment in one place.

GRU_VIZ_MAX_DIGITS      longest number, in decimal digits, the app accepts (default 10000)
GRU_VIZ_MAX_TRAININGS   trainings that may run at once in one server process (default 2)
GRU_VIZ_MAX_PAUSED      seconds a paused training may hold its slot before it stops (default 300)
GRU_VIZ_MODEL           model file to serve instead of the shipped assets/model.npz
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from gru_viz.inputs import DEFAULT_MAX_DIGITS


@dataclass(frozen=True)
class AppSettings:
    max_digits: int = DEFAULT_MAX_DIGITS  # longer numbers are refused: the page would get slow
    max_trainings: int = 2  # background trainings at once, across all browser sessions
    model_path: str | None = None  # None: the shipped pretrained model
    max_paused: int = 300  # seconds a paused training keeps its slot; then it stops

    def __post_init__(self) -> None:
        for name, low in (("max_digits", 1), ("max_trainings", 1), ("max_paused", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be a whole number of at least {low}; got {value!r}")


ENV_NAMES = {
    "max_digits": "GRU_VIZ_MAX_DIGITS",
    "max_trainings": "GRU_VIZ_MAX_TRAININGS",
    "max_paused": "GRU_VIZ_MAX_PAUSED",
}
MODEL_ENV = "GRU_VIZ_MODEL"


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
    try:
        return AppSettings(**values)
    except ValueError as error:
        raise ValueError(f"bad GRU_VIZ_* setting: {error}") from None
