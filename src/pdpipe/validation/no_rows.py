"""The one expectation class pdpipe adds to Great Expectations.

GX's `UnexpectedRowsExpectation` runs its query twice, once to count the rows and once
to fetch up to 200 of them; on a million-row table each of pdpipe's queries is a full
scan (the snapshot checksum is two), so the second run doubles the cost of validation.
pdpipe only ever reports counts, so this subclass asks for the count alone. The suite
files keep GX's own type: this class is what the run evaluates them with.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations import UnexpectedRowsExpectation


class ExpectNoUnexpectedRows(UnexpectedRowsExpectation):  # type: ignore[misc]
    """The query returns no rows; the result carries their count and nothing else."""

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict[str, Any] | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        count = int(metrics["unexpected_rows_query.row_count"])
        return {"success": count == 0, "result": {"observed_value": count}}
