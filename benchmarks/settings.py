"""Settings for the load benchmark: the local settings with DEBUG off (as DEBUG=false in
the environment asks) and the floor view routed (commissioning/views/floor.py)."""

from commissioning.settings.local import *  # noqa: F403

BENCHMARK_FLOOR_VIEW = True
