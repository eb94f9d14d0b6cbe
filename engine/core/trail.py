"""Capture every log line emitted while a step runs, for the products' trailer files."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["LogLine", "TrailLog", "TRAIL_FORMAT"]

#: Trailer line format (as runsinglehap's run log): time as YYYYDDDHHMMSS, level, logger, message.
TRAIL_FORMAT = "%(asctime)s %(levelname)s src=%(name)s- %(message)s"
TRAIL_DATEFMT = "%Y%j%H%M%S"


@dataclass(frozen=True)
class LogLine:
    """One formatted log line and the step and unit it belongs to."""

    unit: str
    step: str
    text: str


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[LogLine], unit: str, step: str) -> None:
        super().__init__(level=logging.DEBUG)
        self.sink, self.unit, self.step = sink, unit, step
        self.setFormatter(logging.Formatter(TRAIL_FORMAT, TRAIL_DATEFMT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.sink.append(LogLine(self.unit, self.step, self.format(record)))
        except Exception:  # noqa: BLE001 - logging must never break a step
            self.handleError(record)


class TrailLog:
    """All captured lines of a run, in order, with the unit and step that emitted them."""

    def __init__(self, level: int = logging.INFO) -> None:
        self.lines: list[LogLine] = []
        self.level = level

    @contextmanager
    def capture(self, unit: str, step: str) -> Iterator[None]:
        """Attach a handler to the root logger for the duration of one step."""
        handler = _ListHandler(self.lines, unit, step)
        handler.setLevel(self.level)
        root = logging.getLogger()
        old_level = root.level
        if root.level > self.level or root.level == logging.NOTSET:
            root.setLevel(self.level)
        root.addHandler(handler)
        try:
            yield
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)

    def for_units(self, units: set[str]) -> list[str]:
        """Lines emitted by steps running for any of ``units`` ('' is the visit), in order."""
        return [line.text for line in self.lines if line.unit in units]

    def of_step(self, unit: str, step: str) -> list[LogLine]:
        """Lines of one step and unit (for resume records)."""
        return [line for line in self.lines if line.unit == unit and line.step == step]

    def extend(self, lines: list[LogLine]) -> None:
        """Add lines restored from an earlier run."""
        self.lines.extend(lines)
