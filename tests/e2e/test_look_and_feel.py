"""Foundations every page relies on: htmx and plotly.js load from static/ under the content
security policy, and charts.js draws a figure from the chart markup the pages render."""

from __future__ import annotations

import json
import re

import pytest
from django.template.loader import render_to_string

from tests.e2e.conftest import screenshot, sign_in
from tests.personas import PASSWORD, personas_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIGURE = {
    "data": [{"type": "bar", "x": ["Sở Tư pháp", "UBND huyện Hải Lăng"], "y": [0.9958, 0.71]}],
    "layout": {
        "title": {"text": "Tỷ lệ đúng hạn & 'trễ'"},
        "height": 300,
        # Markup inside the JSON: it must reach charts.js as text, not as elements.
        "meta": "</div><i>ngoài</i>",
    },
}


@pytest.fixture
def people():
    return personas_create()


def test_the_page_has_a_content_security_policy_and_htmx_from_static(page, people, live_server):
    sign_in(page, "province_officer", PASSWORD)
    response = page.goto("/imports/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert page.evaluate("typeof window.htmx") == "object"
    sources = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert all(src.startswith(live_server.url + "/static/") for src in sources), sources
    assert page.locator("script:not([src])").count() == 0  # no inline scripts


def test_charts_js_draws_the_figure_a_page_renders_under_the_policy(page, people):
    sign_in(page, "province_officer", PASSWORD)
    page.goto("/imports/")
    # The chart markup exactly as the pages render it (reports/_charts.html: a div to draw in
    # and the figure's JSON, HTML-escaped, in a hidden element), with text that needs escaping.
    charts = [
        {
            "id": "chart-on-time",
            "title": "Tỷ lệ đúng hạn",
            "json": json.dumps(FIGURE, ensure_ascii=False),
        }
    ]
    markup = render_to_string("reports/_charts.html", {"charts": charts})
    # The include a chart page ends with: its stylesheet and placeholder, then its scripts in order.
    include = render_to_string("charts_scripts.html")
    page.evaluate(
        """([markup, include]) => {
            const main = document.querySelector("main");
            const parsed = new DOMParser().parseFromString(markup, "text/html");
            for (const node of parsed.body.childNodes) {
                main.append(document.importNode(node, true));
            }
            const scripts = new DOMParser().parseFromString(include, "text/html");
            for (const node of scripts.querySelectorAll("link, template")) {
                document.body.append(document.importNode(node, true));
            }
        }""",
        [markup, include],
    )
    scripts = re.findall(r'<script src="([^"]+)"', include)
    assert scripts == ["/static/vendor/plotly.min.js", "/static/js/charts.js"]
    for src in scripts:
        page.add_script_tag(url=src)
    page.locator('[data-chart="chart-on-time"] .main-svg').first.wait_for()
    assert page.locator('[data-chart="chart-on-time"] .bars .point').count() == 2
    assert page.locator('[data-chart="chart-on-time"] .gtitle').text_content() == (
        "Tỷ lệ đúng hạn & 'trễ'"
    )
    assert page.locator("main i").count() == 0
    assert json.loads(page.locator("#chart-on-time").text_content()) == FIGURE
    screenshot(page, "chart-smoke")
