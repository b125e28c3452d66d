"""The deck: the story as 16:9 slides from the command line, as HTML and as PDF."""

import re

import plotly.graph_objects as go
import pytest

from gru_viz import deck, story
from gru_viz.cli import main
from gru_viz.export import find_browser
from gru_viz.figures.theme import DARK


def test_the_html_deck_is_one_file_with_a_slide_per_step_and_answer(tmp_path, capsys):
    pytest.importorskip("tensorflow")
    out = tmp_path / "talk.html"
    assert main(["deck", "-o", str(out), "--theme", "dark", "--a", "6", "--b", "7"]) == 0
    text = out.read_text()
    titles = re.findall(r"<section class='slide' id='slide-\d+'><h1>([^<]*)</h1>", text)
    answers = [t for t in titles if t.endswith(": the model&#x27;s answer")]
    assert len(titles) == len(story.STEPS) + len(answers) and len(answers) >= 4
    assert "<script src=" not in text and "Plotly.newPlot" in text  # plotly.js is inside
    assert "1. The claim" in text and "Your guess: Will it add 1,048,575 + 1" in text
    sizes = [int(px) for px in re.findall(r"font-size: (\d+)px", text)]
    assert min(sizes) >= deck.MIN_TEXT_PX  # readable at 1280x720
    assert DARK.background in text  # the dark theme's background
    assert "ArrowRight" in text


def test_a_printed_deck_has_one_page_per_slide_and_embeds_its_fonts(tmp_path):
    if find_browser() is None:
        pytest.skip("no Chromium to print the deck")
    figure = go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 0, 1]))
    svg = deck.static_image(figure, "svg", deck.FIGURE_SIZE).decode()
    slides = [deck.Slide(f"Slide {n}", ("One line.",), svg if n else "") for n in range(3)]
    out = tmp_path / "talk.pdf"
    deck.print_pdf(deck.page(slides, interactive=False), out)
    data = out.read_bytes()
    assert data[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 3
    assert b"/FontFile" in data  # the fonts are embedded


def test_a_deck_refuses_other_formats_in_one_line(tmp_path, capsys):
    assert main(["deck", "-o", str(tmp_path / "talk.pptx")]) == 2
    assert "html or pdf" in capsys.readouterr().err
