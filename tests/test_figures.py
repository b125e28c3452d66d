import json
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest

from gru_viz import bits as bitlib
from gru_viz import figures


def bit_rows(a: int, b: int, wrong_at: tuple[int, ...] = ()) -> figures.BitRows:
    n_bits = bitlib.default_n_bits(a, b)
    bits_a, bits_b = bitlib.to_bits(a, n_bits), bitlib.to_bits(b, n_bits)
    bits_true = bitlib.to_bits(a + b, n_bits)
    bits_pred = bits_true.copy()
    bits_pred[list(wrong_at)] ^= 1
    return figures.BitRows(bits_a, bits_b, bitlib.carries_in(bits_a, bits_b), bits_true, bits_pred)


def gate_panels(n_bits: int, hidden: int, seed: int = 0) -> list[figures.Panel]:
    rng = np.random.default_rng(seed)
    return [
        figures.Panel("Update gate z", "z", rng.uniform(size=(n_bits, hidden))),
        figures.Panel("Reset gate r", "r", rng.uniform(size=(n_bits, hidden))),
    ]


def heatmaps(fig: go.Figure) -> list[go.Heatmap]:
    return [trace for trace in fig.data if isinstance(trace, go.Heatmap)]


def test_gates_figure_shows_bits_then_both_gates_on_one_scale():
    bits = bit_rows(1024, 16)
    panels = gate_panels(12, 4)
    fig = figures.gates_figure(bits, panels, np.arange(4), title="1024 + 16")
    _, z, r = heatmaps(fig)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Update gate z", "Reset gate r"]
    assert fig.layout.coloraxis.cmin == 0 and fig.layout.coloraxis.cmax == 1
    assert z.coloraxis == r.coloraxis == "coloraxis"
    assert z.z.shape == (4, 12)  # units down the side, bit positions along the bottom
    np.testing.assert_allclose(z.z, panels[0].values.T.astype(np.float32))
    assert z.x is None  # so column t sits at x = t, bit position t
    # Every heatmap shares the bottom axis, so zooming one zooms all.
    assert fig.layout.xaxis2.matches == "x" and fig.layout.xaxis3.matches == "x"
    assert "bit position" in fig.layout.xaxis3.title.text


def test_hover_names_unit_position_bits_carry_and_value():
    bits = bit_rows(6, 3)
    fig = figures.gates_figure(bits, gate_panels(4, 2), np.arange(2))
    z = heatmaps(fig)[1]
    for word in ("%{y}", "bit position %{x}", "a_t", "b_t", "true carry", "z = %{z"):
        assert word in z.hovertemplate
    customdata = np.asarray(z.customdata)  # (H, T, 3): a_t, b_t, carry into t
    assert customdata.shape == (2, 4, 3)
    np.testing.assert_array_equal(customdata[1, :, 0], bits.bits_a)
    np.testing.assert_array_equal(customdata[0, :, 2], bits.carry)


def test_units_follow_the_given_order():
    panels = gate_panels(5, 3)
    order = np.array([2, 0, 1])
    fig = figures.gates_figure(bit_rows(9, 5), panels, order)
    z = heatmaps(fig)[1]
    assert list(z.y) == ["unit 2", "unit 0", "unit 1"]
    np.testing.assert_allclose(z.z[0], panels[0].values[:, 2].astype(np.float32))
    assert fig.layout.yaxis2.autorange == "reversed"  # the first unit at the top


def test_wrong_predicted_bits_are_drawn_red():
    fig = figures.gates_figure(bit_rows(5, 3, wrong_at=(2,)), gate_panels(4, 2), np.arange(2))
    strip = heatmaps(fig)[0]
    predicted = np.asarray(strip.z)[4]
    assert list(np.flatnonzero(predicted == 2)) == [2]


def test_states_use_the_symmetric_range():
    fig = figures.gates_figure(
        bit_rows(3, 3), gate_panels(3, 2), np.arange(2), (-1.0, 1.0), figures.STATE_SCALE
    )
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (-1, 1)


def test_long_additions_open_zoomed_on_the_lowest_bits():
    rng = np.random.default_rng(0)
    a, b = (int(rng.integers(1, 2**62)) << 2900 for _ in range(2))
    bits = bit_rows(a, b)
    n_bits = len(bits.bits_a)
    fig = figures.gates_figure(bits, gate_panels(n_bits, 16), np.arange(16))
    assert tuple(fig.layout.xaxis.range) == (-0.5, figures.INITIAL_WINDOW - 0.5)
    assert heatmaps(fig)[1].z.shape == (16, n_bits)  # every position is there to zoom into
    short = figures.gates_figure(bit_rows(5, 5), gate_panels(4, 2), np.arange(2))
    assert tuple(short.layout.xaxis.range) == (-0.5, 3.5)


def test_panel_of_the_wrong_shape_is_refused():
    panels = [
        figures.Panel("Update gate z", "z", np.zeros((4, 2))),
        figures.Panel("Reset gate r", "r", np.zeros((5, 2))),
    ]
    with pytest.raises(ValueError, match="expected \\(4, 2\\)"):
        figures.gates_figure(bit_rows(5, 3), panels, np.arange(2))


def test_camera_button_exports_a_slide_sized_png_or_svg():
    png = figures.plot_config("gates", "png")["toImageButtonOptions"]
    assert png["format"] == "png" and png["filename"] == "gates"
    assert (png["width"] * png["scale"], png["height"] * png["scale"]) == (1920, 1080)
    assert figures.plot_config("gates", "svg")["toImageButtonOptions"]["format"] == "svg"
    with pytest.raises(ValueError, match="'png' or 'svg'"):
        figures.plot_config("gates", "jpeg")


def test_training_figure_has_loss_and_one_line_per_length():
    steps = list(range(1, 101))
    losses = [1 / s for s in steps]
    checks = [(25, {16: 0.1, 64: 0.0}), (50, {16: 0.9, 64: 0.5}), (75, {16: 1.0, 64: 1.0})]
    fig = figures.training_figure(steps, losses, checks)
    names = [trace.name for trace in fig.data]
    assert names == ["loss", "16-bit numbers", "64-bit numbers"]
    assert list(fig.data[2].y) == [0.0, 0.5, 1.0]
    assert fig.layout.yaxis.type == "log"


def test_training_figure_thins_long_histories():
    steps = list(range(1, 10_001))
    fig = figures.training_figure(steps, [1.0] * len(steps), [], max_points=500)
    assert len(fig.data[0].x) <= 1000


def test_a_window_draws_only_its_positions_at_their_place_with_a_cursor():
    from test_page import make_trace

    trace = make_trace(2**40 - 1, 1, hidden=3)
    fig = figures.trace_figure(trace, "gates", np.arange(3), "x", window=(10, 20), cursor=14)
    _, z, _ = heatmaps(fig)
    assert z.z.shape == (3, 10) and z.x0 == 10
    np.testing.assert_allclose(z.z[:, 0], trace.z[10])
    (cursor,) = fig.layout.shapes
    assert (cursor.x0, cursor.x1) == (13.5, 14.5)
    assert tuple(fig.layout.xaxis.range) == (9.5, 19.5)


def test_the_carry_units_line_and_its_threshold_span_the_window():
    from test_page import make_trace

    trace = make_trace(2**40 - 1, 1, hidden=3)
    fig = figures.trace_figure(
        trace, "gates", np.arange(3), "x", track_unit=1, track_threshold=0.5, window=(10, 20)
    )
    state, carry, threshold = (t for t in fig.data if t.type == "scatter")
    assert list(state.x) == list(carry.x) == list(range(10, 20))
    assert list(threshold.x) == [10, 19] and list(threshold.y) == [0.5, 0.5]


@pytest.mark.parametrize("view", ["gates", "states"])
def test_the_gates_figure_built_without_validation_is_valid(view):
    from test_page import make_trace

    trace = make_trace(1023, 1, hidden=3)
    fig = figures.trace_figure(
        trace, view, np.arange(3), "x", track_unit=0, track_threshold=0.1, window=(2, 9), cursor=3
    )
    validated = go.Figure(fig.to_dict())  # Plotly's validation raises on anything invalid
    assert validated.layout.coloraxis.colorscale == fig.layout.coloraxis.colorscale
    assert len(validated.data) == len(fig.data) == 6


# THEMES

WHITE = {"white", "#fff", "#ffffff", "rgb(255,255,255)", "rgb(255, 255, 255)"}


def every_figure_kind(theme: figures.Theme) -> dict[str, go.Figure]:
    """One figure of each kind, built with `theme`, from small made-up results."""
    from test_page import make_trace

    from gru_viz.ablation import AblationRanking
    from gru_viz.length import LengthCurve
    from gru_viz.saturation import Saturation
    from gru_viz.state_space import MapPath, StateMap

    rng = np.random.default_rng(1)
    trace = make_trace(1024, 16, hidden=3)
    curve = LengthCurve(
        lengths=np.array([1, 4, 16, 64]),
        uniform=np.array([1.0, 1.0, 0.9, 0.5]),
        stress=np.array([1.0, 0.8, 0.4, 0.0]),
        pairs=np.array([10, 10, 10, 10]),
        chain_lows=np.array([0, 1, 2, 4]),
        chain_accuracy=np.array([1.0, 0.9, 0.5, 0.1]),
        chain_counts=np.array([5, 5, 5, 5]),
        seed=0,
    )
    n = 40
    smap = StateMap(
        mean=np.zeros(3),
        components=np.eye(2, 3),
        explained=np.array([0.6, 0.2]),
        points=rng.normal(size=(n, 2)),
        carry_out=rng.integers(0, 2, n).astype(np.int8),
        sum_bit=rng.integers(0, 2, n).astype(np.int8),
        t=np.arange(n),
        a_t=rng.integers(0, 2, n).astype(np.int8),
        b_t=rng.integers(0, 2, n).astype(np.int8),
        axes="carry",
        seed=0,
        n_pairs=4,
        n_bits=9,
    )
    path = MapPath(
        rng.normal(size=(5, 2)), np.zeros(5, np.int8), np.ones(5, np.int8), np.zeros(5, np.int8)
    )
    saturation = Saturation(*rng.uniform(size=(4, 3)), 0.1, 0.9, 100, 0, 4, 24)
    accuracy = np.array([0.2, 1.0, 0.9])
    ranking = AblationRanking(1.0, accuracy, 1 - accuracy, np.array([0, 2, 1]), 10, 64, 0)
    return {
        "gates": figures.trace_figure(
            trace, "gates", np.arange(3), "1024 + 16", track_unit=0, cursor=2, theme=theme
        ),
        "states": figures.trace_figure(trace, "states", np.arange(3), "x", theme=theme),
        "training": figures.training_figure(
            [1, 2, 3], [1.0, 0.5, 0.1], [(2, {16: 0.5})], marker_step=2, theme=theme
        ),
        "length": figures.length_figure(
            [figures.NamedCurve("m", curve, True, 16, 16)], theme=theme
        ),
        "ablation": figures.ablation_figure(ranking, [1], theme=theme),
        "state map": figures.state_map_figure(smap, path, current=1, theme=theme),
        "saturation": figures.saturation_figure(saturation, [1], theme=theme),
    }


KINDS = ["gates", "states", "training", "length", "ablation", "state map", "saturation"]


def backgrounds(fig: go.Figure) -> list:
    layout = fig.layout
    colours = [layout.paper_bgcolor, layout.plot_bgcolor, layout.legend.bgcolor]
    colours += [layout.coloraxis.colorbar.bgcolor]
    colours += [t.colorbar.bgcolor for t in fig.data if "colorbar" in t]
    return [str(c).replace(" ", "").lower() for c in colours if c is not None]


@pytest.mark.parametrize("kind", KINDS)
def test_dark_figures_have_no_white_and_take_the_themes_font(kind):
    dark = figures.DARK
    fig = every_figure_kind(dark)[kind]
    assert not WHITE & set(backgrounds(fig)), backgrounds(fig)
    assert fig.layout.paper_bgcolor == dark.background
    assert fig.layout.plot_bgcolor == dark.plot_background
    assert fig.layout.font.color == dark.text and fig.layout.font.size == dark.font_size
    assert fig.layout.font.family == dark.font_family
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        assert axis.gridcolor == dark.grid and axis.zerolinecolor == dark.zero_line
        assert axis.tickfont.color == dark.text
    for note in fig.layout.annotations:
        assert note.font.color in (dark.text, dark.muted)
    if fig.layout.title.text:
        assert fig.layout.title.font.color == dark.text
    layout = fig.to_plotly_json()["layout"]
    layout.pop("template", None)  # Plotly's own, overridden wherever it would show
    text = json.dumps(layout).replace(" ", "").lower()
    assert not [white for white in WHITE if f'"{white}"' in text]


def test_light_is_the_default_and_themed_applies_afterwards():
    built = every_figure_kind(figures.LIGHT)["saturation"]
    assert built.layout.paper_bgcolor == figures.LIGHT.background
    dark = figures.themed(built, figures.DARK)
    assert dark.layout.plot_bgcolor == figures.DARK.plot_background
    assert dark.layout.font.color == figures.DARK.text
    assert built.layout.paper_bgcolor == figures.LIGHT.background  # the original stays
    bigger = figures.themed(dark, replace(figures.DARK, font_size=18))
    assert bigger.layout.font.size == 18 and bigger.layout.title.font.size == 21  # 14 * 1.5
    twice = figures.themed(bigger, replace(figures.DARK, font_size=18))  # twice is once
    assert twice.layout.title.font.size == 21
    go.Figure(twice.to_dict())  # still valid: Plotly's validation raises if not


def test_themes_by_name_and_for_the_table_and_the_machine():
    assert figures.THEMES == {"light": figures.LIGHT, "dark": figures.DARK}
    assert figures.get_theme("dark") is figures.DARK
    with pytest.raises(ValueError, match="light, dark"):
        figures.get_theme("sepia")
    css = figures.table_css(figures.DARK)
    assert f"--gv-text: {figures.DARK.text}" in css and "#f4f5f7" not in css
    from test_page import make_trace

    from gru_viz.bit_table import bit_table

    html = figures.bit_table_html(bit_table(make_trace(5, 3)), range(4), theme=figures.DARK)
    assert "--gv-head: " + figures.DARK.table_header in html
    from gru_viz.automaton import textbook_adder

    colours = figures.dot_colours(figures.DARK, transparent=False)
    dot = figures.machine_dot(textbook_adder(), [0, 1], colours=colours)
    assert f'bgcolor="{figures.DARK.background}"' in dot
    assert f'fontcolor="{figures.DARK.text}"' in dot
    assert figures.dot_colours(figures.LIGHT)["background"] == "transparent"


# FIGURES OF DICTS (gru_viz.figures.spec)


def figure_of_kind(kind: str) -> go.Figure:
    if kind == "slide":
        return figures.fit_to_aspect(every_figure_kind(figures.LIGHT)["gates"])
    if kind == "steps":  # frames: a figure that plays
        fig = every_figure_kind(figures.DARK)["gates"]
        return figures.step_animation(fig, [0, 1, 2], ["one", "two", "three"])
    return every_figure_kind(figures.DARK)[kind]


@pytest.mark.parametrize("kind", [*KINDS, "slide", "steps"])
def test_what_streamlit_is_handed_is_what_plotly_would_give(kind):
    """Streamlit draws a figure's to_dict(). A figure of a dict answers it from the dict, without
    building Plotly's objects; the answer is the one Plotly's objects give once built."""
    import plotly.io as pio

    from gru_viz.figures.spec import SpecFigure, layout_of
    from gru_viz.views import VIEWS

    fig = figure_of_kind(kind)
    if kind != "steps":  # (the animation changes a built figure in place)
        assert isinstance(fig, SpecFigure) and fig.unbuilt() is not None
        VIEWS["gates"].describe(fig)  # what the page does with a figure before drawing it
        assert layout_of(fig) is fig.unbuilt()["layout"]
    handed = json.loads(pio.to_json(fig.to_dict(), validate=False))
    assert handed == json.loads(pio.to_json(fig.to_dict(), validate=False))  # not changed by it
    assert fig.layout is not None  # Plotly's objects, built
    assert not isinstance(fig, SpecFigure) or fig.unbuilt() is None
    assert handed == json.loads(pio.to_json(fig.to_dict(), validate=False))
    assert handed["layout"]["template"]["layout"]  # Plotly's default template, as go.Figure adds
    assert json.loads(pio.to_json(go.Figure(fig), validate=False)) == handed


def test_a_figure_of_a_dict_changed_through_plotly_shows_the_change():
    from gru_viz.figures.spec import from_spec, plain

    spec = {"data": [{"type": "scatter", "x": np.arange(3), "y": [1, 2, 3]}], "layout": {}}
    fig = from_spec(spec)
    assert plain(fig)["data"][0]["x"] is not spec["data"][0]["x"]  # a deep copy
    fig.update_layout(title_text="changed")
    fig.data[0].y = [3, 2, 1]
    drawn = fig.to_dict()
    assert drawn["layout"]["title"]["text"] == "changed"
    assert list(drawn["data"][0]["y"]) == [3, 2, 1]
    assert "title" not in spec["layout"] or spec["layout"]["title"] is not None
    with pytest.raises(AttributeError):
        fig.no_such_thing  # noqa: B018 (an attribute that does not exist stays missing)


def test_threads_reading_one_figure_of_a_dict_all_see_it_built_once():
    import threading

    from gru_viz.figures.spec import from_spec

    spec = {"data": [{"type": "bar", "y": list(range(50))}], "layout": {"title": {"text": "t"}}}
    for _ in range(20):
        fig = from_spec(spec)
        seen, failed = [], []

        def read(fig=fig, seen=seen, failed=failed):
            try:
                seen.append(fig.layout.title.text)
            except Exception as error:  # noqa: BLE001 (any error is the failure)
                failed.append(error)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failed == [] and seen == ["t"] * 4


def test_a_long_title_breaks_before_its_numbers_and_gets_the_room_for_it():
    """Two 18-digit numbers do not fit on one line of the page's figure at 1280 px: the title
    breaks before "for", and the plots move down by one line instead of under the title."""
    from test_page import make_trace

    from gru_viz.views import VIEWS

    short = figures.trace_figure(make_trace(1024, 16, hidden=3), "gates", np.arange(3), "1024 + 16")
    label = "987654321987654321 + 123456789123456789"
    long = figures.trace_figure(make_trace(1024, 16, hidden=3), "gates", np.arange(3), label)
    assert short.layout.title.text == "Update gate z and reset gate r for 1024 + 16"
    assert long.layout.title.text == f"Update gate z and reset gate r<br>for {label}"
    line = figures.style.line_px(figures.theme.scaled(16, figures.LIGHT))
    assert long.layout.margin.t == short.layout.margin.t + line
    assert long.layout.height == short.layout.height + line
    assert f"Update gate z and reset gate r for {label}." in VIEWS["gates"].describe(long)
