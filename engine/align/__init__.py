"""SVM alignment: source lists, relative and catalogue fits (tweakwcs), headers and headerlets.

Domain code only: no hydra, omegaconf or engine.core imports.
"""
from __future__ import annotations

from engine.align.catalog_cache import CachedReply, CatalogCache
from engine.align.chip_wcs import TangentPlane, plane_for, read_chip_wcs, sci_extvers
from engine.align.corrections import SkyCorrection, measure_correction
from engine.align.exceptions import AlignmentError, CatalogUnavailableError
from engine.align.fitting import GroupFit, MatchSettings, fit_groups
from engine.align.headers import FitKeywords, apply_correction, wcsname_for, wcstype_for
from engine.align.headerlets import HeaderletInfo, headerlet_name, make_headerlet
from engine.align.providers import (CatalogProvider, FileCatalogProvider,
                                    ServiceCatalogProvider, ServiceSettings)
from engine.align.quality import QualitySettings, QualityVerdict, evaluate_fit
from engine.align.refcat import CatalogRequest, ReferenceCatalog, decimal_year
from engine.align.results import (DetectorAlignment, ExposureSolution, FitAttempt,
                                  RelativeFit)
from engine.align.solve import AlignmentSettings, align_detector
from engine.align.sources import (ChipSources, ExposureSources, SourceFindingSettings,
                                  find_chip_sources, find_exposure_sources)
from engine.align.grism import (GrismAssignment, assign_grism_solution, update_grism,
                                wcs_names)
from engine.align.update import fit_keywords, mark_unaligned, update_exposure

__all__ = [
    "CachedReply", "CatalogCache", "TangentPlane", "plane_for", "read_chip_wcs", "sci_extvers",
    "SkyCorrection", "measure_correction", "AlignmentError", "CatalogUnavailableError",
    "GroupFit", "MatchSettings", "fit_groups", "FitKeywords", "apply_correction", "wcsname_for",
    "wcstype_for", "HeaderletInfo", "headerlet_name", "make_headerlet", "CatalogProvider",
    "FileCatalogProvider", "ServiceCatalogProvider", "ServiceSettings", "QualitySettings",
    "QualityVerdict", "evaluate_fit", "CatalogRequest", "ReferenceCatalog", "decimal_year",
    "DetectorAlignment", "ExposureSolution", "FitAttempt", "RelativeFit", "AlignmentSettings",
    "align_detector", "ChipSources", "ExposureSources", "SourceFindingSettings",
    "find_chip_sources", "find_exposure_sources", "GrismAssignment", "assign_grism_solution",
    "mark_unaligned", "update_exposure", "update_grism", "wcs_names", "fit_keywords",
]
