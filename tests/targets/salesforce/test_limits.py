import pytest

from sfprov.errors import StopCycle
from sfprov.targets.salesforce.limits import ApiAllowance, parse_limit_info


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=10018/100000", (10018, 100000)),
        ("api-usage=3/15000; api-bursts=1/750", (3, 15000)),
        ("per-app-api-usage=17/250(appName=x); api-usage=18/15000", (18, 15000)),
        ("", None),
        (None, None),
        ("garbage", None),
    ],
)
def test_parse_limit_info(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_limit_info(header) == expected


def test_unknown_usage_never_blocks() -> None:
    allowance = ApiAllowance(reserve=0.2)
    allowance.check(10_000)
    assert allowance.available_for_us() is None


def test_stops_before_the_reserve() -> None:
    allowance = ApiAllowance(reserve=0.2)
    allowance.observe("api-usage=11990/15000")
    assert allowance.remaining == 3010
    assert allowance.reserved == 3000
    assert allowance.available_for_us() == 10
    allowance.check(10)
    with pytest.raises(StopCycle) as info:
        allowance.check(11)
    assert info.value.code == "API_RESERVE_REACHED"
    assert "11990 of 15000" in str(info.value)
    assert info.value.fix


def test_absolute_reserve_floor_wins_when_larger() -> None:
    allowance = ApiAllowance(reserve=0.0, reserve_calls=500)
    allowance.observe("api-usage=14600/15000")
    assert allowance.available_for_us() == 0


def test_reserve_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="share"):
        ApiAllowance(reserve=20)
