"""The production settings (qingpu_portal.settings, read from the environment as the Dockerfile runs
them) with one change: the URLs include pages_bench.py's bare view (benchmarks/bench_urls.py)."""

from qingpu_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
