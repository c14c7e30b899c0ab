-- Snowplow tracker events from CloudFront access logs: one row per tracker request (GET /i with an event type).
-- Runs as is in Athena (Trino) and in DuckDB (tests/query_logs.py) over a relation cloudfront_logs whose columns are
-- the log fields in snake case (cs_uri_stem, cs_uri_query, ...), as the Athena tables of CloudFront logs name them.
-- CloudFront logs the tracker's query string URL-encoded once more: one url_decode gives it back, and the values of
-- url, page, aid and uid are decoded once more. Requests without an `e` parameter (the role's log check) are left out.
SELECT
  requests.log_date,
  requests.log_time,
  regexp_extract(requests.q, '(?:^|&)e=([^&]*)', 1) AS event_type,
  regexp_extract(requests.q, '(?:^|&)eid=([^&]*)', 1) AS event_id,
  url_decode(regexp_extract(requests.q, '(?:^|&)aid=([^&]*)', 1)) AS app_id,
  regexp_extract(requests.q, '(?:^|&)dtm=([^&]*)', 1) AS device_timestamp_ms,
  url_decode(regexp_extract(requests.q, '(?:^|&)url=([^&]*)', 1)) AS page_url,
  url_decode(regexp_extract(requests.q, '(?:^|&)page=([^&]*)', 1)) AS page_title,
  url_decode(regexp_extract(requests.q, '(?:^|&)uid=([^&]*)', 1)) AS user_id,
  regexp_extract(requests.q, '(?:^|&)duid=([^&]*)', 1) AS domain_user_id,
  regexp_extract(requests.q, '(?:^|&)sid=([^&]*)', 1) AS session_id
FROM (
  SELECT "date" AS log_date, "time" AS log_time, url_decode(cs_uri_query) AS q
  FROM cloudfront_logs
  WHERE cs_uri_stem = '/i'
) AS requests
WHERE COALESCE(regexp_extract(requests.q, '(?:^|&)e=([^&]*)', 1), '') <> ''
ORDER BY requests.log_date, requests.log_time, event_id
