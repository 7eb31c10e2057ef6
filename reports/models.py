"""Reports — built by its own issue."""
