"""pdpipe's own PostgreSQL sessions run without JIT compilation (each chunk's read was
compiled anew), and keep whatever options the store's URL sets."""

from __future__ import annotations

from urllib.parse import quote

from pdpipe.policy.models import StoreSpec
from pdpipe.stores.engine import create_store_engine


def _settings(url: str) -> tuple[str, str]:
    engine = create_store_engine(StoreSpec.model_construct(name="s", url=url, tables=[]))
    with engine.connect() as connection:
        jit = str(connection.exec_driver_sql("SHOW jit").scalar())
        timeout = str(connection.exec_driver_sql("SHOW statement_timeout").scalar())
    engine.dispose()
    return jit, timeout


def test_when_pdpipe_connects_to_postgresql_then_jit_is_off(pg_url: str) -> None:
    assert _settings(pg_url) == ("off", "0")


def test_when_the_url_sets_options_then_they_are_kept_beside_jit_off(pg_url: str) -> None:
    url = f"{pg_url}?options={quote('-c statement_timeout=5000')}"
    assert _settings(url) == ("off", "5s")
