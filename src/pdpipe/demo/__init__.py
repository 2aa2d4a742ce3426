"""Demo stores for pdpipe: a listmonk-style mailing list and a CRM, with a policy for them.

    >>> result = build_demo(Path("demo"), subjects=2000, seed=7)
    >>> result.policy_path
    PosixPath('demo/policy.yaml')

People get Russian, Kazakh and Latin-script names (Faker ru_RU/en_US pools and a Kazakh
list), +7 phones and free-mail addresses; the stores hold the mix of active, ended and
overdue records a retention run has to sort out. The same (subjects, seed, as_of) always
gives the same rows, on SQLite, PostgreSQL and MariaDB alike.
"""

from pdpipe.demo.build import DemoResult, build_demo
from pdpipe.demo.policy_file import demo_policy_yaml

__all__ = ["DemoResult", "build_demo", "demo_policy_yaml"]
