"""The embedded fictional demo: its deterministic generator and its audited release. May import loaders, store, model and bridges.actions."""
