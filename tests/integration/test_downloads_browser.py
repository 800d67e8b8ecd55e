"""The download buttons of the pages in a real headless Chromium, against the live server: every table and chart has
its CSV and Excel links, each answers a file (fetched by the page itself, with the reader's session), and the
chart's links follow its container choice. The monthly site report's page too (docs/web.md, "Downloads")."""

from apps.api.exports import XLSXRenderer
from tests.integration.test_growth_page_browser import (  # noqa: F401 (fixtures)
    browser,
    farm,
    log_in,
    open_growth_page,
    pytestmark,
    wait_for,
)

FETCH_ALL = """
const done = arguments[arguments.length - 1];
Promise.all([...document.querySelectorAll('a.download')].map(async (a) => {
  const r = await fetch(a.href);
  const body = new Uint8Array(await r.arrayBuffer());
  return {what: a.closest('.downloads').dataset.what, format: a.dataset.format, href: a.getAttribute('href'),
          status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'),
          head: Array.from(body.slice(0, 4))};
})).then(done, (e) => done(String(e)));
"""
#: the files' first bytes: a CSV starts with the UTF-8 byte-order mark, an .xlsx is a zip ("PK\x03\x04")
MAGIC = {"csv": [0xEF, 0xBB, 0xBF], "xlsx": [0x50, 0x4B, 0x03, 0x04]}
TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSXRenderer.media_type}


def downloads(browser) -> list[dict]:
    browser.set_script_timeout(120)
    found = browser.execute_async_script(FETCH_ALL)
    assert isinstance(found, list), found
    return found


def assert_files(found: list[dict], whats: set[str]) -> None:
    """Two links (CSV, Excel) per table or chart named in ``whats``, each a 200 attachment of its format."""
    assert {f["what"] for f in found} == whats
    assert sorted((f["what"], f["format"]) for f in found) == sorted((w, x) for w in whats for x in ("csv", "xlsx"))
    for f in found:
        assert f["status"] == 200, f
        assert f["type"] == TYPES[f["format"]], f
        assert f["disposition"].startswith("attachment;"), f
        assert f["head"][: len(MAGIC[f["format"]])] == MAGIC[f["format"]], f


def test_every_table_and_chart_of_the_pages_downloads_its_files(live_server, browser, farm):
    scenario, source, dest = farm
    open_growth_page(browser, live_server, scenario.batch_id)
    assert_files(
        downloads(browser),
        {"the chart's daily states", "the projection", "the segments", "the plan", "the planned activities"},
    )
    from selenium.webdriver.support.ui import Select  # noqa: PLC0415

    wait_for(browser, lambda d: len(Select(d.find_element("id", "assignment")).options) > 1)
    Select(browser.find_element("id", "assignment")).select_by_value(str(dest.pk))
    chart_csv = browser.find_element("css selector", '.chart-downloads a[data-format="csv"]').get_attribute("href")
    assert f"assignment={dest.pk}" in chart_csv and f"batch={scenario.batch_id}" in chart_csv

    browser.get(f"{live_server.url}/")
    assert_files(downloads(browser), {"the containers' assignments", "the weeks"})  # the batches: on /batches/
    browser.get(f"{live_server.url}/batches/")
    assert_files(downloads(browser), {"the batches"})
    browser.get(f"{live_server.url}/containers/{dest.container_id}/")
    wait_for(browser, lambda d: d.find_elements("css selector", "#history tbody tr"))
    assert_files(
        downloads(browser),
        {"its history", "the chart's daily states", "the projection", "the segments"},
    )


def test_the_site_report_page_downloads_its_month(live_server, browser, farm):
    scenario, source, dest = farm
    log_in(browser, f"{live_server.url}/reports/sites/{source.container.site_id}/2024-01/")
    wait_for(browser, lambda d: d.find_elements("css selector", ".site-report"))
    assert_files(downloads(browser), {"this site's month"})
