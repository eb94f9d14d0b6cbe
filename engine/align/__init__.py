"""SVM alignment: source lists, relative and catalogue fits (tweakwcs), headers and headerlets.

Domain code only: no hydra, omegaconf or hapsvm.core imports.
"""
from __future__ import annotations

from hapsvm.lazy import lazy_exports

# submodule -> public names; a submodule is imported when one of its names is first read
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "catalog_cache": ["CachedReply", "CatalogCache"],
    "chip_wcs": ["TangentPlane", "plane_for", "read_chip_wcs", "read_exposure_wcs", "sci_extvers"],
    "corrections": ["SkyCorrection", "measure_correction"],
    "exceptions": ["AlignmentError", "CatalogUnavailableError"],
    "fitting": ["GroupFit", "fit_groups"],
    "headers": ["FitKeywords", "apply_correction", "wcsname_for", "wcstype_for"],
    "headerlets": ["HeaderletInfo", "headerlet_name", "make_headerlet"],
    "params": ["AlignmentSettings", "MatchSettings", "QualitySettings", "SourceFindingSettings"],
    "providers": ["CatalogProvider", "FileCatalogProvider", "ServiceCatalogProvider",
                  "ServiceSettings", "catalog_providers", "make_providers"],
    "quality": ["QualityVerdict", "evaluate_fit"],
    "refcat": ["CatalogRequest", "ReferenceCatalog", "decimal_year"],
    "results": ["DetectorAlignment", "ExposureSolution", "FitAttempt", "RelativeFit",
                "catalog_outcome", "ALIGNED", "RELATIVE_ONLY", "FAILED"],
    "service_http": ["HostUnreachableError", "UnreachableHosts", "UNREACHABLE_HOSTS"],
    "solve": ["align_detector"],
    "sources": ["ChipSources", "ExposureSources", "find_chip_sources", "find_exposure_sources"],
    "grism": ["GrismAssignment", "assign_grism_solution", "read_wcs_names", "update_grism",
              "wcs_names"],
    "update": ["fit_keywords", "mark_unaligned", "update_exposure"],
})
