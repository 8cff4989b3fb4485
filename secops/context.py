"""What every service function needs: settings, the store client, index names.

Built once per process (by the API's lifespan, the CLI or `secops up`) and passed
explicitly; nothing reads it from a global.
"""

from __future__ import annotations

from dataclasses import dataclass

from secops.settings import Settings
from secops.store import IndexNames, StoreClient, bootstrap, make_client


@dataclass
class Context:
    settings: Settings
    es: StoreClient
    names: IndexNames

    def close(self) -> None:
        self.es.close()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_context(settings: Settings, *, apply_templates: bool = True) -> Context:
    es = make_client(settings)
    if apply_templates:
        bootstrap(es, namespace=settings.namespace, retention_days=settings.retention_days)
    return Context(settings=settings, es=es, names=IndexNames(settings.namespace))
