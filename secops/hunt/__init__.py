"""Retro-hunts: run rules over events already stored, with the same matchers as live."""

from secops.hunt.service import HuntReport, hunt, parse_since

__all__ = ["HuntReport", "hunt", "parse_since"]
