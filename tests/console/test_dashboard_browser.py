"""The dashboard in a real browser (Debian's headless Chromium), served over https in-process.

Proves what the test client cannot: the charts render under the console's strict CSP, the
filter form works, and the CSV link downloads a file with the figures.
"""

from __future__ import annotations

import csv

import pytest

from tests.harness import sign_in_page
from tests.support import PASSWORD

pytestmark = pytest.mark.browser


def bar_titles(page, chart: str) -> list:
    return page.locator(f"svg[aria-labelledby^='{chart}-title'] rect > title").all_text_contents()


def test_a_supervisor_reads_the_charts_filters_by_channel_and_downloads_the_csv(
    staff, seeded, served, page
):
    console = []
    page.on("console", lambda message: console.append(message.text))
    sign_in_page(page, served, "sue@example.org", PASSWORD)
    page.get_by_role("heading", name="Queue").wait_for()
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Action team dashboard").wait_for()

    page.get_by_label("From", exact=True).fill("2026-11-02")
    page.get_by_label("To", exact=True).fill("2026-11-22")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**from=2026-11-02**")
    weeks = page.get_by_role("img", name="Conversations started per week")
    assert weeks.is_visible()
    assert weeks.bounding_box()["height"] > 100  # drawn, not collapsed
    assert bar_titles(page, "chart-weeks") == [
        "Week of 2026-11-02, SMS: 3",
        "Week of 2026-11-02, Web chat: 1",
        "Week of 2026-11-09, SMS: 1",
        "Week of 2026-11-09, Web chat: 2",
        "Week of 2026-11-16, SMS: 1",
        "Week of 2026-11-16, Web chat: 1",
    ]
    assert "Overdose response: 4 messages" in bar_titles(page, "chart-topics")
    # The bars take their colour from the stylesheet (no inline style is allowed).
    fill = page.locator("svg rect.chart__bar--web").first.evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(230, 159, 0)"
    assert not [text for text in console if "Content Security Policy" in text]

    page.get_by_label("Channel", exact=True).select_option("sms")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**channel=sms**")
    assert bar_titles(page, "chart-weeks") == [
        "Week of 2026-11-02, SMS: 3",
        "Week of 2026-11-09, SMS: 1",
        "Week of 2026-11-16, SMS: 1",
    ]
    assert bar_titles(page, "chart-towns") == [
        "Norwich, CT: 6 lookups",
        "Other towns (fewer than 5 each): 7 lookups",
    ]

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "helpline-figures-2026-11-02-to-2026-11-22-sms.csv"
    with open(download.value.path(), newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["section", "label", "value"]
    assert ["Period", "Channel", "SMS"] in rows
    assert ["Conversations started per week", "Total", "5"] in rows
    assert ["Towns looked up", "Norwich, CT", "6"] in rows
    assert ["Check-ins", "People enrolled", "4"] in rows
    assert not any("Web chat" in row[1] for row in rows)
