"""The story's questions: each can be answered before the model answers, from what the reader is
shown while it asks, and the model's answer is what it computed."""

import pytest

from gru_viz import story
from gru_viz.analyses import CARRY_UNITS, TRACE, Compute


@pytest.fixture(scope="module")
def told():
    pytest.importorskip("tensorflow")
    cast, analyses = story.shipped_cast(), Compute()
    return cast, analyses, {i: story.step(i, cast, analyses) for i in (0, 1, 6)}


def test_try_it_asks_where_the_sum_first_goes_wrong_without_telling_it(told):
    from gru_viz.why import explain

    cast, analyses, steps = told
    step = steps[1]
    trace = analyses.get(cast.tutorial, TRACE, story.LONG_A, story.LONG_B)
    why = explain(trace, cast.tutorial, analyses.get(cast.tutorial, CARRY_UNITS))
    assert why.first_wrong is not None  # the step's point: the tutorial's model drops the carry
    question = step.question
    assert question.answer == f"at bit {why.first_wrong}" and question.answer in question.choices
    assert len(set(question.choices)) == len(question.choices) >= 4
    asked = " ".join(step.words)  # what the reader sees while guessing (no figure yet)
    assert f"bit {why.first_wrong}" not in asked and f"{trace.predicted_sum:,}" not in asked
    assert f"the first wrong bit is bit {why.first_wrong}" in question.said
    assert f"{trace.predicted_sum:,} instead of {trace.true_sum:,}" in question.said


def test_first_wrong_choices_stay_inside_the_sum_and_offer_nowhere():
    choices, answer = story.first_wrong_choices(5, 21, 8)
    bits = ("at bit 5", "at bit 8", "at bit 10", "at bit 15", "at bit 20")
    assert choices == (*bits, story.NOWHERE)
    assert answer == "at bit 8"
    choices, answer = story.first_wrong_choices(16, 10, None)  # short sum, right everywhere
    assert choices == ("at bit 9", story.NOWHERE) and answer == story.NOWHERE


def test_an_answer_reads_as_sentences_whatever_the_guess(told):
    _, _, steps = told
    question = steps[0].question
    words = story.answer_words(question, question.answer)
    assert words.startswith(f"You said {question.answer}. It gets ") and "You were right" in words


def test_a_model_is_said_to_add_every_length_only_when_it_is_proved(told):
    from gru_viz.views.proof import MODEL_PROOF, Verdict

    cast, analyses, steps = told
    assert analyses.get(cast.proved, MODEL_PROOF).proved
    assert "adds every pair of numbers of every length" in " ".join(steps[6].words)

    class Refused(Compute):
        """The same analyses, but the checker refuses every certificate."""

        def get(self, model, analysis, *args):
            value = analyses.get(model, analysis, *args)
            if analysis is MODEL_PROOF:
                return Verdict(value.found, False, "box 3 moved", value.certificate)
            return value

    words = " ".join(story.step(6, cast, Refused()).words)
    assert "not proved here" in words and "every length" not in words
