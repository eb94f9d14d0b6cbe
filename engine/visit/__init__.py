"""Visit intake: instrument facts, inputs, headers, vetting, SVM names, product tree, copies."""
from __future__ import annotations

from hapsvm.lazy import lazy_exports

# submodule -> public names; a submodule is imported when one of its names is first read
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "copying": ["chip_s_region", "copy_and_rename"],
    "exposure": ["ExposureInfo", "UnusableInput", "read_exposure"],
    "inputs": ["InputRow", "read_input"],
    "instruments": ["DETECTORS", "INSTRUMENTS", "DetectorFacts", "InstrumentFacts",
                    "detector_facts", "find_detector", "instrument_facts"],
    "naming": ["VisitPrefix", "derive_filter_name", "manifest_name"],
    "product_tree": ["ExposureProduct", "FilterProduct", "ProductTree", "TotalProduct",
                     "UnknownUnitError", "build_product_tree", "nexp_bin", "sort_exposures"],
    "plan_files": ["decisions_table", "plan_file_names"],
    "vetting": ["Decision", "VettingRules", "is_grism", "is_ramp", "vet_exposure"],
})
