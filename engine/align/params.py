"""Parameters of SVM alignment: source finding, reference catalogues and the fit chain (spec §5).

The steps ``find_alignment_sources`` and ``align_to_catalog`` extend
:class:`SourceFindingSettings` and :class:`AlignmentSettings` as their configs: each field is a
recipe key, its docstring the schema description and its bounds the schema's limits. Per-detector
values live in ``conf/detector/<det>.yaml``. Standard library only, so a step imports it cheaply.
"""
from __future__ import annotations

from dataclasses import dataclass

from hapsvm.bounds import constrained

__all__ = ["AlignmentSettings", "GEOMETRIES", "MatchSettings", "QualitySettings",
           "SourceFindingSettings"]

#: Fit geometries of tweakwcs, from the fewest free parameters to the most.
GEOMETRIES = ("shift", "rshift", "rscale", "general")
_GEOMETRY = {"type": "string", "enum": list(GEOMETRIES)}


@dataclass(frozen=True)
class SourceFindingSettings:
    """Source finding for alignment (spec §5.1; per-detector values in conf/detector)."""

    box_size_px: int = constrained(27, minimum=3)
    """Background mesh box size, in pixels (27 WFC/UVIS, 13 IR/HRC/SBC)."""
    filter_size_px: int = constrained(3, minimum=1)
    """Median filter applied to the background mesh, in mesh boxes."""
    bkg_estimator: str = constrained("sextractor", enum=["sextractor", "median"])
    """Background estimator of each mesh box."""
    nsigma: float = constrained(3.0, exclusiveMinimum=0)
    """Detection threshold above the background, in background RMS."""
    threshold_factor: float = constrained(1.1, exclusiveMinimum=0)
    """Multiplier of the threshold (drizzlepac's threshold = -1.1)."""
    kernel_fwhm_px: float = constrained(2.0, exclusiveMinimum=0)
    """FWHM of the Gaussian smoothing kernel, in pixels (about the PSF FWHM)."""
    window_fwhm_px: float = constrained(2.5, exclusiveMinimum=0)
    """FWHM of the Gaussian window of the windowed centroid, in pixels."""
    min_pixels: int = constrained(7, minimum=1)
    """Fewest connected pixels above threshold for a detection."""
    max_sources_per_chip: int = constrained(250, minimum=1)
    """Brightest sources kept per chip."""
    max_peak_fraction: float = constrained(1.0, exclusiveMinimum=0, maximum=1)
    """Largest fraction of the 3x3 flux in the brightest pixel (smaller rejects cosmic rays;
    1 turns the test off)."""
    saturation_dq_bits: list[int] = constrained([256, 2048],
                                                items={"type": "integer", "minimum": 0})
    """DQ bits of saturated pixels; every other set DQ bit masks the pixel."""
    exclude_saturated: bool = False
    """Drop sources next to saturated pixels."""
    border_px: int = constrained(3, minimum=0)
    """Drop sources closer than this to the chip edge, in pixels."""
    centroid_error_floor_px: float = constrained(0.01, minimum=0)
    """Added in quadrature to each centroid's noise error (pixel-phase and PSF errors of the
    windowed centroid), in pixels; the sources' errors weight the catalogue fit."""
    saturated_centroid_error_px: float = constrained(0.05, minimum=0)
    """Added in quadrature to the centroid error of a source with a saturated pixel within
    3 pixels (a flat-topped core), in pixels."""


@dataclass(frozen=True)
class MatchSettings:
    """tweakwcs XY-XY matcher parameters, in detector pixels (the fit plane's unit)."""

    search_radius_px: float = 250.0
    separation_px: float = 4.0
    tolerance_px: float = 2.0
    use_2dhist: bool = True


@dataclass(frozen=True)
class QualitySettings:
    """Thresholds of spec §5.4 (drizzlepac names in brackets)."""

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
    """Quality codes that end the search [GOOD_FIT_QUALITY_VALUES]."""


@dataclass(frozen=True)
class AlignmentSettings(QualitySettings):
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
    keep_relative_fit: bool = True
    """When no catalogue fit is accepted, still apply the relative alignment (FIT_REL_NONE) if
    its RMS is within max_fit_rms_mas."""
    apply_proper_motions: bool = True
    """Bring the catalogue to the exposures' epoch with its proper motions (the service is
    asked for that EPOCH; files and cached replies are propagated here); false: catalogue
    positions taken as listed (for comparisons)."""
    weighted_fit: bool = True
    """Weight each catalogue star by 1/σ², σ² = its catalogue error at the epoch
    (σ_pos² + (Δt·σ_pm)²) + the error of its mean measured position; false: equal weights
    (drizzlepac 3.11 weights by the listed position errors alone, at the catalogue's epoch).
    Either way the fit reports a formal uncertainty (SVMAERR)."""

    @property
    def relative_match(self) -> MatchSettings:
        """The matcher of the relative fit."""
        return MatchSettings(self.relative_search_radius_px, self.separation_px,
                             self.tolerance_px, self.use_2dhist)

    @property
    def catalog_match(self) -> MatchSettings:
        """The matcher of the catalogue fits."""
        return MatchSettings(self.search_radius_px, self.separation_px, self.tolerance_px,
                             self.use_2dhist)
