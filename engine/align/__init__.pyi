"""Static view of ``hapsvm.align`` for editors and type checkers (names load lazily
at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""

from hapsvm.align.catalog_cache import (
    CachedReply as CachedReply,
    CatalogCache as CatalogCache,
)
from hapsvm.align.chip_wcs import (
    TangentPlane as TangentPlane,
    plane_for as plane_for,
    read_chip_wcs as read_chip_wcs,
    read_exposure_wcs as read_exposure_wcs,
    sci_extvers as sci_extvers,
)
from hapsvm.align.corrections import (
    SkyCorrection as SkyCorrection,
    measure_correction as measure_correction,
)
from hapsvm.align.exceptions import (
    AlignmentError as AlignmentError,
    CatalogUnavailableError as CatalogUnavailableError,
)
from hapsvm.align.fitting import (
    GroupFit as GroupFit,
    fit_groups as fit_groups,
)
from hapsvm.align.headers import (
    FitKeywords as FitKeywords,
    apply_correction as apply_correction,
    wcsname_for as wcsname_for,
    wcstype_for as wcstype_for,
)
from hapsvm.align.headerlets import (
    HeaderletInfo as HeaderletInfo,
    headerlet_name as headerlet_name,
    make_headerlet as make_headerlet,
)
from hapsvm.align.params import (
    AlignmentSettings as AlignmentSettings,
    MatchSettings as MatchSettings,
    QualitySettings as QualitySettings,
    SourceFindingSettings as SourceFindingSettings,
)
from hapsvm.align.providers import (
    CatalogProvider as CatalogProvider,
    FileCatalogProvider as FileCatalogProvider,
    ServiceCatalogProvider as ServiceCatalogProvider,
    ServiceSettings as ServiceSettings,
    catalog_providers as catalog_providers,
    make_providers as make_providers,
)
from hapsvm.align.quality import (
    QualityVerdict as QualityVerdict,
    evaluate_fit as evaluate_fit,
)
from hapsvm.align.refcat import (
    CatalogRequest as CatalogRequest,
    ReferenceCatalog as ReferenceCatalog,
    decimal_year as decimal_year,
)
from hapsvm.align.results import (
    DetectorAlignment as DetectorAlignment,
    ExposureSolution as ExposureSolution,
    FitAttempt as FitAttempt,
    RelativeFit as RelativeFit,
    catalog_outcome as catalog_outcome,
    ALIGNED as ALIGNED,
    RELATIVE_ONLY as RELATIVE_ONLY,
    FAILED as FAILED,
)
from hapsvm.align.service_http import (
    HostUnreachableError as HostUnreachableError,
    UnreachableHosts as UnreachableHosts,
    UNREACHABLE_HOSTS as UNREACHABLE_HOSTS,
)
from hapsvm.align.solve import (
    align_detector as align_detector,
)
from hapsvm.align.sources import (
    ChipSources as ChipSources,
    ExposureSources as ExposureSources,
    find_chip_sources as find_chip_sources,
    find_exposure_sources as find_exposure_sources,
)
from hapsvm.align.grism import (
    GrismAssignment as GrismAssignment,
    assign_grism_solution as assign_grism_solution,
    read_wcs_names as read_wcs_names,
    update_grism as update_grism,
    wcs_names as wcs_names,
)
from hapsvm.align.update import (
    fit_keywords as fit_keywords,
    mark_unaligned as mark_unaligned,
    update_exposure as update_exposure,
)

__all__ = [
    "ALIGNED",
    "AlignmentError",
    "AlignmentSettings",
    "CachedReply",
    "CatalogCache",
    "CatalogProvider",
    "CatalogRequest",
    "CatalogUnavailableError",
    "ChipSources",
    "DetectorAlignment",
    "ExposureSolution",
    "ExposureSources",
    "FAILED",
    "FileCatalogProvider",
    "FitAttempt",
    "FitKeywords",
    "GrismAssignment",
    "GroupFit",
    "HeaderletInfo",
    "HostUnreachableError",
    "MatchSettings",
    "QualitySettings",
    "QualityVerdict",
    "RELATIVE_ONLY",
    "ReferenceCatalog",
    "RelativeFit",
    "ServiceCatalogProvider",
    "ServiceSettings",
    "SkyCorrection",
    "SourceFindingSettings",
    "TangentPlane",
    "UNREACHABLE_HOSTS",
    "UnreachableHosts",
    "align_detector",
    "apply_correction",
    "assign_grism_solution",
    "catalog_outcome",
    "catalog_providers",
    "decimal_year",
    "evaluate_fit",
    "find_chip_sources",
    "find_exposure_sources",
    "fit_groups",
    "fit_keywords",
    "headerlet_name",
    "make_headerlet",
    "make_providers",
    "mark_unaligned",
    "measure_correction",
    "plane_for",
    "read_chip_wcs",
    "read_exposure_wcs",
    "read_wcs_names",
    "sci_extvers",
    "update_exposure",
    "update_grism",
    "wcs_names",
    "wcsname_for",
    "wcstype_for",
]
