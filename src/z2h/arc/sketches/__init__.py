"""The shipped sketches: one task family per .js file (see docs/arc-sketches.md)."""
