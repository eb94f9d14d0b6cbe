"""Registered steps: small typed adapters between the engine core and the domain packages.

Importing this package registers every implemented step and its config dataclass, stores the
detector facts the config reads (``_detector_facts``: ``${detector.pixel_scale_arcsec}``), and
loads no heavy library: a step reaches domain code through its package (``mosaic.drizzle_product``),
whose submodules load on first use (``hapsvm.lazy``). ``svm --help`` and a multirun's parent
process, which only compose configs, start in about 0.4 s instead of 2.2 s.
"""
from __future__ import annotations

from hapsvm.steps import copy_inputs
from hapsvm.steps import define_products
from hapsvm.steps import filter_exposures
from hapsvm.steps import read_visit
from hapsvm.steps import write_manifest
from hapsvm.steps import write_trailers
from hapsvm.steps import write_visit_plan

__all__ = ["copy_inputs", "define_products", "filter_exposures", "read_visit", "write_manifest",
           "write_trailers", "write_visit_plan"]

from hapsvm.steps import add_skycells  # noqa: E402  (drizzle products)
from hapsvm.steps import define_output_grid  # noqa: E402  (drizzle products)
from hapsvm.steps import drizzle_filter_products  # noqa: E402  (drizzle products)
from hapsvm.steps import drizzle_total_product  # noqa: E402  (drizzle products)

__all__ += ["add_skycells", "define_output_grid", "drizzle_filter_products",
            "drizzle_total_product"]

from hapsvm.steps import align_to_catalog  # noqa: E402  (alignment)
from hapsvm.steps import apply_alignment  # noqa: E402  (alignment)
from hapsvm.steps import find_alignment_sources  # noqa: E402  (alignment)
from hapsvm.steps import reconcile_grism_wcs  # noqa: E402  (alignment)

__all__ += ["align_to_catalog", "apply_alignment", "find_alignment_sources",
            "reconcile_grism_wcs"]

from hapsvm.steps import make_catalogs  # noqa: E402  (source catalogues)

__all__ += ["make_catalogs"]

from hapsvm.steps import score_against_truth  # noqa: E402  (simulated visits: truth metrics)

__all__ += ["score_against_truth"]

from hapsvm.steps import make_previews  # noqa: E402  (previews, QA report)
from hapsvm.steps import write_qa_report  # noqa: E402  (previews, QA report)

__all__ += ["make_previews", "write_qa_report"]

from hapsvm.steps._detector_facts import store_detector_facts  # noqa: E402  (conf/detector)

store_detector_facts()
