"""Job records: what a webhook or a command queues is what a handler reads back, checked on both ends."""

from __future__ import annotations

import pytest

from bot.app import jobs

SHA = "a" * 40


def test_a_review_round_trips_through_the_queue_payload() -> None:
    review = jobs.Review(7, "octo-org", "shop", 12, SHA, "main", "pull_request.opened")
    spec = jobs.spec(review)
    assert (spec.kind, spec.dedupe_key) == ("review", "octo-org/shop#12")
    assert spec.payload == {"installation_id": 7, "owner": "octo-org", "repo": "shop", "number": 12,
                            "head_sha": SHA, "base_ref": "main", "reason": "pull_request.opened"}  # fmt: skip
    assert jobs.read(jobs.Review, spec.payload) == review


def test_a_re_requested_check_without_a_pull_request_is_keyed_by_its_commit() -> None:
    assert jobs.spec(jobs.Review(7, "o", "r", None, SHA, None, "check_run.rerequested")).dedupe_key == f"o/r@{SHA}"


def test_fields_of_shapes_github_never_sends_are_refused() -> None:
    with pytest.raises(jobs.PayloadError, match="'head_sha'"):
        jobs.spec(jobs.Review(7, "o", "r", 1, "not-a-sha", "main", "x"))
    with pytest.raises(jobs.PayloadError, match="'installation_id'"):
        jobs.read(jobs.Forget, {"installation_id": True, "owner": "o", "repo": "r", "number": 1})
    with pytest.raises(jobs.PayloadError, match="'kind'"):
        jobs.spec(jobs.Command(7, "o", "r", 1, 5, "discussion", "me", "/migrations help", None))


def test_a_payload_queued_by_an_older_release_with_more_fields_still_reads() -> None:
    stored = {"installation_id": 7, "owner": "o", "repo": "r", "branch": "main", "after": SHA, "legacy": 1}
    assert jobs.read(jobs.BaseMoved, stored) == jobs.BaseMoved(7, "o", "r", "main", SHA)
