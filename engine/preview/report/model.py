"""What the QA report shows, as plain data gathered from the products on disk."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

__all__ = ["FileLink", "ProductRow", "Footprint", "AlignmentRow", "KeywordTable",
           "CatalogSummary", "DecisionRow", "StepOutcome", "DetectorReport", "ReportData"]


@dataclass(frozen=True)
class FileLink:
    """One file of the product tree."""

    name: str
    kind: str
    """``drizzle``, ``input_copy``, ``headerlet``, ``trailer``, ``preview``, ... ."""
    exists: bool
    pending: bool = False
    """Absent now, but written after the report by a later step (linked anyway)."""
    recipe: str = ""
    """The ``<stem>_recipe.yaml`` beside the file, when it exists."""

    @property
    def linked(self) -> bool:
        """Whether the report links this file."""
        return self.exists or self.pending


@dataclass(frozen=True)
class ProductRow:
    """A product of the tree (total, filter or exposure) with its files."""

    level: str
    """``total``, ``filter``, ``exposure``, ``grism``, ``ramp`` or ``unpaired``."""
    label: str
    files: list[FileLink]
    preview: str = ""
    """Existing preview JPEG ('' if none)."""
    thumbnail: str = ""
    """Existing thumbnail JPEG ('' if none)."""


@dataclass(frozen=True)
class Footprint:
    """A sky outline: one or more closed polygons of (RA, Dec) vertices in degrees."""

    label: str
    kind: str
    """``exposure`` (chips of an input copy) or ``product`` (a drizzle's S_REGION)."""
    group: str
    """Filter name (colour key)."""
    polygons: list[list[tuple[float, float]]]


@dataclass(frozen=True)
class AlignmentRow:
    """Alignment keywords of one exposure copy (SCI,1 and the primary ``SVMALIGN``)."""

    rootname: str
    file: str
    keywords: dict[str, str]
    """Keyword → value as text (WCSNAME, WCSTYPE, NMATCHES, RMS_RA, ...; absent ones omitted)."""
    shift_mas: tuple[float, float] | None = None
    """(ΔRA·cosδ, ΔDec) of the chip centre, copy WCS minus original WCS, mas."""


@dataclass(frozen=True)
class KeywordTable:
    """SVM keywords of one drizzle product."""

    file: str
    values: dict[str, str]


@dataclass(frozen=True)
class CatalogSummary:
    """One point or segment catalogue."""

    file: str
    kind: str
    """``point`` or ``segment``."""
    n_rows: int
    mag_column: str
    magnitudes: list[float]
    """Finite magnitudes of ``mag_column`` (−9999 and NaN left out)."""
    positions: list[tuple[float, float]]
    """0-based (x, y) pixel positions on the product's drizzle grid."""
    meta: dict[str, str] = field(default_factory=dict)
    error: str = ""
    """Why the file could not be read ('' if it was)."""


@dataclass(frozen=True)
class DecisionRow:
    """The vetting decision of one input file."""

    filename: str
    rootname: str
    filter_name: str
    exptime_s: float
    keep: bool
    kind: str
    reason: str
    warning: str


@dataclass(frozen=True)
class StepOutcome:
    """How one step went for one unit."""

    step: str
    unit: str
    status: str
    seconds: float
    message: str = ""


@dataclass
class DetectorReport:
    """Everything the report shows for one detector."""

    key: str
    title: str
    products: list[ProductRow]
    color_preview: str = ""
    """Existing colour composite JPEG ('' if none)."""
    color_thumbnail: str = ""
    """Existing thumbnail of the colour composite ('' if none)."""
    footprints: list[Footprint] = field(default_factory=list)
    alignment: list[AlignmentRow] = field(default_factory=list)
    keywords: list[KeywordTable] = field(default_factory=list)
    catalogs: list[CatalogSummary] = field(default_factory=list)
    overlay_image: str = ""
    """Preview the total catalogue's sources are drawn on ('' if none)."""
    overlay_grid: tuple[int, int] = (0, 0)
    """(ny, nx) of the drizzle grid of ``overlay_image``."""
    overlay_size: tuple[int, int] = (0, 0)
    """(width, height) of ``overlay_image`` in pixels."""
    overlay_catalogs: list[str] = field(default_factory=list)
    """Catalogues (the total product's) drawn on ``overlay_image``."""


@dataclass
class ReportData:
    """The whole report."""

    title: str
    created: str
    software: str
    input: str
    recipe: str
    detectors: list[DetectorReport]
    visit_files: list[FileLink]
    decisions: list[DecisionRow]
    steps: list[StepOutcome]
    recipe_text: str = ""
    recipe_source: str = ""
    recipe_files: list[FileLink] = field(default_factory=list)
