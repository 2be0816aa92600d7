"""Benchmark settings: report which BLAS/OpenMP runtimes are loaded."""

import pytest


def pytest_report_header(config):
    from threadpoolctl import threadpool_info

    lines = []
    for info in threadpool_info():
        lines.append(
            f"threadpool: {info.get('internal_api')} {info.get('version')} "
            f"({info.get('architecture', '-')}, {info.get('num_threads')} threads) "
            f"{info.get('filepath')}"
        )
    return lines


@pytest.fixture(scope="session")
def rng_seed():
    return 0
