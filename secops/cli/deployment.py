"""What the commands act on and as: the configured deployment, the user running them."""

from __future__ import annotations

import getpass

from secops.context import Context, build_context
from secops.settings import get_settings


def open_context(*, apply_templates: bool = True) -> Context:
    """The context of the deployment the environment configures; use it in a ``with``."""
    return build_context(get_settings(), apply_templates=apply_templates)


def cli_actor() -> str:
    """The audit trail's actor of a command: ``system:cli:<operating-system user>``."""
    return f"system:cli:{getpass.getuser()}"
