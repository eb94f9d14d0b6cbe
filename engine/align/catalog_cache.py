"""On-disk cache of catalogue-service replies, integrity-checked with sha256."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hapsvm.align.refcat import CatalogRequest

__all__ = ["CachedReply", "CatalogCache", "cache_key"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedReply:
    """A stored service reply and how it was obtained."""

    text: str
    epoch_applied: bool
    url: str


def cache_key(service: str, request: CatalogRequest) -> str:
    """File-name-safe key of a request: catalogue, centre, radius, epoch (and whether proper
    motions are applied) and service.

    Examples
    --------
    >>> r = CatalogRequest("GAIAeDR3", 53.1, -27.8, 0.05, 2009.755)
    >>> cache_key("http://x", r).startswith("GAIAeDR3_53.100000_-27.800000_0.050000_2009.755_")
    True
    """
    canonical = (f"{request.catalog}|{request.ra_deg:.6f}|{request.dec_deg:.6f}|"
                 f"{request.radius_deg:.6f}|{request.epoch_year:.3f}|{service}")
    if not request.apply_proper_motions:
        canonical += "|no-epoch"
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in request.catalog)
    return (f"{safe}_{request.ra_deg:.6f}_{request.dec_deg:.6f}_{request.radius_deg:.6f}_"
            f"{request.epoch_year:.3f}_{digest}")


class CatalogCache:
    """Replies stored as ``<key>.csv`` with ``<key>.json`` (sha256, epoch flag, URL) beside it.

    Parameters
    ----------
    directory
        Cache directory (created on first write).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory).expanduser()

    def _paths(self, service: str, request: CatalogRequest) -> tuple[Path, Path]:
        key = cache_key(service, request)
        return self.directory / f"{key}.csv", self.directory / f"{key}.json"

    def get(self, service: str, request: CatalogRequest) -> CachedReply | None:
        """The stored reply, or ``None`` if absent or corrupt (a corrupt entry is removed)."""
        data_path, meta_path = self._paths(service, request)
        if not data_path.is_file() or not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            raw = data_path.read_bytes()
            if hashlib.sha256(raw).hexdigest() != meta["sha256"]:
                raise ValueError("sha256 mismatch")
            return CachedReply(raw.decode("utf-8"), bool(meta["epoch_applied"]), str(meta["url"]))
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("catalogue cache entry %s is corrupt (%s): removed, fetching again",
                        data_path.name, err)
            for path in (data_path, meta_path):
                path.unlink(missing_ok=True)
            return None

    def put(self, service: str, request: CatalogRequest, reply: CachedReply) -> Path:
        """Store a reply atomically (data first, then its checksum file); return the data path."""
        data_path, meta_path = self._paths(service, request)
        self.directory.mkdir(parents=True, exist_ok=True)
        raw = reply.text.encode("utf-8")
        meta = {"sha256": hashlib.sha256(raw).hexdigest(), "epoch_applied": reply.epoch_applied,
                "url": reply.url, "catalog": request.catalog, "ra_deg": request.ra_deg,
                "dec_deg": request.dec_deg, "radius_deg": request.radius_deg,
                "epoch_year": request.epoch_year}
        _atomic_bytes(data_path, raw)
        _atomic_bytes(meta_path, json.dumps(meta, indent=1).encode())
        return data_path


def _atomic_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
