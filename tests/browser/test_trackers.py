"""The real Snowplow browser trackers (npm, v4 and v3) in headless Chromium: each event reaches the collector once.

The role builds the collector on the strict local AWS; its local CloudFront edge serves the
distribution's ``*.cloudfront.net`` name, which Chromium resolves to it. The page runs on one local
origin and configures the tracker with the role's own output (``cloudfront_collector_result.tracker``).
A tracker keeps an event at the head of its queue when a request fails, and a CORS refusal is a
failure although the request reached the collector and was logged: without the right CORS answer
the first event is logged once per later event and the others never leave the browser. What reached
the collector is read from its access-log files in the log bucket, never from the page.
"""

from collections import Counter

import pytest

from tests.browser.harness import TRACKERS
from tests.browser.harness import run_page
from tests.browser.harness import tracker_version

PAGE_VIEWS = 3
EVENTS = PAGE_VIEWS + 1  # the page views and one structured event
ORIGINS = "cloudfront_collector_cors_allowed_origins"


def visit(collector, page_server, tracker, tmp_path, **page):
    """Load the page with the role's tracker configuration; return the page's report and every record logged meanwhile."""
    collector.mark()
    report = run_page(page_server, collector.result["tracker"], tracker, collector.edge_port, tmp_path,
                      page_views=PAGE_VIEWS, **page)
    return report, collector.new_records()


def figures_line(label, report, records):
    """One line of figures for the run's summary."""
    eids = {record["tracker"]["event_id"] for record in records}
    return (f"{label}: {report.get('events_tracked')} events tracked, {len(records)} records, {len(eids)} distinct eids, "
            f"{report.get('queue_left')} left in the queue ({report.get('outcome')}, {report.get('elapsed_ms')} ms in the page)")


def explain(report, records):
    """What a failed assertion shows: the page's report, the records and Chromium's log."""
    shown = {key: value for key, value in report.items() if key != "chromium_log"}
    lines = [f"page report: {shown}", "records:"]
    lines += [f"  {record['cs_method']} {record['cs_uri_stem']} {record['sc_status']} {record['tracker']['e']} "
              f"{record['tracker']['event_id']} host={record['cs_host']}" for record in records]
    return "\n".join(lines + ["Chromium's log ends:", *report.get("chromium_log", [])[-15:]])


def assert_each_event_logged_once(collector, report, records, tracker):
    """Exactly one record per event, each event's own eid, the app id, page URL and tracker decoded."""
    why = explain(report, records)
    events = [record["tracker"] for record in records]
    assert len(records) == EVENTS, why
    assert len({event["event_id"] for event in events}) == EVENTS, why
    assert report["outcome"] == "queue empty", why
    assert Counter(event["e"] for event in events) == {"pv": PAGE_VIEWS, "se": 1}, why
    options = collector.result["tracker"]["options"]
    for record, event in zip(records, events):
        assert (record["cs_method"], record["cs_uri_stem"], record["sc_status"]) == ("GET", "/i", 200), why
        assert record["cs_host"] == collector.result["domain_name"], why
        assert event["app_id"] == options["appId"], why
        assert event["platform"] == "web", why
        assert event["page_url"] == report["page_url"], why
        assert event["v_tracker"] == f"js-{tracker_version(tracker)}", why
    structured = next(event for event in events if event["e"] == "se")
    assert (structured["se_category"], structured["se_action"]) == ("browser-test", "click"), why
    # The local query users run (README "Querying the logs") returns exactly these events, with the same fields.
    queried = collector.query_events({event["event_id"] for event in events})
    fields = ("event_type", "event_id", "app_id", "page_url", "page_title", "domain_user_id", "session_id")
    assert sorted(tuple(row[field] or "" for field in fields) for row in queried) == sorted(
        (event["e"], event["event_id"], event["app_id"], event["page_url"], event.get("page_title") or "",
         event.get("domain_userid") or "", event.get("domain_sessionid") or "") for event in events), why


def assert_duplicated_and_stuck(report, records):
    """The measured failure: fewer distinct eids than events, more records than distinct eids, events left behind."""
    why = explain(report, records)
    eids = {record["tracker"]["event_id"] for record in records}
    assert records, why
    assert len(eids) < EVENTS, why
    assert len(records) > len(eids), why
    assert report["queue_left"] > 0, why


@pytest.mark.parametrize("tracker", TRACKERS)
def test_explicit_origin_credentialed_requests_logged_once(collector, page_server, tmp_path, figures, tracker):
    """The page's origin allowed: the tracker's default credentialed requests work, and the snippet does not override them."""
    result = collector.configure(**{ORIGINS: [page_server.origin]})
    assert result["tracker"]["collector_url"] == f"https://{result['domain_name']}"
    assert not {"credentials", "withCredentials"} & set(result["tracker"]["options"]), result["tracker"]
    report, records = visit(collector, page_server, tracker, tmp_path)
    figures.append(figures_line(f"{tracker} origins [page origin]", report, records))
    assert_each_event_logged_once(collector, report, records, tracker)


@pytest.mark.parametrize("tracker", TRACKERS)
def test_without_cors_events_are_duplicated_and_stuck(collector, page_server, tmp_path, figures, tracker):
    """A collector without CORS: one event logged again and again, the others never leave the browser."""
    collector.configure(**{ORIGINS: []})
    report, records = visit(collector, page_server, tracker, tmp_path, queue_timeout_ms=1500)
    figures.append(figures_line(f"{tracker} origins []", report, records))
    assert_duplicated_and_stuck(report, records)


@pytest.mark.parametrize("tracker", TRACKERS)
def test_any_origin_requests_without_credentials_logged_once(collector, page_server, tmp_path, figures, tracker):
    """Origins ["*"]: the snippet tells the tracker to omit credentials, and each event is logged once."""
    result = collector.configure(**{ORIGINS: ["*"]})
    assert result["tracker"]["options"].get("credentials") == "omit", result["tracker"]
    report, records = visit(collector, page_server, tracker, tmp_path)
    figures.append(figures_line(f"{tracker} origins [\"*\"]", report, records))
    assert_each_event_logged_once(collector, report, records, tracker)
