"""Visit intake: inputs, header facts, vetting, SVM names, product tree and renamed copies."""
from __future__ import annotations

from engine.visit.copying import chip_s_region, copy_and_rename
from engine.visit.exposure import ExposureInfo, UnusableInput, read_exposure
from engine.visit.inputs import InputRow, read_input
from engine.visit.naming import VisitPrefix, derive_filter_name, manifest_name
from engine.visit.product_tree import (ExposureProduct, FilterProduct, ProductTree, TotalProduct,
                                       build_product_tree, nexp_bin, sort_exposures)
from engine.visit.vetting import Decision, VettingRules, is_grism, is_ramp, vet_exposure

__all__ = ["chip_s_region", "copy_and_rename", "ExposureInfo", "UnusableInput", "read_exposure", "InputRow",
           "read_input", "VisitPrefix", "derive_filter_name", "manifest_name", "ExposureProduct",
           "FilterProduct", "ProductTree", "TotalProduct", "build_product_tree", "nexp_bin",
           "sort_exposures", "Decision", "VettingRules", "is_grism", "is_ramp", "vet_exposure"]
