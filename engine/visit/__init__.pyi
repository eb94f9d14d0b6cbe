"""Static view of ``hapsvm.visit`` for editors and type checkers (names load lazily
at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""

from hapsvm.visit.copying import (
    chip_s_region as chip_s_region,
    copy_and_rename as copy_and_rename,
)
from hapsvm.visit.exposure import (
    ExposureInfo as ExposureInfo,
    UnusableInput as UnusableInput,
    read_exposure as read_exposure,
)
from hapsvm.visit.inputs import (
    InputRow as InputRow,
    read_input as read_input,
)
from hapsvm.visit.instruments import (
    DETECTORS as DETECTORS,
    INSTRUMENTS as INSTRUMENTS,
    DetectorFacts as DetectorFacts,
    InstrumentFacts as InstrumentFacts,
    detector_facts as detector_facts,
    find_detector as find_detector,
    instrument_facts as instrument_facts,
)
from hapsvm.visit.naming import (
    VisitPrefix as VisitPrefix,
    derive_filter_name as derive_filter_name,
    manifest_name as manifest_name,
)
from hapsvm.visit.product_tree import (
    ExposureProduct as ExposureProduct,
    FilterProduct as FilterProduct,
    ProductTree as ProductTree,
    TotalProduct as TotalProduct,
    UnknownUnitError as UnknownUnitError,
    build_product_tree as build_product_tree,
    nexp_bin as nexp_bin,
    sort_exposures as sort_exposures,
)
from hapsvm.visit.plan_files import (
    decisions_table as decisions_table,
    plan_file_names as plan_file_names,
)
from hapsvm.visit.vetting import (
    Decision as Decision,
    VettingRules as VettingRules,
    is_grism as is_grism,
    is_ramp as is_ramp,
    vet_exposure as vet_exposure,
)

__all__ = [
    "DETECTORS",
    "Decision",
    "DetectorFacts",
    "ExposureInfo",
    "ExposureProduct",
    "FilterProduct",
    "INSTRUMENTS",
    "InputRow",
    "InstrumentFacts",
    "ProductTree",
    "TotalProduct",
    "UnknownUnitError",
    "UnusableInput",
    "VettingRules",
    "VisitPrefix",
    "build_product_tree",
    "chip_s_region",
    "copy_and_rename",
    "decisions_table",
    "derive_filter_name",
    "detector_facts",
    "find_detector",
    "instrument_facts",
    "is_grism",
    "is_ramp",
    "manifest_name",
    "nexp_bin",
    "plan_file_names",
    "read_exposure",
    "read_input",
    "sort_exposures",
    "vet_exposure",
]
