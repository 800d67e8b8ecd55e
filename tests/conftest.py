import pytest


@pytest.fixture
def salmon(db):
    """Atlantic salmon with its six stages (engine.md §1)."""
    from tests.factories import SpeciesFactory

    return SpeciesFactory()
