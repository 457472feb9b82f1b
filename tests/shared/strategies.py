"""Hypothesis strategies that build any valid wire model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from shared.models import (
    ActionResult,
    ActionStatus,
    CheckpointResult,
    CheckpointStatus,
    Severity,
    ValidationIssue,
)

text = st.text(max_size=30)
finite_floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
sample_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), finite_floats, text
)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), finite_floats, text),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)
json_maps = st.dictionaries(text, json_values, max_size=4)

aware_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
    ),
)

issues = st.builds(
    ValidationIssue,
    validator=text,
    column=st.none() | text,
    issue_type=text,
    count=st.integers(0, 10**12),
    ratio=st.floats(0.0, 1.0),
    severity=st.sampled_from(Severity),
    message=text,
    sample=st.lists(sample_values, max_size=5),
)

action_results = st.builds(
    ActionResult,
    action_name=text,
    action_type=text,
    status=st.sampled_from(ActionStatus),
    message=text,
    started_at=st.none() | aware_datetimes,
    completed_at=st.none() | aware_datetimes,
    duration_ms=st.floats(0.0, 1e9),
    details=json_maps,
    error=st.none() | text,
)

checkpoint_results = st.builds(
    CheckpointResult,
    run_id=text,
    checkpoint_name=text,
    run_time=aware_datetimes,
    status=st.sampled_from(CheckpointStatus),
    data_asset=text,
    row_count=st.integers(0, 10**12),
    issues=st.lists(issues, max_size=4),
    statistics=json_maps,
    action_results=st.lists(action_results, max_size=3),
    duration_ms=st.floats(0.0, 1e9),
    error=st.none() | text,
    metadata=json_maps,
)
