"""The call log: one JSON object per AWS request, kept in memory and appended to a file."""

import json
import threading
import time
from typing import Any


class CallLog:
    """Thread-safe record of every AWS request the server answered."""

    def __init__(self, path: str | None = None):
        self.path = path
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def record(self, **fields: Any) -> dict[str, Any]:
        """Append an entry (``ts`` is added) and write it as one JSON line to the file, if any."""
        entry = {"ts": time.time(), **fields}
        line = json.dumps(entry, sort_keys=False)
        with self._lock:
            self._entries.append(entry)
            if self.path:
                with open(self.path, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """A copy of all entries, oldest first."""
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        """Forget the in-memory entries (the file is append-only and kept)."""
        with self._lock:
            self._entries.clear()
