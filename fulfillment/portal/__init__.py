"""Portal pages for time logs."""
