"""A plain-text progress bar on stderr (no dependency): redrawn in place on a terminal, a line per
tenth when stderr is a file or a pipe."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.last_tenth = -1
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, done: int, label: str, rows: int) -> None:
        now = time.monotonic()
        fraction = min(done / self.total, 1.0)
        tenth = int(fraction * 10)
        if self.tty:
            if now - self.last_draw < 0.2 and done < self.total:
                return
        elif tenth == self.last_tenth and done < self.total:
            return
        self.last_draw, self.last_tenth = now, tenth
        elapsed = now - self.started
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        speed = rows / elapsed if elapsed > 0 else 0.0
        line = (
            f"[{bar}] {fraction * 100:5.1f}%  {label}  {rows:,} rows  {elapsed:6.1f} s  "
            f"{speed / 1000:6.1f}k rows/s"
        )
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def note(self, message: str) -> None:
        """A line of its own (a step that is not counted in rows, e.g. VACUUM ANALYZE)."""
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.stream.write(message + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
