"""Score a simulated visit's products against its truth (metrics for summaries and sweeps)."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from hapsvm import simulate
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoreAgainstTruthConfig:
    """Where the truth of a simulated visit is."""

    truth_dir: str | None = None
    """Visit directory holding ``truth/`` (default: the exposures' directory); none: skipped."""
    match_radius_pix: float = 1.0
    """Catalogue match radius, output pixels."""


@register_step("score_against_truth", config=ScoreAgainstTruthConfig,
               requires=("product_tree", "input_copies"), provides=("truth_scores",),
               scope="detector")
def score_against_truth(ctx: VisitContext, cfg: ScoreAgainstTruthConfig) -> None:
    """Measure alignment error (mas) and point-catalogue quality against the simulator's truth."""
    total = ctx.read("product_tree").total(ctx.unit)
    first = next(iter(total.all_exposures())).exposure.path
    visit_dir = Path(cfg.truth_dir) if cfg.truth_dir else first.parent
    if not (visit_dir / simulate.TRUTH_DIR / "visit.json").is_file():
        raise NoWorkFound(f"no simulated truth in {visit_dir} (real data)")
    truth = simulate.load_truth(visit_dir)
    scores: dict[str, float] = {}
    align = simulate.score_alignment(ctx.read("input_copies"), truth)
    scores["alignment_error_mas"] = align.worst_mas
    scores["alignment_median_error_mas"] = align.median_mas
    log.info("alignment vs truth: worst chip %.2f mas, median %.2f mas over %d chips",
             align.worst_mas, align.median_mas, len(align.per_chip_rms_mas))
    for f in total.filters:
        names = f.names()
        cat, drz = ctx.product_path(names["point_catalog"]), ctx.product_path(names["drizzle"])
        if not (cat.is_file() and drz.is_file()):
            continue
        score = simulate.score_point_catalog(cat, drz, truth, filter_name=f.filter_name,
                                             match_radius_pix=cfg.match_radius_pix)
        log.info("%s point catalog vs truth: completeness %.3f (%d stars S/N≥10), false %.3f "
                 "(%.3f among rows with Flags ≤ 5), position rms %.3f px, flux error %.2f %%",
                 f.filter_name, score.completeness, score.n_truth_stars, score.false_fraction,
                 score.false_fraction_trusted, score.position_rms_pix,
                 score.median_flux_error_pct)
        for key in ("completeness", "false_fraction", "false_fraction_trusted",
                    "position_rms_pix", "median_flux_error_pct"):
            scores[f"{f.filter_name}_point_{key}"] = getattr(score, key)
    for name, value in scores.items():
        if not math.isnan(value):
            ctx.report_metric(name, value)
    ctx.write("truth_scores", scores)
