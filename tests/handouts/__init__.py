"""Tests of the printed material as HTML."""
