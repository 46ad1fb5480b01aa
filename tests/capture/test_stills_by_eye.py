"""The stills evaluator's by-eye figures: refusals right and wrong by eye, and the share photos allow."""

from __future__ import annotations

from realtime.evaluate.stills_by_eye import GROUP, LABELS, by_eye_figures


def test_labels_are_known_kinds_and_disjoint() -> None:
    assert set(LABELS.values()) == {"none", "usable", "unsure", "single"}
    assert all(len(stem) == 3 and stem.isdigit() for stem in LABELS)
    assert GROUP <= {s for s, label in LABELS.items() if label == "none"}  # groups were refused: no face


def test_figures_count_refusals_against_the_labels() -> None:
    single = {"053": False, "007": False, "153": False, "999": False, "086": True, "500": True, "148": False}
    f = by_eye_figures(single)
    assert f["by_eye.refused"] == 5
    assert f["by_eye.refused_right"] == 2  # 053 eyes closed, 148 seen from behind
    assert f["by_eye.refused_wrong"] == 1  # 007 eyes open
    assert f["by_eye.refused_unsure"] == 1 and f["by_eye.refused_unreviewed"] == 1
    assert f["by_eye.made_from_none"] == 1  # 086 looks down: made with the narrowed-eyes note
    assert f["by_eye.none"] == 3 and f["by_eye.allowed"] == 4
    assert f["by_eye.groups_counted_single"] == 0
