"""pytest plugin for testing configrules rules (filled in by the testing toolkit)."""
