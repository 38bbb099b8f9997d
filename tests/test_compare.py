"""The comparison and rate rules the pages rely on (stats.compare, stats.rates, stats.sentences)."""
import pytest

from stats.compare import ALPHA, compare, compare_scores, exact_p
from stats.rates import MIN_POPULATION, rate_per_1000
from stats.sentences import judged_change, judged_score_change


def test_two_to_four_is_within_normal_variation():
    c = compare(2, 4)
    assert c.direction == "up" and c.pct == 100.0
    assert not c.significant  # z = √2(√4 − √2) ≈ 0.83; exact p = 0.69
    text = judged_change(2, 4, "Q2 2026", "en")
    assert text == "up 100 % from 2 in Q2 2026, within normal variation"
    assert judged_change(2, 4, "T2 2026", "fr") == "en hausse de 100 % par rapport à 2 au T2 2026, dans la variation normale"


def test_four_hundred_to_three_hundred_is_a_real_fall():
    c = compare(400, 300)
    assert c.direction == "down" and c.significant  # z = √2(√300 − √400) ≈ −3.8
    assert judged_change(400, 300, "Q2 2026", "en") == "down 25 % from 400 in Q2 2026, a real fall (more than normal variation)"
    assert "une baisse réelle" in judged_change(400, 300, "T2 2026", "fr")


def test_no_bare_percentage_from_zero_or_unchanged():
    assert judged_change(0, 3, "Q2 2026", "en") == "up from none in Q2 2026, within normal variation"
    assert judged_change(0, 9, "Q2 2026", "en").endswith("a real rise (more than normal variation)")
    assert judged_change(7, 7, "Q2 2026", "en") == "the same as in Q2 2026 (7), within normal variation"


def test_threshold_is_two():
    assert not compare(100, 130).significant  # z ≈ 1.98
    assert compare(100, 131).significant  # z ≈ 2.05
    assert not compare(1000, 1088).significant and compare(1000, 1092).significant
    with pytest.raises(ValueError):
        compare(-1, 3)


@pytest.mark.parametrize("before, after, real", [
    (0, 1, False), (0, 2, False), (0, 3, False), (0, 5, False), (0, 6, True), (1, 4, False), (3, 10, False), (2, 12, True),
    (10, 1, True),
])
def test_small_counts_use_the_exact_test(before, after, real):
    """The square-root rule calls 0 → 3 real (z = 2.4); the exact conditional test does not (p = 0.25)."""
    assert compare(before, after).significant is real
    assert compare(after, before).significant is real  # symmetric


def test_exact_and_square_root_rules_agree_from_fifty_up():
    pairs = [(a, b) for a in range(0, 150) for b in range(0, 150) if 50 <= a + b < 200]
    disagree = [(a, b) for a, b in pairs if (exact_p(a, b) < ALPHA) != (abs(2 ** 0.5 * (b ** 0.5 - a ** 0.5)) >= 2)]
    assert len(disagree) / len(pairs) < 0.015  # the discrete exact test differs only at the edge of the threshold


def test_no_rate_where_the_population_is_missing():
    for pop in (None, float("nan"), 0):
        r = rate_per_1000(12, pop)
        assert r.value is None and r.reason == "no_population"


def test_no_rate_where_the_population_is_tiny():
    r = rate_per_1000(3, 40)
    assert r.value is None and r.reason == "small_population" and r.population == 40
    assert rate_per_1000(3, MIN_POPULATION).value == 30.0


def test_rate_per_thousand():
    assert rate_per_1000(10, 2000).value == 5.0
    assert rate_per_1000(0, 5000).value == 0.0


def test_survey_scores_judged_against_sampling_error():
    assert compare_scores(60, 200, 70, 200).significant  # z ≈ 2.1
    assert not compare_scores(63, 33, 55, 33).significant
    unknown = compare_scores(60, None, 70, 200)
    assert unknown.z is None and not unknown.significant
    assert judged_score_change(60, 200, 70, 200, "Q2 2026", "en") == "up 10 points from 60 in Q2 2026, a real rise (more than normal variation)"
    assert "cannot tell" in judged_score_change(60, None, 70, 200, "Q2 2026", "en")
