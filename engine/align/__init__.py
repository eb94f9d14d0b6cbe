"""SVM alignment: source lists, relative and catalogue fits (tweakwcs), headers and headerlets.

Domain code only: no hydra, omegaconf or hapsvm.core imports.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from hapsvm.lazy import lazy_exports

if TYPE_CHECKING:  # the exports: read by editors and type checkers, and by lazy_exports
    from hapsvm.align.catalog_cache import CachedReply as CachedReply
    from hapsvm.align.catalog_cache import CatalogCache as CatalogCache
    from hapsvm.align.chip_wcs import TangentPlane as TangentPlane
    from hapsvm.align.chip_wcs import plane_for as plane_for
    from hapsvm.align.chip_wcs import read_chip_wcs as read_chip_wcs
    from hapsvm.align.chip_wcs import read_exposure_wcs as read_exposure_wcs
    from hapsvm.align.chip_wcs import sci_extvers as sci_extvers
    from hapsvm.align.corrections import SkyCorrection as SkyCorrection
    from hapsvm.align.corrections import measure_correction as measure_correction
    from hapsvm.align.exceptions import AlignmentError as AlignmentError
    from hapsvm.align.exceptions import CatalogUnavailableError as CatalogUnavailableError
    from hapsvm.align.fitting import GroupFit as GroupFit
    from hapsvm.align.fitting import fit_groups as fit_groups
    from hapsvm.align.grism import GrismAssignment as GrismAssignment
    from hapsvm.align.grism import assign_grism_solution as assign_grism_solution
    from hapsvm.align.grism import read_wcs_names as read_wcs_names
    from hapsvm.align.grism import update_grism as update_grism
    from hapsvm.align.grism import wcs_names as wcs_names
    from hapsvm.align.headerlets import HeaderletInfo as HeaderletInfo
    from hapsvm.align.headerlets import headerlet_name as headerlet_name
    from hapsvm.align.headerlets import make_headerlet as make_headerlet
    from hapsvm.align.headers import FitKeywords as FitKeywords
    from hapsvm.align.headers import apply_correction as apply_correction
    from hapsvm.align.headers import wcsname_for as wcsname_for
    from hapsvm.align.headers import wcstype_for as wcstype_for
    from hapsvm.align.params import AlignmentSettings as AlignmentSettings
    from hapsvm.align.params import MatchSettings as MatchSettings
    from hapsvm.align.params import QualitySettings as QualitySettings
    from hapsvm.align.params import SourceFindingSettings as SourceFindingSettings
    from hapsvm.align.providers import CatalogProvider as CatalogProvider
    from hapsvm.align.providers import FileCatalogProvider as FileCatalogProvider
    from hapsvm.align.providers import ServiceCatalogProvider as ServiceCatalogProvider
    from hapsvm.align.providers import ServiceSettings as ServiceSettings
    from hapsvm.align.providers import catalog_providers as catalog_providers
    from hapsvm.align.providers import make_providers as make_providers
    from hapsvm.align.quality import QualityVerdict as QualityVerdict
    from hapsvm.align.quality import evaluate_fit as evaluate_fit
    from hapsvm.align.refcat import CatalogRequest as CatalogRequest
    from hapsvm.align.refcat import ReferenceCatalog as ReferenceCatalog
    from hapsvm.align.refcat import decimal_year as decimal_year
    from hapsvm.align.results import ALIGNED as ALIGNED
    from hapsvm.align.results import FAILED as FAILED
    from hapsvm.align.results import RELATIVE_ONLY as RELATIVE_ONLY
    from hapsvm.align.results import DetectorAlignment as DetectorAlignment
    from hapsvm.align.results import ExposureSolution as ExposureSolution
    from hapsvm.align.results import FitAttempt as FitAttempt
    from hapsvm.align.results import RelativeFit as RelativeFit
    from hapsvm.align.results import catalog_outcome as catalog_outcome
    from hapsvm.align.service_http import UNREACHABLE_HOSTS as UNREACHABLE_HOSTS
    from hapsvm.align.service_http import HostUnreachableError as HostUnreachableError
    from hapsvm.align.service_http import UnreachableHosts as UnreachableHosts
    from hapsvm.align.solve import align_detector as align_detector
    from hapsvm.align.sources import ChipSources as ChipSources
    from hapsvm.align.sources import ExposureSources as ExposureSources
    from hapsvm.align.sources import find_chip_sources as find_chip_sources
    from hapsvm.align.sources import find_exposure_sources as find_exposure_sources
    from hapsvm.align.update import fit_keywords as fit_keywords
    from hapsvm.align.update import mark_unaligned as mark_unaligned
    from hapsvm.align.update import update_exposure as update_exposure

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
