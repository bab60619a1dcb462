"""Live lists: fetch new list versions, validate them, store and swap them in, diff, re-screen.

* :mod:`.publishers` — where each source is published and which parser reads it
* :mod:`.fetch`      — HTTP (and local file) download: timeouts, retries, conditional requests, caps
* :mod:`.validate`   — parse and check a download before it may replace a good version
* :mod:`.versions`   — the on-disk version store in the data directory and its "current" pointer
* :mod:`.update`     — one update run: fetch → validate → store → swap → re-screen
* :mod:`.diff`       — entity-level differences between two versions of a list
* :mod:`.watch`      — watchlist re-screening, alerts, signed webhooks
* :mod:`.live`       — a Screener a running server swaps for a new one without a restart

Nothing below :mod:`clearway.monitor` imports it; the CLI and the API use it.
"""
