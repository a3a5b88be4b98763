"""Tests of the pure evaluator-draw core and of the standalone script. No Django database."""
