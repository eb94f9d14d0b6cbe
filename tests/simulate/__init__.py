"""Tests of hapsvm.simulate."""
