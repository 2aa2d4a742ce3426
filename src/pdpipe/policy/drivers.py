"""What a MariaDB store URL means: which driver it names, or gets when it names none.

MariaDB has two drivers in pdpipe: MySQL Connector/Python with its C extension (rows are
read and values converted in C), and PyMySQL (pure Python: 50,000 rows of a decision read
took twice as long to arrive through it). A URL that names no driver (`mysql://`,
`mariadb://`) gets the C extension where it loads, PyMySQL where it does not (a platform
with no wheel of it); `+mysqlconnector` always means the C extension, and `+pymysql`
keeps PyMySQL. The policy's checks and the stores' engines (stores/drivers.py) read it.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa

C_DRIVER = "mysqlconnector"
PURE_DRIVER = "pymysql"
MARIADB_BACKENDS = ("mysql", "mariadb")


@cache
def c_extension_loads() -> bool:
    """Whether Connector/Python's C extension can be used in this process."""
    try:
        import mysql.connector
    except ImportError:
        return False
    return bool(mysql.connector.HAVE_CEXT)


def driver_url(url: sa.URL) -> sa.URL:
    """`url` with its MariaDB driver named: the C extension's for `mysql://` and
    `mariadb://` (PyMySQL where that cannot load); any other URL as it is."""
    if url.get_backend_name() not in MARIADB_BACKENDS or "+" in url.drivername:
        return url
    driver = C_DRIVER if c_extension_loads() else PURE_DRIVER
    return url.set(drivername=f"{url.get_backend_name()}+{driver}")
