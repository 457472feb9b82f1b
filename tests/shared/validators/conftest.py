from __future__ import annotations

import pytest

from tests.support.checkpoints import stand_in_strategies

__all__ = ["stand_in_strategies"]


@pytest.fixture(autouse=True)
def _strategies(stand_in_strategies: None) -> None:
    """Checkpoints validate their default strategy: register stand-ins."""
