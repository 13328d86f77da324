"""The report's charts read right: every label on the canvas, axes that fit what they show
(docs/report.md, "Figures")."""

from __future__ import annotations

import textwrap

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from phonejail.config import Config
from phonejail.report import figures as charts
from phonejail.report.build import build_report
from tests.conftest import TREES

QUICK = """
    phonejail: 1
    name: quick
    start: hello
    intents: [anything]
    nodes:
      hello: {kind: say, say: "Putting you through.", seconds: 2, next: person}
      person: {kind: agent}
    callers:
      - {name: everyone, intent: anything}
    """


def _drawn(fig):
    canvas = FigureCanvasAgg(fig)
    with charts.plain_text():
        canvas.draw()
    return canvas.get_renderer()


def _outside(fig) -> list[str]:
    """Titles, axis labels, legends and notes drawn (partly) off the canvas: cut off in the
    PNG. (Tick labels are left out: matplotlib keeps some for ticks beyond the view, undrawn.)"""
    renderer = _drawn(fig)
    width, height = fig.bbox.width, fig.bbox.height
    texts: list[Text] = [*fig.texts]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    for legend in fig.legends:
        texts += legend.get_texts()
    cut = []
    for t in texts:
        if not t.get_visible() or not t.get_text().strip():
            continue
        box = t.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            cut.append(t.get_text())
    return cut


@pytest.fixture(scope="module")
def isp():
    return build_report(str(TREES / "isp_billing.yaml"), "isp", Config(), 0, 1)


@pytest.fixture(scope="module")
def bakery():
    return build_report(str(TREES / "small_business.yaml"), "sb", Config(), 0, 1)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    path = tmp_path_factory.mktemp("quick") / "quick.yaml"
    path.write_text(textwrap.dedent(QUICK), encoding="utf-8")
    return build_report(str(path), "quick", Config(), 0, 1)


def test_titles_stay_on_the_canvas_beside_long_persona_names(isp, quick) -> None:
    """'phone customer changing a card' pushes the bars right: a title centred on them ran
    off the canvas ('red bars are callers asked ag'), as did the steps title over one panel."""
    assert _outside(charts.outcomes_figure(isp.exact)) == []
    assert _outside(charts.identity_figure(isp.exact)) == []
    assert _outside(charts.steps_figure(quick.exact, quick.exact)) == []


def test_the_outcomes_title_names_every_jailed_outcome(isp) -> None:
    """Left unhelped (orange) is phone jail as much as cut off and hung up (docs/report.md)."""
    fig = charts.outcomes_figure(isp.exact)
    title = fig.get_suptitle()
    assert "orange (left unhelped)" in title and "red (cut off)" in title


def test_steps_are_whole_numbers_on_the_axis(quick, bakery) -> None:
    for r in (quick, bakery):
        fig = charts.steps_figure(r.exact, r.exact)
        _drawn(fig)
        for ax in fig.axes[::2]:  # each panel and its CDF twin: the panels
            ticks = [x for x in ax.get_xticks() if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]]
            assert ticks and all(float(x).is_integer() for x in ticks), ticks


def test_a_tree_that_asks_nothing_has_an_identity_axis_from_0(bakery) -> None:
    fig = charts.identity_figure(bakery.exact)
    left, right = fig.axes[0].get_xlim()
    assert left == 0 and right >= 1


def test_time_to_a_human_spans_a_minute_and_says_which_curves_coincide(bakery) -> None:
    """The bakery answers every caller after 2 s: the axis was 0 to 0.035 minutes, with one
    line at its edge, and two of the three personas in the legend were nowhere to be seen."""
    fig = charts.seconds_figure(bakery.exact, bakery.exact)
    ax = fig.axes[0]
    left, right = ax.get_xlim()
    assert right - left >= 1.0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["customer ordering a cake (exact; under unhappy customer)",
                      "customer with a question (exact; under unhappy customer)",
                      "unhappy customer (exact)"]
    # Each curve goes on at 1.0 to the right edge: a plateau, not a lone vertical line.
    assert all(line.get_xdata()[-1] == pytest.approx(right) for line in ax.get_lines())
