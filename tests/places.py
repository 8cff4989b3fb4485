"""Where the tests find things: the checkout, and the shared material beside it.

A plain module (not a conftest) so that tests import it by one unambiguous name.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"  # SigmaHQ rules and real logs, read in place
