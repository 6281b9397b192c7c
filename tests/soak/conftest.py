"""The soak's bots are processes of their own: they read the compliance model this session
trained into the disk cache, instead of each training it on its first brief."""

from __future__ import annotations

import pytest

from tests.support.compliance import warm_compliance_model


@pytest.fixture(scope="session", autouse=True)
def compliance_model_ready() -> None:
    warm_compliance_model()
