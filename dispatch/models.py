"""Dispatch — built by its own issue."""
