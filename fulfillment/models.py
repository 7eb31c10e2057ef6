"""Fulfillment (time logs) — built by its own issue."""
