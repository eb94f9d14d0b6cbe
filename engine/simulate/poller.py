"""Write the 8-column poller file (spec §1.2) naming every exposure of a simulated visit."""
from __future__ import annotations

from pathlib import Path

from hapsvm.simulate.detectors import DetectorSpec
from hapsvm.simulate.headers import filter_values
from hapsvm.simulate.plan import ExposurePlan

__all__ = ["poller_line", "write_poller"]


def poller_line(plan: ExposurePlan, spec: DetectorSpec, proposal_id: int,
                program_id: str, obset_id: str) -> str:
    """One poller row: filename, proposal_id, program_id, obset_id, exptime, filters,
    detector, pathname (the file name itself, relative to the poller's directory)."""
    filename = f"{plan.rootname}_{spec.suffix}.fits"
    filters = ";".join(filter_values(spec, plan.filter))
    return ",".join([filename, str(proposal_id), program_id.upper(), obset_id,
                     f"{plan.exptime:.6f}", filters, spec.detector, filename])


def write_poller(visit_dir: Path, ipppss: str, plans: list[ExposurePlan], spec: DetectorSpec,
                 proposal_id: int, program_id: str, obset_id: str) -> Path:
    """Write ``<visit_dir>/<ipppss>_input.out`` and return its path."""
    path = Path(visit_dir) / f"{ipppss}_input.out"
    lines = [poller_line(p, spec, proposal_id, program_id, obset_id) for p in plans]
    path.write_text("\n".join(lines) + "\n")
    return path
