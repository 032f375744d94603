"""The version of configrules (kept in one place; read by hatchling)."""

__version__ = "0.1.0"
