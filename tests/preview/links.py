"""Links of an HTML page (every href and src), parsed with the standard library."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for key, value in attrs:
            if key in ("href", "src", "xlink:href") and value:
                self.targets.append(value)


def page_links(page: Path) -> tuple[list[str], set[str]]:
    """(every href/src value, every tag name) of an HTML file."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.targets, parser.tags


def local_files(page: Path) -> tuple[set[str], list[str]]:
    """(file names linked relative to the page, links that are not plain relative files).

    In-page anchors (``#...``) are neither.
    """
    files, other = set(), []
    for target in page_links(page)[0]:
        if target.startswith("#"):
            continue
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or target.startswith("/"):
            other.append(target)
        else:
            files.add(unquote(parts.path))
    return files, other
