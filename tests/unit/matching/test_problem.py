from typing import Any

import pytest

from matching import InputError, Problem
from matching.generate import generate


def base() -> dict[str, Any]:
    return generate(4, 6, seed=3)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(policy={"cross_org": "sometimes"}), "policy: 'cross_org'"),
    (lambda d: d["requests"][0].update(priority=True), "request 'r00000': 'priority'"),
    (lambda d: d["requests"][0].update(priority=9), "request 'r00000': 'priority'"),
    (lambda d: d["coaches"][1].update(location=[123, 0]), "coach 'c00001': 'location'"),
    (lambda d: d["coaches"][1].update(modes=[]), "coach 'c00001': 'modes'"),
    (lambda d: d["coaches"][2].update(skills={"pdsa": 4}), "coach 'c00002': skill 'pdsa'"),
    (lambda d: d["coaches"][0].update(travel_km=-1), "coach 'c00000': 'travel_km'"),
    (lambda d: d["requests"][1].update(mode="phone"), "request 'r00001': 'mode'"),
    (lambda d: d.update(exclusions=[["c1"]]), "exclusion #0"),
    (lambda d: d.pop("coaches"), "round: missing field 'coaches'"),
])
def test_invalid_input_names_the_item(mutate: Any, message: str) -> None:
    data = base()
    mutate(data)
    with pytest.raises(InputError) as err:
        Problem.from_dict(data)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_round_trip_and_defaults() -> None:
    data = base()
    del data["policy"]
    data["requests"][0].pop("priority")
    data["requests"][0].pop("location")
    p = Problem.from_dict(data)
    assert p.policy.cross_org == "required"
    assert p.requests[0].priority == 1 and p.requests[0].location is None
    assert Problem.from_dict(p.to_dict()) == p


def test_generate_is_reproducible_and_valid() -> None:
    assert generate(20, 50, seed=5) == generate(20, 50, seed=5)
    assert generate(20, 50, seed=5) != generate(20, 50, seed=6)
    p = Problem.from_dict(generate(20, 50, seed=5))
    assert len(p.coaches) == 20 and len(p.requests) == 50
