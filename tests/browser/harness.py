"""The browser test's moving parts: child servers stopped by PID, headless Chromium, the page's report.

A test starts the page server (one local origin), points Chromium's resolver for ``*.cloudfront.net``
at the collector's edge, loads the page with one of the installed trackers and waits for the page's
report; what reached the collector is read from its logs, never from the page.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NODE_MODULES = HERE / "node_modules"
CHROMIUM = "chromium"
# The trackers the page can load: their npm aliases in package.json (@snowplow/browser-tracker 4.x and 3.x).
TRACKERS = ("tracker-v4", "tracker-v3")


def tracker_version(alias):
    """The installed version of the tracker under this npm alias (from its package.json)."""
    package = NODE_MODULES / alias / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"]


def missing_setup():
    """What ``tests/browser/setup.sh`` would install that is not there, as a message (empty when ready)."""
    missing = [] if shutil.which(CHROMIUM) else ["Debian's chromium"]
    missing += [alias for alias in TRACKERS if not (NODE_MODULES / alias / "package.json").is_file()]
    if not missing:
        return ""
    return f"missing {', '.join(missing)}: run tests/browser/setup.sh (make browser does)"


class Child:
    """A ``python -m MODULE`` child process that prints its URL as its first line; stopped by PID."""

    def __init__(self, module, *args, timeout=20.0, env=None):
        environ = dict(env or os.environ)
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", module, *args], cwd=REPO, env=environ, stdout=subprocess.PIPE, text=True)
        self.pid = self.process.pid
        self.url = self._first_line(module, timeout)

    def _first_line(self, module, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _writable, _errored = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                line = self.process.stdout.readline().strip()
                if line.startswith(("http://", "https://")):
                    return line
            if self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"{module} did not start (exit code {self.process.returncode})")

    @property
    def port(self):
        """The port in the child's URL."""
        return int(self.url.rsplit(":", 1)[1])

    def stop(self, timeout=10.0):
        """SIGTERM the child by its PID (SIGKILL after ``timeout``) and return its exit code."""
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class PageServer(Child):
    """The page on ``http://127.0.0.1:PORT``; the tracker configuration and the report are files in ``directory``."""

    def __init__(self, directory):
        self.tracker_config = Path(directory, "tracker.json")
        self.result = Path(directory, "result.json")
        self.tracker_config.write_text("{}", encoding="utf-8")
        super().__init__("tests.browser.page_server", "--tracker-config", str(self.tracker_config),
                         "--result", str(self.result))

    @property
    def origin(self):
        """The page's origin, as the browser sends it in ``Origin``."""
        return self.url


def chromium_args(user_data_dir, edge_port):
    """Headless Chromium with a fresh profile; ``*.cloudfront.net`` (http and https) resolves to the local edge."""
    return [
        CHROMIUM, "--headless", "--no-sandbox", f"--user-data-dir={user_data_dir}",
        "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--host-resolver-rules=MAP *.cloudfront.net 127.0.0.1:{edge_port}", "--ignore-certificate-errors",
        "--enable-logging=stderr", "--v=0",
    ]


def run_page(page_server, tracker_config, tracker, edge_port, workdir, page_views=3, interval_ms=300,
             queue_timeout_ms=10000, timeout=60.0):
    """Load the page in headless Chromium with ``tracker`` configured from ``tracker_config``; return its report.

    ``tracker_config`` is ``{"endpoint": ..., "options": {...}}``, served to the page as is. The page
    tracks ``page_views`` page views and one structured event, ``interval_ms`` apart, waits up to
    ``queue_timeout_ms`` for the tracker's queue to empty and reports; Chromium is then stopped by PID.
    The report gains ``chromium_log`` (the tail of Chromium's stderr, console messages included).
    """
    workdir = Path(workdir)
    page_server.tracker_config.write_text(json.dumps(tracker_config), encoding="utf-8")
    page_server.result.unlink(missing_ok=True)
    profile = workdir / f"chromium-profile-{tracker}"
    shutil.rmtree(profile, ignore_errors=True)
    log_path = workdir / f"chromium-{tracker}.log"
    url = (f"{page_server.url}/page.html?tracker={tracker}&pageviews={page_views}"
           f"&interval={interval_ms}&timeout={queue_timeout_ms}")
    with log_path.open("w", encoding="utf-8") as log:
        browser = subprocess.Popen(  # pylint: disable=consider-using-with
            [*chromium_args(profile, edge_port), url], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not page_server.result.is_file() and time.monotonic() < deadline and browser.poll() is None:
            time.sleep(0.05)
    finally:
        _stop_browser(browser)
    tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
    if not page_server.result.is_file():
        raise AssertionError(f"the page sent no report within {timeout} s (Chromium exit code {browser.returncode}); "
                             "Chromium's log ends:\n" + "\n".join(tail))
    report = json.loads(page_server.result.read_text(encoding="utf-8"))
    report["chromium_log"] = tail
    shutil.rmtree(profile, ignore_errors=True)
    return report


def _stop_browser(browser, timeout=10.0):
    """SIGTERM Chromium's process group (led by the browser's PID; its helpers are in it), then SIGKILL."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(browser.pid, signum)
        except ProcessLookupError:
            break
        try:
            browser.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        time.sleep(0.2)  # helpers leave after the browser; the next round finds the group empty or ends it
    browser.wait()
