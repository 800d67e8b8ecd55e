import pytest


@pytest.fixture
def salmon(db):
    """Atlantic salmon with its six stages (docs/engine.md §4)."""
    from tests.factories import SpeciesFactory

    return SpeciesFactory()


@pytest.fixture(autouse=True)
def generous_limits_and_a_private_cache(settings):
    """Every test starts with an empty in-process cache (never the shared Redis), throttle and lockout limits
    that no ordinary test reaches (the throttling tests lower them again), and ungranted users seeing all sites."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "100000/min", "token_ip": "100000/min", "token_username": "100000/min"},
    }
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_FAILURE_LIMIT_PER_IP = 100_000
    # the suite's users predate site scopes and hold no grant: they keep seeing every site, as an upgraded
    # deployment's users do (docs/access.md); tests/access turns this off to test the scopes themselves
    settings.ACCESS_UNGRANTED_SEES_ALL = True
    cache.clear()
    yield
    if "locmem" in settings.CACHES["default"]["BACKEND"]:  # never clear a server's cache (it would flush it)
        cache.clear()
