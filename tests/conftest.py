import functools

import pytest


@pytest.fixture
def salmon(db):
    """Atlantic salmon with its six stages (docs/engine.md §4)."""
    from tests.factories import SpeciesFactory

    return SpeciesFactory()


@pytest.fixture(autouse=True)
def generous_limits_and_a_private_cache(settings):
    """Every test starts with an empty in-process cache (never the shared Redis), throttle and lockout limits
    that no ordinary test reaches (the throttling tests lower them again), ungranted users seeing all sites, and
    a fast password hasher: the production one is slow on purpose (a few hundred ms of CPU per user created or
    logged in), which the suite's hundreds of users would pay for nothing."""
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
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    if "locmem" in settings.CACHES["default"]["BACKEND"]:  # never clear a server's cache (it would flush it)
        cache.clear()


@functools.cache
def _superuser(alias: str) -> bool:
    """Whether the database ``alias`` is reached as a superuser (asked once)."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


@pytest.fixture(scope="session", autouse=True)
def a_flush_empties_only_the_tables_that_hold_rows():
    """After each transactional test Django flushes the test database with one TRUNCATE of every table (about
    150 with the history's event tables): PostgreSQL gives each truncated table, index and TOAST table a new
    file, seconds per flush, most of it for tables the test never wrote. Here a flush deletes the rows of the
    tables that hold any, in one transaction, with the rows' triggers off for it (the history must not record a
    test's clean-up, and with every table emptied no foreign key needs checking). Same end state: every table
    empty; sequences go on counting, as after Django's own flush without ``reset_sequences``."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables or not _superuser(self.connection.alias):  # only it may turn triggers off
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        with self.connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s WHERE EXISTS (SELECT 1 FROM {self.quote_name(table)})" for table in tables
                ),
                list(tables),
            )
            holding = [row[0] for row in cursor.fetchall()]
        if not holding:
            return []
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {self.quote_name(table)}" for table in holding),
            "SET LOCAL session_replication_role = DEFAULT",
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


@pytest.fixture(scope="session", autouse=True)
def the_history_triggers_are_installed_by_a_migration_not_by_each_flush():
    """pgtrigger installs its triggers on every ``post_migrate`` — which Django also sends after the flush that
    follows each transactional test. A flush removes rows, not triggers, so re-installing them there (about 0.15 s
    of DDL a test) is skipped: a ``post_migrate`` without a migration plan is a flush's."""
    import django.apps
    from django.db.models.signals import post_migrate
    from pgtrigger import apps as pgtrigger_apps

    sender = django.apps.apps.get_app_config("pgtrigger")

    def after_a_migration(sender, using, plan=None, **kwargs):
        if plan is not None:
            pgtrigger_apps.install_on_migrate(using=using, **kwargs)

    if not post_migrate.disconnect(pgtrigger_apps.install_on_migrate, sender=sender):
        yield  # pgtrigger wired differently: leave it be
        return
    post_migrate.connect(after_a_migration, sender=sender, weak=False)
    yield
    post_migrate.disconnect(after_a_migration, sender=sender)
    post_migrate.connect(pgtrigger_apps.install_on_migrate, sender=sender)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and at the end of the session no session of this process's tests left on
    it: a worker process or a thread of a test that is still closing its connection would otherwise keep Django
    from dropping the database (a warning, and a ``test_<name>_gw<N>`` database left behind). Only the sessions
    on this test database — ours — are ended; the server is left as it is."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
