"""The reports of LaborPower's Applicant tab (issue 24; reports/laborpower.py lists them), each one
declaration registered here. reports/catalog.py imports this module."""
