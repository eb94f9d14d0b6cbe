"""Load a page in headless Chromium over the DevTools pipe: collect errors, take a screenshot.

Standard library only (``--remote-debugging-pipe``: JSON messages separated by NUL bytes on
file descriptors 3 and 4 of the browser). Used by the tests and the report benchmark.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

__all__ = ["PageCheck", "BrowserError", "find_chromium", "check_page"]

#: Flags that keep a headless browser offline and quiet.
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-extensions", "--disable-default-apps", "--mute-audio",
          "--remote-debugging-pipe")


class BrowserError(RuntimeError):
    """The browser could not be started or did not answer in time."""


@dataclass
class PageCheck:
    """What loading a page produced."""

    errors: list[str] = field(default_factory=list)
    """JavaScript exceptions, console errors and failed resource loads, one line each."""
    screenshot: Path | None = None
    width: int = 0
    height: int = 0
    """Size of the whole page (CSS pixels)."""


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _Pipe:
    """A DevTools session over the browser's pipe."""

    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.proc, self.write_fd, self.read_fd = proc, write_fd, read_fd
        self.next_id, self.buffer = 0, b""
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.write_fd, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        while True:
            event = self._read(timeout)
            self.events.append(event)
            if event.get("method") == method:
                return

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.read_fd], [], [], max(0.0, left))
            if not ready:
                raise BrowserError(f"no answer from the browser within {timeout:.0f} s")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise BrowserError(f"the browser exited (code {self.proc.poll()})")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return dict(json.loads(raw))


def _errors(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in events:
        method, p = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = p.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            out.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", "")))
                            for a in p.get("args", []))
            out.append(f"console.{p.get('type')}: {args}")
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            out.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
    return out


def _browse(pipe: _Pipe, url: str, screenshot: Path | None, width: int,
            timeout: float) -> PageCheck:
    target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        pipe.send(f"{domain}.enable", session=session)
    pipe.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900,
                                                     "deviceScaleFactor": 1, "mobile": False},
              session=session)
    pipe.send("Page.navigate", {"url": url}, session=session)
    pipe.wait_event("Page.loadEventFired", timeout)
    time.sleep(0.3)
    size = pipe.send("Page.getLayoutMetrics", session=session).get("cssContentSize", {})
    check = PageCheck(width=int(size.get("width", width)), height=int(size.get("height", 0)))
    if screenshot is not None:
        clip = {"x": 0, "y": 0, "width": check.width, "height": max(check.height, 1), "scale": 1}
        shot = pipe.send("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                    "captureBeyondViewport": True},
                         session=session, timeout=timeout)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        check.screenshot = screenshot
    pipe.send("Runtime.evaluate", {"expression": "1"}, session=session)  # flush pending events
    check.errors = _errors(pipe.events)
    return check


def check_page(page: Path, *, screenshot: Path | None = None, width: int = 1280,
               timeout: float = 60.0, executable: str | None = None) -> PageCheck:
    """Open ``page`` (a local HTML file) in headless Chromium; report errors, save a screenshot.

    Parameters
    ----------
    page
        The HTML file.
    screenshot
        Where to write a PNG of the whole page (None: no screenshot).
    width
        Viewport width in CSS pixels.
    timeout
        Seconds to wait for the browser at each stage.
    executable
        The browser; default: the first of chromium, chromium-browser, google-chrome on PATH.

    Raises
    ------
    BrowserError
        If no browser is found, it cannot start, or it does not answer in time.
    """
    exe = executable or find_chromium()
    if exe is None:
        raise BrowserError("no chromium executable on PATH (Debian: apt-get install chromium)")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def _wire() -> None:  # in the child: the pipe ends become (inheritable) fds 3 and 4
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)  # the ends may already be 3 or 4
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(high_r, 3)
        os.dup2(high_w, 4)

    with tempfile.TemporaryDirectory(prefix="svm-chromium-") as profile:
        cmd = [exe, *_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},900"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, close_fds=False,
                                preexec_fn=_wire)  # noqa: PLW1509  (child only calls dup2)
        os.close(to_browser_r)
        os.close(from_browser_w)
        pipe = _Pipe(proc, to_browser_w, from_browser_r)
        try:
            return _browse(pipe, Path(page).resolve().as_uri(), screenshot, width, timeout)
        finally:
            try:
                pipe.send("Browser.close", timeout=5.0)
            except (BrowserError, OSError):
                pass
            os.close(to_browser_w)
            os.close(from_browser_r)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
