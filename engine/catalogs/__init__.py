"""Source catalogues of the total and filter products: point and segment (spec §9)."""
from __future__ import annotations
