import pytest

from tests.factories import SpeciesFactory


@pytest.fixture
def salmon(db):
    """Atlantic salmon with its six stages (engine.md §1)."""
    return SpeciesFactory()
