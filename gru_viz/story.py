"""The story: eight steps from the tutorial's claim to a proof, each one live figure of a real
model and at most three sentences, some of them a question the reader answers before the model
does. The page (gru_viz/app/pages/story.py) and the deck (`python -m gru_viz deck`) tell it from
the same steps.

Every number in the words comes from the models, through the analyses (gru_viz.analyses): a
step is built by a function of the shipped models and an Analyses, so on the page it waits for
its heavy analyses like any view, and on the command line it computes them at once. A step's
figure is a view of the registry (gru_viz.views.VIEWS), drawn with the step's options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gru_viz.addition import AdditionModel
from gru_viz.analyses import CARRY_UNITS, TRACE, Analyses
from gru_viz.sources import (
    HANDMADE_REFERENCE,
    PROVED_REFERENCE,
    ROBUST_REFERENCE,
    TUTORIAL_REFERENCE,
    ActiveModel,
    from_file,
)

LONG_A, LONG_B = 2**20 - 1, 1  # a carry that runs 20 bits: the tutorial model drops it


@dataclass(frozen=True)
class Question:
    """Asked before the model answers: `answer` is the choice the model's result makes right;
    `said` is what the model did, in a sentence."""

    prompt: str
    choices: tuple[str, ...]
    answer: str
    said: str


@dataclass(frozen=True)
class Step:
    """One step: its title, its words (at most three sentences), the view it draws of which
    shipped model (its name in gru_viz.sources.REFERENCES), of which sum, with what options,
    and a question, if it asks one (the figure is drawn once the reader has answered)."""

    title: str
    words: tuple[str, ...]
    view: str
    model: str
    a: int
    b: int
    options: dict = field(default_factory=dict)
    question: Question | None = None


@dataclass(frozen=True)
class Cast:
    """The models the story is told with: the tutorial's, the robust one (the shipped model, or
    the one a deck is made for), the proved one and the hand-made adder, and the sum the robust
    steps show."""

    tutorial: AdditionModel
    robust: AdditionModel
    proved: AdditionModel
    handmade: AdditionModel
    robust_path: object = None  # where the robust model's file (and its training record) is
    a: int = 1024
    b: int = 16

    def active(self, name: str) -> ActiveModel:
        from gru_viz.checkpoint import HANDMADE_PATH, PROVED_PATH, TUTORIAL_PATH

        if name == TUTORIAL_REFERENCE:
            return from_file(self.tutorial, TUTORIAL_PATH)
        if name == HANDMADE_REFERENCE:
            return from_file(self.handmade, HANDMADE_PATH)
        if name == PROVED_REFERENCE:
            return from_file(self.proved, PROVED_PATH)
        return from_file(self.robust, self.robust_path)

    def model(self, name: str) -> AdditionModel:
        return self.active(name).model


def shipped_cast(models: dict[str, AdditionModel] | None = None, **chosen) -> Cast:
    """The cast of the shipped models (gru_viz.sources.reference_models unless given)."""
    from gru_viz.sources import reference_models

    models = models or reference_models()
    return Cast(
        models[TUTORIAL_REFERENCE],
        models[ROBUST_REFERENCE],
        models[PROVED_REFERENCE],
        models[HANDMADE_REFERENCE],
        **chosen,
    )


def _claim(title: str, cast: Cast, analyses: Analyses) -> Step:
    train = cast.tutorial.train_config
    trace = analyses.get(cast.tutorial, TRACE, LONG_A, LONG_B)
    right = "right" if trace.correct else "wrong"
    return Step(
        title,
        (
            f"In 2017 a tutorial trained a GRU of {cast.tutorial.hidden_size} units on "
            f"{train.get('n_examples')} sums of {train.get('train_bits')}-bit numbers.",
            "It stopped once every held-out sum of that length was right, and said that the "
            "model then adds integers of any length.",
        ),
        "training",
        TUTORIAL_REFERENCE,
        LONG_A,
        LONG_B,
        question=Question(
            f"Will it add {LONG_A:,} + {LONG_B} (20-bit numbers) right?",
            ("Yes", "No"),
            "Yes" if trace.correct else "No",
            f"It gets {LONG_A:,} + {LONG_B} {right}.",
        ),
    )


def _try_it(title: str, cast: Cast, analyses: Analyses) -> Step:
    from gru_viz.views.gates import chain_range
    from gru_viz.why import chain_runs, explain

    trace = analyses.get(cast.tutorial, TRACE, LONG_A, LONG_B)
    units = analyses.get(cast.tutorial, CARRY_UNITS)
    why = explain(trace, cast.tutorial, units)
    bits = cast.tutorial.train_bits
    chain = max((length for _, length in chain_runs(trace.carry)), default=0)
    said = (
        [f"It writes {trace.predicted_sum:,} instead of {trace.true_sum:,}."]
        if not trace.correct
        else [f"It writes {trace.true_sum:,}, the right sum."]
    )
    shown = chain_range(why, trace.n_bits)
    if why.first_wrong is not None:
        said.append(
            f"It lets the carry go: the first wrong bit is bit {why.first_wrong}. Unit "
            f"{units.top}, the unit that reads best as the carry (score "
            f"{units.scores[units.top]:.2f}), is drawn on its own under the heatmaps."
        )
    if shown is not None:
        low, high = round(shown[0] + 0.5), round(shown[1] - 0.5)
        said.append(
            f"The figure shows bits {low} to {high} of {trace.n_bits}, from where that chain "
            "starts to just past the first wrong bit (double-click it to see every bit)."
        )
    choices, answer = first_wrong_choices(bits, trace.n_bits, why.first_wrong)
    return Step(
        title,
        (
            f"Trained on {bits}-bit numbers, it never saw a carry travel more than {bits} bits; "
            f"in {LONG_A:,} + {LONG_B} one travels {chain} bits, from bit 0 to the top.",
        ),
        "gates",
        TUTORIAL_REFERENCE,
        LONG_A,
        LONG_B,
        options={"x_range": shown},
        question=Question("Where will its sum first go wrong?", choices, answer, " ".join(said)),
    )


NOWHERE = "nowhere: every bit is right"


def first_wrong_choices(
    train_bits: int, n_bits: int, first_wrong: int | None
) -> tuple[tuple[str, ...], str]:
    """Choices for where a sum of n_bits first goes wrong (the training length, twice and three
    times it, the last bit, the true first wrong bit, and nowhere), and the right one."""
    right = NOWHERE
    positions = {min(k * train_bits, n_bits - 1) for k in (1, 2, 3)} | {n_bits - 1}
    if first_wrong is not None:
        positions.add(first_wrong)
    choices = tuple(f"at bit {bit}" for bit in sorted(positions)) + (right,)
    return choices, right if first_wrong is None else f"at bit {first_wrong}"


def _robust(title: str, cast: Cast, analyses: Analyses) -> Step:
    from gru_viz.views.length import LENGTH_CURVE

    curve = analyses.get(cast.robust, LENGTH_CURVE)
    exact = [int(n) for n, u, s in zip(curve.lengths, curve.uniform, curve.stress) if u == s == 1]
    longest = max(exact, default=0)
    tested = int(curve.lengths[-1])
    train = cast.robust.train_config
    choices = (f"{train.get('train_bits')} bits", "1,024 bits", f"{tested:,} bits")
    answer = next(
        (c for c in reversed(choices) if int(c.split()[0].replace(",", "")) <= longest), choices[0]
    )
    return Step(
        title,
        (
            f"The same GRU, trained on fresh random {train.get('train_bits')}-bit sums in "
            f"batches of {train.get('batch_size')}, with a check on "
            f"{train.get('check_bits', [0])[0]:,}-bit sums that carry all the way along.",
            "Solid lines are random sums, dashed ones sums that carry all the way.",
        ),
        "length",
        ROBUST_REFERENCE,
        cast.a,
        cast.b,
        question=Question(
            "How long a sum will it add exactly, on every sum tested?",
            choices,
            answer,
            f"Every sum tested is exact up to {longest:,} bits, the longest tested ({tested:,}).",
        ),
    )


def _machine(title: str, cast: Cast, analyses: Analyses) -> Step:
    from gru_viz.views.machine import MACHINE

    found = analyses.get(cast.robust, MACHINE)
    units = analyses.get(cast.robust, CARRY_UNITS)
    adder = "the two-state adder" if found.is_adder else "not the two-state adder"
    return Step(
        title,
        (
            f"Its unit {units.top} follows the carry (score {units.scores[units.top]:.2f}).",
            "Grouping its hidden states and following them step by step gives a machine that "
            "reads two bits and writes one.",
        ),
        "machine",
        ROBUST_REFERENCE,
        cast.a,
        cast.b,
        question=Question(
            "How many states will that machine have?",
            ("2", "4", "8", "16"),
            str(found.n_states),
            f"It has {found.n_states} states: {adder}.",
        ),
    )


def _learned(title: str, cast: Cast, analyses: Analyses) -> Step:
    replay = cast.active(ROBUST_REFERENCE).replay
    words = ["Its training kept snapshots of the model as it learned."]
    if replay is not None and len(replay.check_steps):
        exact = replay.check_accuracy.min(axis=1)  # (C,): the worst length of each check
        done = [int(s) for s, e in zip(replay.check_steps, exact) if e >= 1.0]
        before = [float(e) for s, e in zip(replay.check_steps, exact) if not done or s < done[0]]
        if done:
            words.append(
                f"Its check's sums were exact first at step {done[0]:,}, and at "
                f"{max(before, default=0.0):.0%} or less at every check before."
            )
    return Step(title, tuple(words), "training", ROBUST_REFERENCE, cast.a, cast.b)


def _not_proved(title: str, cast: Cast, analyses: Analyses) -> Step:
    from gru_viz.views.proof import MODEL_PROOF, verdict_words

    verdict = analyses.get(cast.robust, MODEL_PROOF)
    return Step(
        title,
        (
            "No test, however long, covers every sum: a proof must say something of every "
            "state the model can reach.",
            "The search for one looks for boxes of hidden states that a step maps into boxes "
            "of the right carry.",
        ),
        "proof",
        ROBUST_REFERENCE,
        cast.a,
        cast.b,
        question=Question(
            "Will the search prove this model, exact on every sum tested?",
            ("Yes", "No"),
            "Yes" if verdict.proved else "No",
            "It is proved." if verdict.proved else verdict_words(verdict),
        ),
    )


def _proved(title: str, cast: Cast, analyses: Analyses) -> Step:
    from gru_viz.views.proof import MODEL_PROOF, WRONG_SUM

    verdict = analyses.get(cast.proved, MODEL_PROOF)
    wrong = analyses.get(cast.tutorial, WRONG_SUM)
    words = [
        f"A smaller GRU of {cast.proved.hidden_size} units, trained with noise on its state, is "
        + (
            f"proved: {verdict.found.n_boxes} boxes, and a separate checker accepts them."
            if verdict.proved
            else "not proved here."
        ),
    ]
    if verdict.proved:
        words.append("So it adds every pair of numbers of every length.")
    if wrong is not None:
        a, b, bit = wrong
        words.append(f"The tutorial's model has no proof, and a counterexample: {a} + {b}.")
    return Step(title, tuple(words), "proof", PROVED_REFERENCE, cast.a, cast.b)


def _build(title: str, cast: Cast, analyses: Analyses) -> Step:
    from gru_viz.views.proof import MODEL_PROOF

    verdict = analyses.get(cast.handmade, MODEL_PROOF)
    proved = (
        f"and it is proved to add every length ({verdict.found.n_boxes} boxes)"
        if verdict.proved
        else "and it is not proved here"
    )
    return Step(
        title,
        (
            f"This GRU of {cast.handmade.hidden_size} units was not trained: each of its "
            f"weights was written from the arithmetic of a full adder, {proved}.",
            "The Build it yourself tab derives it weight by weight; there you can change any "
            "weight of any model and watch the sum, the gates and the proof follow.",
        ),
        "weights",
        HANDMADE_REFERENCE,
        cast.a,
        cast.b,
    )


STEPS: tuple[tuple[str, Callable[[str, Cast, Analyses], Step]], ...] = (
    ("The claim", _claim),
    ("Try it", _try_it),
    ("A recipe that carries", _robust),
    ("The machine inside", _machine),
    ("How it learned", _learned),
    ("Tested is not proved", _not_proved),
    ("Proved", _proved),
    ("Build one yourself", _build),
)
TITLES = tuple(title for title, _ in STEPS)


def step(i: int, cast: Cast, analyses: Analyses) -> Step:
    """Step i (0-based) of the story; NotReady while a heavy analysis it needs is computing."""
    title, build = STEPS[i]
    return build(title, cast, analyses)


def answer_words(question: Question, guess: str | None) -> str:
    """What the reader is told once the model has answered."""
    if guess is None:
        return question.said
    verdict = "You were right." if guess == question.answer else "Not this time."
    return f"You said {guess}. {question.said} {verdict}"
