def pytest_collection_modifyitems(config, items):
    """The scale-out test starts servers and workers of its own and takes minutes: it runs only
    when asked for by marker (`make test-scale`: `-m scale`). Otherwise it is deselected, not
    skipped, whatever else `-m` selects (e.g. `make test PYTEST_ARGS='-m "not e2e"'`)."""
    if "scale" in (config.getoption("markexpr") or ""):
        return
    deselected = [item for item in items if item.get_closest_marker("scale")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("scale")]
