"""The evaluation as an official procedure (issue 13, items 1 and 9): each test fails on the code
before it and names the defect it pins."""

import pytest

from core.errors import ApplicationError
from evaluations import services

pytestmark = pytest.mark.django_db


def test_a_band_list_that_stops_above_zero_is_refused_naming_the_field(people, centers):
    with pytest.raises(ApplicationError) as refused:
        services.cycle_create(
            year=2027,
            actor=people["bureau"],
            grade_bands=[{"grade": "优秀", "min": 90}, {"grade": "合格", "min": 60}],
        )
    assert "等次划分" in refused.value.fields["grade_bands"][0]
    assert "0 分" in refused.value.fields["grade_bands"][0]
