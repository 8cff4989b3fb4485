"""The enrich stage: context between normalize and detect.

The person behind an account (people directory), committees and need-to-know,
working time in the parliament's calendar, internal networks, and whether an
address is new for a person. Field by field in ``FIELDS.md``.
"""

from secops.enrich.networks import DEFAULT_INTERNAL
from secops.enrich.stage import Enricher, EnrichmentState, enrich_events

__all__ = ["DEFAULT_INTERNAL", "Enricher", "EnrichmentState", "enrich_events"]
