"""The real Snowplow browser trackers (npm, v4 and v3) in headless Chromium: each event reaches the collector once.

The page runs on one local origin; the tracker's endpoint is a ``*.cloudfront.net`` name that Chromium
resolves to the collector's edge. A tracker keeps an event at the head of its queue when the request
fails, and a CORS refusal is a failure although the request reached the collector and was logged:
without the right CORS answer the first event is logged once per later event and the others never
leave the browser. What reached the collector is read from its log, never from the page.
"""

from collections import Counter
from urllib.parse import urlsplit

import pytest

from tests.browser.harness import TRACKERS
from tests.browser.harness import Child
from tests.browser.harness import run_page
from tests.browser.harness import tracker_version
from tests.browser.standin_collector import read_log

PAGE_VIEWS = 3
EVENTS = PAGE_VIEWS + 1  # the page views and one structured event
APP_ID = "browser-test"
DOMAIN = "d111111abcdef8.cloudfront.net"
# The tracker configuration as the role outputs it (cloudfront_collector_result.tracker).
TRACKER = {"endpoint": f"https://{DOMAIN}", "options": {"appId": APP_ID, "platform": "web", "eventMethod": "get"}}
# With Access-Control-Allow-Origin "*" the requests must carry no credentials: v4 reads `credentials`,
# v3 `withCredentials` (and ignores `credentials`).
OMIT_CREDENTIALS = {"credentials": "omit", "withCredentials": False}


class StandinCollector(Child):
    """``tests.browser.standin_collector`` with one CORS answer; its log decoded by ``records()``."""

    def __init__(self, directory, cors):
        self.log = directory / f"collector-{cors}.jsonl"
        super().__init__("tests.browser.standin_collector", "--cors", cors, "--log", str(self.log))

    def records(self):
        """Every request the collector logged, decoded."""
        return read_log(self.log)


def tracker_config(**options):
    """The role's tracker configuration with ``options`` added."""
    return {"endpoint": TRACKER["endpoint"], "options": {**TRACKER["options"], **options}}


def pixel_records(records):
    """The tracker requests (``GET /i``) among the logged ones."""
    return [record for record in records if record["path"] == "/i"]


def figures_line(label, report, records):
    """One line of figures for the run's summary."""
    eids = {record.get("eid") for record in records}
    return (f"{label}: {report.get('events_tracked')} events tracked, {len(records)} records, {len(eids)} distinct eids, "
            f"{report.get('queue_left')} left in the queue ({report.get('outcome')}, {report.get('elapsed_ms')} ms in the page)")


def explain(report, records):
    """What a failed assertion shows: the page's report, the records and Chromium's log."""
    shown = {key: value for key, value in report.items() if key != "chromium_log"}
    lines = [f"page report: {shown}", "records:"]
    lines += [f"  {record.get('e')} {record.get('eid')} host={record.get('host')}" for record in records]
    return "\n".join(lines + ["Chromium's log ends:", *report.get("chromium_log", [])[-15:]])


def assert_each_event_logged_once(report, records, tracker):
    """Exactly one record per event, each event's own eid, the app id, page URL and tracker decoded."""
    why = explain(report, records)
    assert len(records) == EVENTS, why
    assert len({record["eid"] for record in records}) == EVENTS, why
    assert report["outcome"] == "queue empty", why
    assert Counter(record["e"] for record in records) == {"pv": PAGE_VIEWS, "se": 1}, why
    for record in records:
        assert record["aid"] == APP_ID, why
        assert record["p"] == "web", why
        assert record["url"] == report["page_url"], why
        assert record["tv"] == f"js-{tracker_version(tracker)}", why
        assert record["host"].split(":")[0] == urlsplit(TRACKER["endpoint"]).hostname, why
    structured = next(record for record in records if record["e"] == "se")
    assert (structured["se_ca"], structured["se_ac"]) == ("browser-test", "click"), why


def assert_duplicated_and_stuck(report, records):
    """The measured failure: fewer distinct eids than events, more records than distinct eids, events left behind."""
    why = explain(report, records)
    eids = {record["eid"] for record in records}
    assert records, why
    assert len(eids) < EVENTS, why
    assert len(records) > len(eids), why
    assert report["queue_left"] > 0, why


@pytest.mark.parametrize("tracker", TRACKERS)
@pytest.mark.parametrize("cors, options", [("echo", {}), ("star", OMIT_CREDENTIALS)], ids=["origin-echoed", "star-omit"])
def test_each_event_logged_exactly_once(page_server, tmp_path, figures, tracker, cors, options):
    """The page's origin echoed with credentials allowed (tracker defaults), or "*" with credentials omitted."""
    with StandinCollector(tmp_path, cors) as collector:
        report = run_page(page_server, tracker_config(**options), tracker, collector.port, tmp_path)
        records = pixel_records(collector.records())
    figures.append(figures_line(f"{tracker} stand-in CORS {cors} {options or 'tracker defaults'}", report, records))
    assert_each_event_logged_once(report, records, tracker)


@pytest.mark.parametrize("tracker", TRACKERS)
@pytest.mark.parametrize("cors, options", [("none", {}), ("star", {})], ids=["no-cors", "star-with-credentials"])
def test_without_matching_cors_events_are_duplicated_and_stuck(page_server, tmp_path, figures, tracker, cors, options):
    """No CORS answer, or "*" to a credentialed request: one event logged again and again, the rest never sent."""
    with StandinCollector(tmp_path, cors) as collector:
        report = run_page(page_server, tracker_config(**options), tracker, collector.port, tmp_path, queue_timeout_ms=1500)
        records = pixel_records(collector.records())
    figures.append(figures_line(f"{tracker} stand-in CORS {cors} {options or 'tracker defaults'}", report, records))
    assert_duplicated_and_stuck(report, records)


def test_v3_ignores_credentials_omit(page_server, tmp_path, figures):
    """v3 reads only `withCredentials`: `credentials: 'omit'` alone leaves its requests credentialed, so "*" fails."""
    with StandinCollector(tmp_path, "star") as collector:
        report = run_page(page_server, tracker_config(credentials="omit"), "tracker-v3", collector.port, tmp_path,
                          queue_timeout_ms=1500)
        records = pixel_records(collector.records())
    figures.append(figures_line("tracker-v3 stand-in CORS star {'credentials': 'omit'}", report, records))
    assert_duplicated_and_stuck(report, records)
