"""Tests of engine.simulate."""
