"""Referral books — built by its own issue."""
