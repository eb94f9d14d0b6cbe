"""Visit intake: instrument facts, inputs, headers, vetting, SVM names, product tree, copies."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hapsvm.lazy import lazy_exports

if TYPE_CHECKING:  # the exports: read by editors and type checkers, and by lazy_exports
    from hapsvm.visit.copying import chip_s_region as chip_s_region
    from hapsvm.visit.copying import copy_and_rename as copy_and_rename
    from hapsvm.visit.exposure import ExposureInfo as ExposureInfo
    from hapsvm.visit.exposure import UnusableInput as UnusableInput
    from hapsvm.visit.exposure import read_exposure as read_exposure
    from hapsvm.visit.inputs import InputRow as InputRow
    from hapsvm.visit.inputs import read_input as read_input
    from hapsvm.visit.instruments import DETECTORS as DETECTORS
    from hapsvm.visit.instruments import INSTRUMENTS as INSTRUMENTS
    from hapsvm.visit.instruments import DetectorFacts as DetectorFacts
    from hapsvm.visit.instruments import InstrumentFacts as InstrumentFacts
    from hapsvm.visit.instruments import detector_facts as detector_facts
    from hapsvm.visit.instruments import find_detector as find_detector
    from hapsvm.visit.instruments import instrument_facts as instrument_facts
    from hapsvm.visit.naming import VisitPrefix as VisitPrefix
    from hapsvm.visit.naming import derive_filter_name as derive_filter_name
    from hapsvm.visit.naming import manifest_name as manifest_name
    from hapsvm.visit.plan_files import decisions_table as decisions_table
    from hapsvm.visit.plan_files import plan_file_names as plan_file_names
    from hapsvm.visit.product_tree import ExposureProduct as ExposureProduct
    from hapsvm.visit.product_tree import FilterProduct as FilterProduct
    from hapsvm.visit.product_tree import ProductTree as ProductTree
    from hapsvm.visit.product_tree import TotalProduct as TotalProduct
    from hapsvm.visit.product_tree import UnknownUnitError as UnknownUnitError
    from hapsvm.visit.product_tree import build_product_tree as build_product_tree
    from hapsvm.visit.product_tree import nexp_bin as nexp_bin
    from hapsvm.visit.product_tree import sort_exposures as sort_exposures
    from hapsvm.visit.vetting import Decision as Decision
    from hapsvm.visit.vetting import VettingRules as VettingRules
    from hapsvm.visit.vetting import is_grism as is_grism
    from hapsvm.visit.vetting import is_ramp as is_ramp
    from hapsvm.visit.vetting import vet_exposure as vet_exposure

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
