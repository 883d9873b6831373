"""The code advisor: the labelled descriptions, the published clarifications it cites, what it
says not to bill, and a payer's word on its codes."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clock import TODAY
from therabill.codes import load_code_set
from therabill.codes.advisor import (
    Advice,
    accuracy,
    advise,
    load_knowledge,
    minutes_in,
    parse_knowledge,
    words,
)
from therabill.codes.payer_advice import with_payer
from therabill.errors import DataFileError, InvalidInput
from therabill.payers import load_payer_profiles

LABELLED = Path(__file__).parents[1] / "data" / "advisor" / "labelled.csv"
TOP1_FLOOR, TOP3_FLOOR = 0.85, 0.95  # on the training part; make bench reports both parts


def labelled(split: str) -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return [row for row in rows if row["split"] == split]


def test_the_labelled_set_is_large_enough_and_spans_every_discipline() -> None:
    train, held = labelled("train"), labelled("heldout")
    assert len(train) + len(held) >= 80 and len(held) >= 20
    for part in (train, held):
        assert {r["discipline"] for r in part} == {
            "massage", "music", "ot", "pt", "slp", "behavioral"
        }  # fmt: skip
    assert not {r["text"] for r in train} & {r["text"] for r in held}


def test_top3_accuracy_on_the_training_part_holds_its_floor() -> None:
    results = [
        (r["code"], advise(r["text"], discipline=r["discipline"], day=TODAY))
        for r in labelled("train")
    ]
    assert accuracy(results, 3) >= TOP3_FLOOR
    assert accuracy(results, 1) >= TOP1_FLOOR


def test_every_labelled_code_is_a_code_the_discipline_may_bill() -> None:
    code_set = load_code_set()
    for row in labelled("train") + labelled("heldout"):
        assert code_set[row["code"]].licensed_for(row["discipline"]), row


def test_the_knowledge_names_real_codes_and_cites_a_source_for_each() -> None:
    knowledge, code_set = load_knowledge(), load_code_set()
    assert set(knowledge.entries) <= set(code_set)
    for entry in knowledge.entries.values():
        assert entry.phrases and entry.why and knowledge.cite(entry.source)
    for rule in knowledge.avoid:
        assert set(rule.codes) <= set(code_set) and knowledge.cite(rule.source)


@pytest.mark.parametrize(
    ("text", "discipline", "first"),
    [
        ("Swedish massage with effleurage for relaxation", "massage", "97124"),
        ("myofascial release and trigger point work on the neck", "massage", "97140"),
        ("efflurage and petrisage of the back", "massage", "97124"),  # misspelt
        ("gait training with a walker", "pt", "97116"),
        ("articulation therapy for speech sounds", "slp", "92507"),
        ("drumming to improve grasp and fine motor function", "music", "97530"),
        ("45 minutes of CBT for anxiety", "behavioral", "90834"),
        ("CBT for anxiety, 58 minutes", "behavioral", "90837"),
        ("dressing training with a sock aid", "ot", "97535"),
    ],
    ids=["swedish", "myofascial", "misspelt", "gait", "articulation", "music-motor",
         "psychotherapy-45", "psychotherapy-58", "adl"],
)  # fmt: skip
def test_the_first_suggestion(text: str, discipline: str, first: str) -> None:
    advice = advise(text, discipline=discipline, day=TODAY)
    assert advice.codes()[0] == first
    top = advice.suggestions[0]
    assert 0 < top.score <= 1 and top.why.startswith("Matched") and top.source


def test_massage_therapists_are_told_not_to_bill_97112_or_97530() -> None:
    advice = advise("balance work with a BAPS board and lifting", discipline="massage", day=TODAY)
    assert not {"97112", "97530"} & set(advice.codes())
    avoided = {a.code: a for a in advice.avoid}
    assert {"97112", "97530"} <= set(avoided)
    assert (
        "massage therapists" in avoided["97112"].why and "Massage Today" in avoided["97112"].source
    )


def test_one_hour_of_massage_is_not_split_between_97124_and_97140() -> None:
    advice = advise("one hour: Swedish massage then myofascial release", discipline="massage",
                    day=TODAY)  # fmt: skip
    assert advice.minutes == 60
    assert advice.codes()[:2] == ["97124", "97140"]
    split = [a for a in advice.avoid if a.code == "97140"]
    assert split and "split" in split[0].why


def test_psychotherapy_outside_its_minutes_is_named_in_avoid() -> None:
    advice = advise("individual psychotherapy for depression, 50 minutes", discipline="behavioral",
                    day=TODAY)  # fmt: skip
    assert advice.codes()[0] == "90834"
    avoided = {a.code: a.why for a in advice.avoid}
    assert "not 50" in avoided["90837"] and "not 50" in avoided["90832"]


def test_an_untimed_code_says_one_unit_whatever_the_length() -> None:
    advice = advise("60 minutes of articulation therapy", discipline="slp", day=TODAY)
    assert advice.codes()[0] == "92507"
    assert "untimed: one unit" in advice.suggestions[0].why


def test_a_code_another_licence_bills_is_never_suggested() -> None:
    advice = advise("PT initial evaluation, low complexity", discipline="massage", day=TODAY)
    assert not {"97161", "97162", "97163"} & set(advice.codes())
    assert {"97161"} <= {a.code for a in advice.avoid}


def test_a_deleted_code_is_not_suggested() -> None:
    advice = advise("cognitive skills development", discipline="ot", day=TODAY)
    assert "97532" not in advice.codes() and "97129" in advice.codes()


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("53 min", 53), ("an hour of massage", 60), ("1.5 hours", 90), ("no time given", None),
     ("20 minutes then 25 minutes", 25), ("45-minute session", 45)],
)  # fmt: skip
def test_minutes_in(text: str, minutes: int | None) -> None:
    assert minutes_in(text) == minutes


def test_words_join_hyphens_and_stem() -> None:
    assert words("Neuromuscular re-education") == words("neuromuscular reeducation")


@pytest.mark.parametrize(("text", "field"), [("", "text"), ("   ", "text")], ids=["empty", "blank"])
def test_nothing_to_advise_on_is_an_error(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        advise(text)
    assert caught.value.field == field


def test_an_unknown_discipline_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="not a discipline"):
        advise("massage", discipline="astrology")


@given(st.text(max_size=300), st.sampled_from([None, "massage", "pt", "slp", "behavioral"]))
def test_any_text_gives_advice_or_a_clear_error(text: str, discipline: str | None) -> None:
    try:
        advice = advise(text, discipline=discipline, day=dt.date(2026, 11, 28))
    except InvalidInput:
        assert not text.strip()
        return
    assert isinstance(advice, Advice) and len(advice.suggestions) <= 5
    assert all(0 < s.score < 1 for s in advice.suggestions)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[codes.97124]\ntechniques=['x']\nwhy='w'\nsource='nope'\n", "unknown source"),
        ("[codes.97124]\ntechniques=['x']\nsource='s'\n[sources]\ns='S'\n", "needs a why"),
        ("[codes.97124]\ntechniques=['x']\nwhy='w'\nsource='s'\ndisciplines=['chef']\n"
         "[sources]\ns='S'\n", "unknown discipline"),
        ("[[avoid]]\nkind='maybe'\ncodes=['97112']\nwhy='w'\nsource='s'\n[sources]\ns='S'\n",
         "kind code|split"),
        ("not = [toml", "not TOML"),
    ],
    ids=["source", "why", "discipline", "avoid-kind", "toml"],
)  # fmt: skip
def test_a_broken_advice_file_names_the_problem(text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        parse_knowledge(text, "advice.toml")


def test_a_payer_that_takes_only_97124_from_massage_moves_97140_down() -> None:
    profile = load_payer_profiles()["SAMPLE-MASSAGE-PAYER"]
    advice = advise(
        "myofascial release, trigger point and positional release, then Swedish massage",
        discipline="massage",
        day=TODAY,
    )
    assert advice.codes()[0] == "97140"
    paid = with_payer(advice, profile, day=TODAY, evidence={"97124": "paid 97124 at $28.00/unit"})
    assert paid.codes()[0] == "97124" and paid.payer == profile.name
    first, moved = paid.suggestions[0], paid.suggestions[-1]
    assert first.payer is not None and first.payer["accepted"] is True
    assert first.payer["allowed_per_unit"] == "28.00"
    assert first.payer["paid"] == "paid 97124 at $28.00/unit"
    assert moved.code == "97140" and moved.payer is not None and moved.payer["instead"] == ["97124"]
    (refusal,) = [a for a in paid.avoid if a.code == "97140"]
    assert "does not take 97140 from a massage therapist; it takes 97124" in refusal.why


def test_medicare_allowed_amount_comes_from_its_fee_schedule() -> None:
    profile = load_payer_profiles()["MEDICARE"]
    advice = with_payer(advise("gait training", discipline="pt", day=TODAY), profile, day=TODAY)
    facts = advice.suggestions[0].payer
    assert facts is not None and facts["accepted"] and "fee schedule" in facts["source"]
    assert float(facts["allowed_per_unit"]) > 0
