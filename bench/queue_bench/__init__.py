"""Queue benchmarks of the event-driven recompute: a real Redis broker and one real worker process.

Run each script directly (see docs/benchmarks.md, "Event-driven recompute"); they share ``env``, ``farm``,
``measure`` and ``worker``.
"""
