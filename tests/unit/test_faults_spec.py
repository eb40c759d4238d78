"""The --faults spec, fault rule validation, the injector's choices and the rate limiter."""

from __future__ import annotations

import json

import pytest

from alloy_tui.sandbox.faults import (
    HUGE_BODY_BYTES,
    FaultInjector,
    FaultRule,
    _huge_chunks,
    notion_error,
    parse_faults,
    rules_from_json,
)
from alloy_tui.sandbox.limits import RateLimiter


def test_the_briefs_example_parses_to_the_same_rules_as_json() -> None:
    spec = (
        "latency:ms=200;status:status=503,count=3;"
        "rate_limit:retry_after=2,count=50;drop:match=post-search,count=1"
    )
    expected = rules_from_json(
        [
            {"kind": "latency", "ms": 200},
            {"kind": "status", "status": 503, "count": 3},
            {"kind": "rate_limit", "retry_after": "2", "count": 50},
            {"kind": "drop", "match": "post-search", "count": 1},
        ]
    )
    assert parse_faults(spec) == expected
    assert expected[0] == FaultRule(kind="latency", ms=200)
    assert expected[3].match == "post-search"


def test_every_kind_and_option_parses() -> None:
    rules = parse_faults(
        "malformed:body=huge,status=200,probability=0.5;"
        "drip:bytes_per_second=2.5,match=credentials;"
        "status:status=529,retry_after=-1,count=null;"
        "rate_limit"
    )
    assert [rule.kind for rule in rules] == ["malformed", "drip", "status", "rate_limit"]
    assert rules[0].body == "huge" and rules[0].probability == 0.5
    assert rules[1].bytes_per_second == 2.5 and rules[1].match == "credentials"
    assert rules[2].count is None and rules[2].retry_after == "-1"
    assert rules[3].retry_after is None and rules[3].response_status == 429


def test_quoted_values_may_hold_commas_and_semicolons() -> None:
    (rule,) = parse_faults('rate_limit:retry_after="Wed, 21 Oct 2015 07:28:00 GMT",count=1')
    assert rule.retry_after == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert rule.count == 1


def test_retry_after_is_kept_verbatim_even_when_nonsense() -> None:
    assert parse_faults("rate_limit:retry_after=abc")[0].retry_after == "abc"
    assert rules_from_json([{"kind": "status", "retry_after": 7}])[0].retry_after == "7"


def test_empty_spec_and_stray_separators_mean_no_rules() -> None:
    assert parse_faults("") == []
    assert parse_faults(" ; ;") == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode", "unknown fault kind 'explode'"),
        ("latency:ms=fast", "ms='fast' is not a valid value"),
        ("latency:ms=-5", "ms must be between 0 and 600000"),
        ("status:status=99", "status must be between 100 and 599"),
        ("status:count=-1", "count must be at least 0"),
        ("status:probability=1.5", "probability must be between 0 and 1"),
        ("malformed:body=xml", "unknown body 'xml'"),
        ("drip:bytes_per_second=0", "bytes_per_second must be a positive number"),
        ("drop:ms=5", "drop fault: unknown option 'ms'"),
        ("latency:ms", "expected key=value"),
        ("latency:ms=1,ms=2", "ms given twice"),
        ('rate_limit:retry_after="2', "unterminated quote"),
        ("status:match=", "match must not be empty"),
    ],
)
def test_bad_specs_raise_value_error_naming_the_problem(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_faults(spec)


def test_rule_number_is_named_in_spec_errors() -> None:
    with pytest.raises(ValueError, match=r"fault rule 2 \('status:status=abc'\)"):
        parse_faults("latency:ms=1;status:status=abc")


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"kind": "latency"}, "rules must be a list"),
        (["latency"], r"rules\[0\]: a fault rule must be an object"),
        ([{"kind": "latency", "ms": True}], r"rules\[0\]: latency fault: ms must be a whole"),
        ([{"kind": "status", "retry_after": "1\r\nX: y"}], "single header line"),
        ([{"kind": "status", "retry_after": ["1"]}], "retry_after must be a string"),
        ([{"kind": "latency"}, {"kind": "nope"}], r"rules\[1\]: unknown fault kind"),
        ([{"kind": "status", "match": 3}], "match must be a string"),
    ],
)
def test_json_rules_are_validated(rules: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rules_from_json(rules)


def test_to_json_round_trips() -> None:
    rules = parse_faults(
        "latency:ms=5;status:status=502,retry_after=3;malformed:body=html;drip:bytes_per_second=9"
    )
    again = rules_from_json([rule.to_json() for rule in rules])
    assert again == [
        FaultRule(kind="latency", ms=5),
        FaultRule(kind="status", status=502, retry_after="3"),
        # to_json spells out the default status, so it comes back explicit.
        FaultRule(kind="malformed", body="html", status=200),
        FaultRule(kind="drip", bytes_per_second=9.0),
    ]


def test_count_limits_how_many_requests_a_rule_hits() -> None:
    injector = FaultInjector()
    injector.replace(parse_faults("status:count=2"))
    hits = [injector.plan("/credentials").fault is not None for _ in range(4)]
    assert hits == [True, True, False, False]
    assert injector.snapshot()["rules"][0]["remaining"] == 0


def test_match_applies_to_the_path_or_the_action_ids() -> None:
    injector = FaultInjector()
    injector.replace(parse_faults("drop:match=retrieve-a-page"))
    path = "/connectors/notion/actions/get-page"
    assert injector.plan(path, ("get-page", "retrieve-a-page")).fault is not None
    assert injector.plan("/credentials").fault is None


def test_latencies_add_up_and_one_terminal_fault_wins_in_order() -> None:
    injector = FaultInjector()
    injector.replace(parse_faults("latency:ms=10;status:status=500;latency:ms=5;drop"))
    plan = injector.plan("/credentials")
    assert plan.latency_ms == 15
    assert plan.fault is not None and plan.fault.kind == "status"


def test_probability_is_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list[bool]:
        injector = FaultInjector(seed=seed)
        injector.replace(parse_faults("status:probability=0.5"))
        return [injector.plan("/x").fault is not None for _ in range(40)]

    first = run(7)
    assert first == run(7)
    assert 5 < sum(first) < 35  # some hit, some did not
    assert run(8) != first


def test_probability_zero_never_fires_and_does_not_consume_count() -> None:
    injector = FaultInjector()
    injector.replace(parse_faults("status:probability=0,count=1"))
    assert all(injector.plan("/x").fault is None for _ in range(10))
    assert injector.snapshot()["rules"][0]["remaining"] == 1


def test_clear_removes_every_rule() -> None:
    injector = FaultInjector()
    injector.replace(parse_faults("drop"))
    injector.clear()
    assert injector.plan("/x").fault is None
    assert injector.snapshot() == {"seed": 0, "rules": []}


def test_notion_error_bodies_use_notions_codes() -> None:
    assert notion_error(529)["code"] == "service_overload"
    assert notion_error(503) == {
        "object": "error",
        "status": 503,
        "code": "service_unavailable",
        "message": "Notion is unavailable, please try again later.",
    }
    assert notion_error(418)["code"] == "internal_server_error"


def test_huge_body_is_valid_json_of_the_advertised_size() -> None:
    body = b"".join(_huge_chunks())
    assert HUGE_BODY_BYTES <= len(body) < HUGE_BODY_BYTES + 2048
    parsed = json.loads(body)
    assert parsed["object"] == "list" and len(parsed["results"]) > 20_000


class _Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = _Monotonic()
    limiter = RateLimiter(rate_per_second=3.0, burst=10, monotonic=clock)
    assert [limiter.acquire("a") for _ in range(10)] == [None] * 10
    assert limiter.acquire("a") == 1  # one token comes back in a third of a second -> 1 s
    assert limiter.acquire("b") is None  # buckets are per connection
    clock.now += 1.0  # three tokens back
    assert [limiter.acquire("a") for _ in range(3)] == [None] * 3
    assert limiter.acquire("a") is not None


def test_rate_limiter_retry_after_is_whole_seconds_at_least_one() -> None:
    clock = _Monotonic()
    limiter = RateLimiter(rate_per_second=0.25, burst=1, monotonic=clock)
    assert limiter.acquire("k") is None
    assert limiter.acquire("k") == 4
    clock.now += 2.5
    assert limiter.acquire("k") == 2


def test_rate_limiter_ignores_a_clock_going_backwards_and_validates() -> None:
    clock = _Monotonic()
    limiter = RateLimiter(rate_per_second=1.0, burst=1, monotonic=clock)
    assert limiter.acquire("k") is None
    clock.now -= 100
    assert limiter.acquire("k") == 1
    limiter.reset()
    assert limiter.acquire("k") is None
    with pytest.raises(ValueError):
        RateLimiter(rate_per_second=0)
    with pytest.raises(ValueError):
        RateLimiter(burst=0)
