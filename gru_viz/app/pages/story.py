"""Story: the explorer told as eight steps (gru_viz.story), each one live figure of a shipped
model and a few sentences; at some, the reader answers a question before the model does. The
step and the answers live in the link (?story=3&answers=1:No;2:at bit 8); Back and Next (or the
arrow keys) move; in presentation mode each step is one slide."""

from __future__ import annotations

import streamlit as st

from gru_viz import story
from gru_viz.analyses import NotReady
from gru_viz.app import wording
from gru_viz.app.links import quoted
from gru_viz.app.resources import reference_models
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import PageAnalyses, polled, present, show_result, show_view

TITLE = "Story"
VIEWS_SHOWN = ()  # it draws the views of the other tabs, one per step
SLIDE_FIGURE_PX = 400  # a step's figure in presentation mode: the step fits a 1280x720 screen
SKIPPED = "-"  # the answer of a reader who asked to see the model's answer without guessing
MAX_RADIO = 5  # questions with more choices than this are asked with a drop-down
# The arrow keys press Back and Next (not while typing in a field).
ARROW_KEYS = """<script>
const doc = window.parent.document;
if (!doc.gvStoryKeys) {
  doc.gvStoryKeys = true;
  doc.addEventListener('keydown', (event) => {
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(event.target.tagName);
    const name = {ArrowRight: 'Next', ArrowLeft: 'Back'}[event.key];
    if (typing || !name || !doc.querySelector('.st-key-story_next')) return;
    const button = doc.querySelector(`.st-key-story_${name.toLowerCase()} button`);
    if (button && !button.disabled) { button.click(); event.preventDefault(); }
  });
}
</script>"""


def read_answers(text: str | None) -> dict[int, str]:
    """The answers a link holds: "1:No;2:at bit 8" -> {1: "No", 2: "at bit 8"}, steps counted
    from 1; anything it cannot read is left out."""
    answers = {}
    for part in (text or "").split(";"):
        number, _, guess = part.partition(":")
        if number.strip().isdigit() and guess.strip():
            answers[int(number)] = guess.strip()[:40]
    return answers


def write_answers(answers: dict[int, str]) -> str:
    return ";".join(f"{number}:{guess}" for number, guess in sorted(answers.items()))


def step_from_link(text: str | None) -> int:
    """The step a link names (?story=N, from 1), as an index; the first if it names none, the
    nearest if it names one the story does not have."""
    if text and text.strip().isdigit():
        return min(max(int(text) - 1, 0), len(story.STEPS) - 1)
    return 0


def step_link_note(text: str | None) -> str:
    """Why the story did not open on the step a link names, or ""."""
    if text is None or (text.strip().isdigit() and 1 <= int(text) <= len(story.STEPS)):
        return ""
    opened = step_from_link(text) + 1
    return (
        f"The link asks for step {quoted(text, 20)}; the story has steps 1 to "
        f"{len(story.STEPS)}, so it opens on step {opened}."
    )


def render(settings: AppSettings, a, b) -> None:
    if "story_step" not in st.session_state:
        linked = st.query_params.get("story")
        st.session_state.story_step = step_from_link(linked)
        st.session_state.story_answers = read_answers(st.query_params.get("answers"))
        st.session_state.story_link_note = (step_link_note(linked), st.session_state.story_step)
    note, opened = st.session_state.story_link_note
    if note and st.session_state.story_step == opened:  # until the reader moves on
        st.info(wording.literal(note), icon=":material/link:")
    st.iframe(ARROW_KEYS, height=1, alt="The arrow keys move the story")
    polled("story", _body, settings, a, b)


def _body(analyses: PageAnalyses, settings: AppSettings, a, b) -> None:
    i = st.session_state.story_step
    st.query_params["story"] = str(i + 1)
    answers = st.session_state.story_answers
    if answers:
        st.query_params["answers"] = write_answers(answers)
    title = f"Step {i + 1} of {len(story.STEPS)}: {story.TITLES[i]}"
    st.subheader(title)
    sums = {} if a is None or b is None else {"a": a, "b": b}
    cast = story.shipped_cast(reference_models(), **sums)
    try:
        shown = story.step(i, cast, analyses)
    except NotReady as error:
        show_result(error.result, error.analysis.name)
        navigation(i)
        return
    st.markdown(" ".join(shown.words))
    question = shown.question
    answer = answers.get(i + 1)
    if question is not None and answer not in (*question.choices, SKIPPED):
        answer = None  # (a link's answer that is no choice of this question)
    if question is not None and answer is None:
        ask(i, question)
    else:
        if question is not None:
            guess = None if answer == SKIPPED else answer
            right = guess == question.answer
            show = st.success if right else st.info
            show(wording.literal(story.answer_words(question, guess)), icon=":material/quiz:")
        options = dict(shown.options)
        if shown.view == "machine":
            options["transparent"] = True
        active = cast.active(shown.model)
        height = SLIDE_FIGURE_PX if present() else "content"  # a step is one 16:9 screen
        show_view(shown.view, active, shown.a, shown.b, analyses, f"story_{i}", height, **options)
    navigation(i)


def ask(i: int, question: story.Question) -> None:
    """The question, and the model's answer only once the reader has guessed (or skipped)."""
    if len(question.choices) <= MAX_RADIO:
        guess = st.radio(question.prompt, question.choices, index=None, key=f"story_guess_{i}")
    else:
        guess = st.selectbox(
            question.prompt,
            question.choices,
            index=None,
            key=f"story_guess_{i}",
            placeholder="Your guess",
        )
    left, right = st.columns(2)
    left.button(
        "Show the model's answer",
        key="story_reveal",
        disabled=guess is None,
        on_click=_answer,
        args=(i, guess),
        type="primary",
        icon=":material/visibility:",
        help="Answer first: the figure and the model's answer come after.",
    )
    right.button(
        "Skip the question",
        key="story_skip",
        on_click=_answer,
        args=(i, SKIPPED),
        icon=":material/skip_next:",
    )


def navigation(i: int) -> None:
    back, middle, forward = st.columns([1, 3, 1])
    back.button(
        "Back",
        key="story_back",
        disabled=i == 0,
        on_click=_go,
        args=(i - 1,),
        icon=":material/arrow_back:",
        width="stretch",
    )
    if not present():
        middle.caption(
            "The arrow keys move too. Every figure here is the real model's; the explorer's "
            "tabs show each one in full."
        )
    forward.button(
        "Next",
        key="story_next",
        disabled=i == len(story.STEPS) - 1,
        on_click=_go,
        args=(i + 1,),
        icon=":material/arrow_forward:",
        width="stretch",
    )


def _go(i: int) -> None:
    st.session_state.story_step = i


def _answer(i: int, guess: str | None) -> None:
    if guess is not None:
        st.session_state.story_answers = {**st.session_state.story_answers, i + 1: guess}
