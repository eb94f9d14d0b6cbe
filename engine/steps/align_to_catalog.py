"""Align a detector's exposures to each other, then to the first reference catalogue that fits."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from hapsvm import align
from hapsvm.core import VisitContext, constrained, register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)

_GEOMETRY = {"type": "string", "enum": ["shift", "rshift", "rscale", "general"]}


@dataclass(frozen=True)
class AlignToCatalogConfig:
    """Relative and absolute alignment of a detector (spec §5.2-5.4)."""

    catalogs: list[str] = constrained(["GAIAeDR3", "GSC242", "2MASS"], minItems=1)
    """Reference catalogues, tried in this order."""
    providers: list[str] = constrained(["file", "service"], minItems=1,
                                       items={"type": "string", "enum": ["file", "service"]})
    """Where a catalogue is looked for, in order: the local file (catalog_file), then the web
    service (catalog_url); [file] switches the web service off."""
    catalog_file: str | None = None
    """Local reference catalogue (ECSV, CSV or FITS: ra, dec[, pmra, pmdec, ref_epoch, mag])."""
    catalog_file_name: str = "GAIAeDR3"
    """Catalogue name the local file stands for (used in WCSNAME)."""
    catalog_url: str | None = None
    """Catalogue service base URL (conf/step/align_to_catalog.yaml: $ASTROMETRIC_CATALOG_URL if
    set, else the STScI service runsinglehap queries); null or '': no web service."""
    catalog_cache_dir: str | None = None
    """Cache of service replies; null: $XDG_CACHE_HOME/hapsvm/catalogs; '' : no cache."""
    catalog_timeout_s: float = constrained(30.0, exclusiveMinimum=0)
    """Timeout of one service request once connected, in seconds."""
    catalog_connect_timeout_s: float = constrained(3.0, exclusiveMinimum=0)
    """Longest name lookup, and longest connect, of one service request, in seconds."""
    catalog_retries: int = constrained(2, minimum=0)
    """Further service attempts after a read timeout or HTTP 5xx (none after a connection-level
    failure: DNS, refused, unreachable, no connection within catalog_connect_timeout_s)."""
    catalog_retry_wait_s: float = constrained(1.0, minimum=0)
    """Pause between service attempts, in seconds."""
    catalog_unreachable_hold_s: float = constrained(300.0, minimum=0)
    """After a connection-level failure, every catalogue and detector of the process skips
    that host (same reason) for this many seconds; 0: ask it every time."""
    max_catalog_reply_bytes: int = constrained(50_000_000, minimum=1000)
    """Largest accepted service reply, in bytes."""
    fit_methods: list[str] = constrained(["relative", "image"], minItems=1, items={
        "type": "string", "enum": ["relative", "image"]})
    """relative: exposures aligned together, then one fit of the group; image: each exposure
    fitted to the catalogue alone. Tried in this order on each catalogue."""
    fit_geometries: list[str] = constrained(["rscale", "rshift", "shift"], minItems=1,
                                            items=_GEOMETRY)
    """Catalogue-fit geometries, tried in this order (drizzlepac 3.11: rscale only)."""
    relative_geometries: list[str] = constrained(["rscale", "rshift", "shift"], minItems=1,
                                                 items=_GEOMETRY)
    """Relative-fit geometries, tried in this order."""
    min_matches: dict[str, int] = constrained(
        {"general": 25, "rscale": 6, "rshift": 4, "shift": 4},
        additionalProperties={"type": "integer", "minimum": 1})
    """Fewest matches (and reference sources) for each geometry (drizzlepac 3.11: rscale 12)."""
    search_radius_px: float = constrained(250.0, exclusiveMinimum=0)
    """Catalogue matching search radius, in detector pixels (250 IR, 400 UVIS/WFC)."""
    relative_search_radius_px: float = constrained(125.0, exclusiveMinimum=0)
    """Relative matching search radius, in detector pixels."""
    separation_px: float = constrained(4.0, minimum=0)
    """Minimum separation of sources used for matching, in pixels."""
    tolerance_px: float = constrained(2.0, exclusiveMinimum=0)
    """Matching tolerance after the 2-D histogram offset, in pixels."""
    use_2dhist: bool = True
    """Find the initial offset with a 2-D histogram of source pair offsets."""
    n_clip_iterations: int = constrained(1, minimum=0)
    """Sigma-clipping iterations of each fit."""
    clip_sigma: float = constrained(3.0, exclusiveMinimum=0)
    """Clipping threshold, in fit RMS."""
    max_relative_rotation_deg: float = constrained(0.1, exclusiveMinimum=0)
    """Largest rotation of an exposure relative to the first one, in degrees."""
    min_fit_matches: int = constrained(4, minimum=1)
    """MIN_FIT_MATCHES: fewest matches of an accepted fit."""
    good_fit_rms_mas: float = constrained(20.0, exclusiveMinimum=0)
    """MAX_FIT_RMS: total RMS below which quality is 1 or 2, in mas."""
    max_fit_rms_mas: float = constrained(150.0, exclusiveMinimum=0)
    """MAX_FIT_LIMIT: largest accepted fit RMS, in mas."""
    min_mag_correlation: float = constrained(0.5, minimum=0, maximum=1)
    """Smallest |r| of image vs catalogue magnitudes for a sparse fit not to be compromised."""
    accepted_quality_codes: list[int] = constrained([1, 2, 3, 4], minItems=1, items={
        "type": "integer", "minimum": 1, "maximum": 4})
    """Quality codes that end the search."""
    keep_relative_fit: bool = True
    """When no catalogue fit is accepted, still apply the relative alignment (FIT_REL_NONE) if
    its RMS is within max_fit_rms_mas."""


def settings_from(cfg: AlignToCatalogConfig) -> align.AlignmentSettings:
    """The domain settings of a step config."""
    match = dict(separation_px=cfg.separation_px, tolerance_px=cfg.tolerance_px,
                 use_2dhist=cfg.use_2dhist)
    return align.AlignmentSettings(  # field by field: the step config names carry units
        catalogs=tuple(cfg.catalogs), methods=tuple(cfg.fit_methods),
        fit_geometries=tuple(cfg.fit_geometries),
        relative_geometries=tuple(cfg.relative_geometries), min_matches=dict(cfg.min_matches),
        relative_match=align.MatchSettings(cfg.relative_search_radius_px, **match),
        catalog_match=align.MatchSettings(cfg.search_radius_px, **match),
        n_clip=cfg.n_clip_iterations, clip_sigma=cfg.clip_sigma,
        max_relative_rotation_deg=cfg.max_relative_rotation_deg,
        keep_relative_fit=cfg.keep_relative_fit,
        quality=align.QualitySettings(cfg.min_fit_matches, cfg.good_fit_rms_mas,
                                      cfg.max_fit_rms_mas, cfg.min_mag_correlation,
                                      tuple(cfg.accepted_quality_codes)))


def providers_from(cfg: AlignToCatalogConfig) -> list[align.CatalogProvider]:
    """Catalogue providers in the configured order (unconfigured ones are left out)."""
    cache_dir = cfg.catalog_cache_dir if cfg.catalog_cache_dir is not None else str(
        Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "hapsvm" / "catalogs")
    return align.make_providers(
        list(cfg.providers), catalog_file=Path(cfg.catalog_file) if cfg.catalog_file else None,
        catalog_name=cfg.catalog_file_name, service_url=cfg.catalog_url or "",
        cache=align.CatalogCache(Path(cache_dir)) if cache_dir else None,
        service=align.ServiceSettings(
            timeout_s=cfg.catalog_timeout_s, retries=cfg.catalog_retries,
            retry_wait_s=cfg.catalog_retry_wait_s, max_reply_bytes=cfg.max_catalog_reply_bytes,
            connect_timeout_s=cfg.catalog_connect_timeout_s,
            unreachable_hold_s=cfg.catalog_unreachable_hold_s))


@register_step("align_to_catalog", config=AlignToCatalogConfig,
               requires=("product_tree", "input_copies", "alignment_sources"),
               provides=("alignment",), scope="detector")
def align_to_catalog(ctx: VisitContext, cfg: AlignToCatalogConfig) -> None:
    """Fit the exposures together, then each catalogue × method × geometry until one passes."""
    sources = ctx.read("alignment_sources")
    if not sources:
        raise NoWorkFound("no exposure has a source list to align")
    copies = ctx.read("input_copies")
    wcs, priors = {}, {}
    for exp in sources:
        priors[exp.rootname], chips = align.read_exposure_wcs(copies[exp.rootname])
        wcs.update({(exp.rootname, ver): w for ver, w in chips.items()})
    providers = providers_from(cfg)
    if not providers:
        log.warning("%s: no reference catalogue configured (align_to_catalog.providers %s, "
                    "catalog_file %s, catalog_url %r)", ctx.unit, list(cfg.providers),
                    cfg.catalog_file, cfg.catalog_url)
    result = align.align_detector(sources, wcs, providers, settings_from(cfg),
                                  detector=ctx.unit, priors=priors)
    if result.status == align.ALIGNED:
        log.info("%s: %s %s/%s, %d matches, rms %.1f mas, quality %d", ctx.unit, result.catalog,
                 result.method, result.fit_geometry, result.n_matches, result.fit_rms_mas,
                 result.quality_code)
    else:
        log.warning("%s: alignment %s: %s", ctx.unit, result.status, result.reason)
    ctx.write("alignment", result)
