"""The proof on the page: the verdict the checker backs, the certificate drawn on the map, the
first proved snapshot of a training, and tested curves that say how much they rest on."""

import numpy as np
import pytest

from gru_viz import figures
from gru_viz.analyses import Compute
from gru_viz.checkpoint import ASSETS, TUTORIAL_PATH
from gru_viz.length import wilson_interval
from gru_viz.replay import load_replay
from gru_viz.sources import from_file
from gru_viz.views import proof as proof_view

PROVED = ASSETS / "proved.npz"


@pytest.fixture(scope="module")
def gru_viz():
    pytest.importorskip("tensorflow")
    import gru_viz

    return gru_viz


def test_a_proved_model_is_proved_only_once_the_separate_checker_accepts_its_file(gru_viz):
    verdict = proof_view.verify(gru_viz.load_model(PROVED))
    assert verdict.found.proved and verdict.checked and verdict.proved
    assert verdict.certificate[:2] == b"PK"  # an .npz to download
    words = proof_view.verdict_words(verdict)
    assert words.startswith("Proved for every length") and "checker accepts" in words
    refused = proof_view.Verdict(verdict.found, False, "box 3 moved", verdict.certificate)
    assert not refused.proved
    assert "refuses" in proof_view.verdict_words(refused)  # never claimed without the checker


def test_the_page_shows_a_seal_only_beside_a_proved_verdict(gru_viz):
    from streamlit.testing.v1 import AppTest

    def page():
        import streamlit as st

        from gru_viz.app.widgets import proof_verdict

        proof_verdict(st.session_state["verdict"])

    verdict = proof_view.verify(gru_viz.load_model(PROVED))
    refused = proof_view.Verdict(verdict.found, False, "box 3 moved", verdict.certificate)
    for shown, kind, icon in ((verdict, "success", "verified"), (refused, "warning", "help")):
        at = AppTest.from_function(page)
        at.session_state["verdict"] = shown
        at.run()
        assert not at.exception
        (box,) = getattr(at, kind)
        assert box.icon == f":material/{icon}:"
        assert box.value.replace("\\", "") == proof_view.verdict_words(shown)  # plain text


def test_the_certificate_is_drawn_box_by_box_with_a_coloured_arrow_per_step(gru_viz):
    model = gru_viz.load_model(PROVED)
    analyses = Compute()
    fig = proof_view.build(from_file(model, PROVED), 1023, 1, figures.DARK, analyses)
    found = analyses.get(model, proof_view.MODEL_PROOF).found
    names = [t.name for t in fig.data]
    assert "boxes with carry 0" in names and "boxes with carry 1" in names
    rectangles = sum(len(t.x) // 6 for t in fig.data if str(t.name).startswith("boxes"))
    assert rectangles == found.n_boxes
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == sum(1 for k, _, j in found.edges if k != j)
    assert len({a.arrowcolor for a in arrows}) == 4  # one colour per input a b
    assert fig.layout.paper_bgcolor == figures.DARK.background
    assert "1023 + 1" in names


def test_a_model_without_a_proof_shows_where_the_search_broke_and_a_wrong_sum(gru_viz):
    tutorial = gru_viz.load_model(TUTORIAL_PATH)
    analyses = Compute()
    verdict = analyses.get(tutorial, proof_view.MODEL_PROOF)
    assert not verdict.proved and proof_view.verdict_words(verdict).startswith("Not proved")
    fig = proof_view.build(from_file(tutorial, TUTORIAL_PATH), 25, 25, figures.LIGHT, analyses)
    broke = [t for t in fig.data if t.name == "where it broke"]
    assert [t.mode for t in broke] == ["lines", "markers"]  # the box, and a ring that shows it
    assert broke[1].marker.size >= 15 and broke[1].legendgroup == broke[0].legendgroup
    wrong = analyses.get(tutorial, proof_view.WRONG_SUM)
    assert "25 + 25 wrong, first at bit 4" in proof_view.wrong_sum_words(wrong)
    assert "tested, not proved" in proof_view.wrong_sum_words(None)


def test_a_failed_search_says_not_proved_once_and_what_running_out_of_time_means(gru_viz):
    import dataclasses

    from gru_viz import proof

    tutorial = gru_viz.load_model(TUTORIAL_PATH)
    found = proof_view.MODEL_PROOF(tutorial).found  # fails well before its time is up
    words = proof_view.not_proved_words(found)
    assert words.startswith("Not proved after") and words.lower().count("not proved") == 1
    assert "time limit" not in words
    limit = proof.Settings().seconds
    timed_out = dataclasses.replace(
        found, seconds=limit, reason=f"not proved: out of time after {limit:.1f} s"
    )
    words = proof_view.not_proved_words(timed_out)
    assert words.startswith("Not proved: out of time") and words.lower().count("not proved") == 1
    assert "stopped at its time limit: that finds no wrong sum" in words


def test_a_training_is_marked_from_its_first_proved_snapshot(gru_viz):
    replay = load_replay(ASSETS / "proved.replay.npz")
    candidates = proof_view.proof_candidates(replay)
    assert candidates and candidates[-1] == len(replay) - 1
    exact_from = min(
        step for step, row in zip(replay.check_steps, replay.check_accuracy) if row.min() >= 1
    )
    assert all(replay.steps[i] >= exact_from for i in candidates)
    found = proof_view.first_proved(replay, Compute())
    assert found.ready and found.value in candidates
    words = proof_view.first_proved_words(replay, found.value)
    assert f"Proved from step {int(replay.steps[found.value]):,}" in words
    tutorial = load_replay(ASSETS / "tutorial.replay.npz")
    assert proof_view.first_proved(tutorial, Compute()).value is None


def test_wilson_intervals_say_how_little_a_few_sums_tell():
    low, high = wilson_interval(np.array([0.0, 1.0, 1 / 6, 1.0]), np.array([2, 2, 6, 1000]))
    assert low[0] == 0 and 0.65 < high[0] < 0.66  # 0 of 2: anywhere up to 66%
    assert high[1] == 1 and 0.34 < low[1] < 0.35
    assert 0.03 < low[2] < 0.031 and 0.56 < high[2] < 0.57  # 1 of 6: 3% to 56%
    assert low[3] > 0.996  # 1,000 of 1,000


def test_every_point_of_a_tested_curve_shows_its_sums_and_interval(gru_viz):
    curve = gru_viz.length_curve(gru_viz.load_model(TUTORIAL_PATH), lengths=(4, 64), pairs=6)
    fig = figures.length_figure([figures.NamedCurve("tutorial", curve, True)])
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == len(lines) == 3  # random, carry chains, and by chain
    counts = np.asarray(lines[0].customdata)[:, 0]
    assert list(counts) == [6, 6]
    assert "sums" in lines[0].hovertemplate and "95% interval" in lines[0].hovertemplate
