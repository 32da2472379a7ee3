"""Progress of a long run: a bar with rate and ETA on a terminal, a line per 1,000 in a log."""

from __future__ import annotations

import time
from typing import TextIO

EVERY = 1000            # messages between two lines when the output is not a terminal
BAR = 30


class Progress:
    def __init__(self, total: int, stream: TextIO, label: str, *, clock=time.monotonic):
        self.total, self.stream, self.label, self.clock = total, stream, label, clock
        self.tty = stream.isatty()
        self.done = 0
        self._started = clock()
        self._drawn = 0.0

    def step(self) -> None:
        self.done += 1
        if self.tty:
            now = self.clock()
            if now - self._drawn >= 0.1 or self.done == self.total:     # ~10 redraws a second
                self._drawn = now
                self.stream.write("\r" + self._bar())
                self.stream.flush()
        elif self.done % EVERY == 0 and self.done < self.total:
            self.stream.write(self._line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.done:
            self.stream.write("\r" + self._bar() + "\n")
        elif self.done:
            self.stream.write(self._line() + "\n")
        self.stream.flush()

    def _rate(self) -> float:
        elapsed = self.clock() - self._started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _eta(self) -> str:
        rate = self._rate()
        if not rate:
            return "--:--:--"
        seconds = int((self.total - self.done) / rate)
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    def _bar(self) -> str:
        filled = BAR * self.done // max(self.total, 1)
        return (f"{self.label} [{'#' * filled}{'.' * (BAR - filled)}] {self.done}/{self.total} "
                f"{self._rate():.1f}/s ETA {self._eta()} ")

    def _line(self) -> str:
        return (f"{self.label}: {self.done}/{self.total} ({self._rate():.1f}/s, "
                f"ETA {self._eta()})")
