"""Names of everything secops keeps in Elasticsearch, per namespace.

Every name carries the namespace (ECS ``data_stream.namespace``), so that several
instances, or several test runs, share one cluster without seeing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DATASET_SAFE = re.compile(r"[^a-z0-9_.]")


@dataclass(frozen=True)
class IndexNames:
    namespace: str

    def events_stream(self, dataset: str) -> str:
        """Data stream of one dataset, e.g. ``logs-secops.linux.sshd-default``."""
        safe = _DATASET_SAFE.sub("_", dataset.lower()).strip(".") or "unknown"
        return f"logs-secops.{safe}-{self.namespace}"

    @property
    def events_pattern(self) -> str:
        return f"logs-secops.*-{self.namespace}"

    @property
    def restored_prefix(self) -> str:
        """Indices restored from the archive: ``secops-<ns>-restored-<backing index>``."""
        return self.index("restored-")

    @property
    def searchable_events(self) -> str:
        """The live events and the archive's restored indices, as hunts search them."""
        return f"{self.events_pattern},{self.restored_prefix}*"

    def index(self, name: str) -> str:
        """A regular index of secops' own, e.g. ``secops-default-alerts``."""
        return f"secops-{self.namespace}-{name}"

    @property
    def alerts(self) -> str:
        return self.index("alerts")

    @property
    def audit(self) -> str:
        return self.index("audit")

    @property
    def state(self) -> str:
        return self.index("state")

    @property
    def deadletter(self) -> str:
        return self.index("deadletter")
