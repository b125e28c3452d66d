"""Benchmarks for gru_viz: they print figures and write JSON; none of them is a pass/fail test."""
