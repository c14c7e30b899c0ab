"""The browser test: the real Snowplow trackers in headless Chromium against the collector (make browser)."""
