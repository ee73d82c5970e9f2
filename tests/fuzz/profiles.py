"""How hard the fuzz suite tries: one Hypothesis profile per use, chosen by ``BASTION_TEST_FUZZ_PROFILE``.

- ``ci`` (the default when ``CI`` is set): derandomized, so every CI run tries the same examples, bounded
  to keep the whole suite within CI's budget on a 2-core machine; no example database.
- ``dev`` (the default elsewhere): as many examples as CI, from a new random seed each run; failures are
  kept in ``.hypothesis/`` and tried first next time.
- ``long``: twenty times as many, random, for a local run before a release (see tests/README.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "BASTION_TEST_FUZZ_PROFILE"
EXAMPLES = {"ci": 1, "dev": 1, "long": 20}

# The examples of one test share one app and database (built once per test, like a real server): the
# function-scoped fixtures are meant, and the requests are slow next to Hypothesis's expectations.
_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
}


def chosen_profile() -> str:
    name = os.environ.get(PROFILE_VARIABLE) or ("ci" if os.environ.get("CI") else "dev")
    if name not in EXAMPLES:
        raise RuntimeError(f"{PROFILE_VARIABLE}={name!r}: choose one of {', '.join(EXAMPLES)}.")
    return name


def fuzz_settings(examples: int) -> settings:
    """``examples`` in CI and by default; twenty times as many with the ``long`` profile."""
    name = chosen_profile()
    return settings(
        max_examples=examples * EXAMPLES[name],
        derandomize=name == "ci",
        database=None if name == "ci" else settings.default.database,
        print_blob=True,
        **_COMMON,  # type: ignore[arg-type]
    )
