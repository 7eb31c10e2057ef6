"""Staff dashboards in the portal."""
