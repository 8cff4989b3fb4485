"""secops: security monitoring and audit service."""

__version__ = "0.1.0"
