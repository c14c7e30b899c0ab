// The browser test's page (tests/browser/test_trackers.py drives it).
//
// Query parameters: tracker (the npm alias in node_modules, e.g. tracker-v4), pageviews (N),
// interval (ms between two events, as when a visitor moves on; default 300), timeout (ms to
// wait for the queue to empty after the last event).
//
// The tracker is configured with exactly the JSON served at /tracker.json, the tracker
// configuration the role outputs (cloudfront_collector_result.tracker):
// newTracker('sp', config.collector_url, config.options). The page tracks N page views and one
// structured event, one every `interval` ms, waits until the tracker's outbound queue (kept in
// localStorage) is empty or the timeout passes, and POSTs what it saw to /result.
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var trackerPackage = params.get('tracker') || 'tracker-v4';
  var pageViews = parseInt(params.get('pageviews') || '3', 10);
  var interval = parseInt(params.get('interval') || '300', 10);
  var timeout = parseInt(params.get('timeout') || '5000', 10);
  var started = Date.now();
  var errors = [];

  window.addEventListener('error', function (event) {
    errors.push(String(event.message || event));
  });
  window.addEventListener('unhandledrejection', function (event) {
    errors.push('unhandled rejection: ' + String(event.reason));
  });

  function report(result) {
    result.errors = errors;
    result.elapsed_ms = Date.now() - started;
    return fetch('/result', {method: 'POST', body: JSON.stringify(result)});
  }

  // Events still waiting in the trackers' outbound queues: v4 keeps them under
  // snowplowOutQueue_<trackerId>, v3 under snowplowOutQueue_<trackerId>_get (beside a
  // .expires key holding a timestamp), each a JSON array.
  function queued() {
    var count = 0;
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key.indexOf('snowplowOutQueue_') === 0) {
        var queue = JSON.parse(window.localStorage.getItem(key));
        count += Array.isArray(queue) ? queue.length : 0;
      }
    }
    return count;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error('cannot load ' + src)); };
      document.head.appendChild(script);
    });
  }

  // Resolves with the queue length once it has read 0 three polls in a row (100 ms apart, the
  // first after the tracker has stored what it was given), or at the timeout.
  function waitForEmptyQueue(deadline) {
    return new Promise(function (resolve) {
      var emptyPolls = 0;
      function poll() {
        var left = queued();
        emptyPolls = left === 0 ? emptyPolls + 1 : 0;
        if (emptyPolls >= 3 || Date.now() >= deadline) {
          resolve(left);
        } else {
          setTimeout(poll, 100);
        }
      }
      setTimeout(poll, 100);
    });
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // Calls each function in turn, `interval` ms apart.
  function spaced(steps) {
    return steps.reduce(function (previous, step, index) {
      return previous.then(function () { return index ? sleep(interval) : undefined; }).then(function () { step(); });
    }, Promise.resolve());
  }

  var config;
  fetch('/tracker.json')
    .then(function (response) { return response.json(); })
    .then(function (body) {
      config = body;
      return loadScript('node_modules/' + trackerPackage + '/dist/index.umd.min.js');
    })
    .then(function () {
      var sp = window.snowplowBrowserTracking;
      var steps = [];
      sp.newTracker('sp', config.collector_url, config.options || {});
      function pageView(title) {
        return function () { sp.trackPageView({title: title}); };
      }
      for (var i = 1; i <= pageViews; i++) {
        steps.push(pageView('browser test page view ' + i));
      }
      steps.push(function () {
        sp.trackStructEvent({category: 'browser-test', action: 'click', label: 'after ' + pageViews + ' page views'});
      });
      return spaced(steps).then(function () {
        return waitForEmptyQueue(Date.now() + timeout);
      }).then(function (left) {
        return report({
          tracker: trackerPackage,
          events_tracked: pageViews + 1,
          queue_left: left,
          outcome: left === 0 ? 'queue empty' : 'timeout',
          page_url: window.location.href,
          origin: window.location.origin,
        });
      });
    })
    .catch(function (error) {
      errors.push(String(error && error.stack || error));
      return report({tracker: trackerPackage, outcome: 'page error', page_url: window.location.href});
    });
})();
