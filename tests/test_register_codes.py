"""Party codes are never given twice: a code stays with its person, even once their row is gone."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date

from pipeline.config import Config
from pipeline.register import layout
from pipeline.register.codes import party_code
from pipeline.run import weekly_run

from support.register import REF, cells, party_row, request_row, write_register

MONDAY = date(2026, 11, 2)


def test_a_new_row_gets_the_next_code_never_given() -> None:
    assert party_code(set(), {}, "Joan Smith") == "TP1"
    assert party_code({1, 2}, {}, "Joan Smith") == "TP3"
    assert party_code({1}, {1: "joan smith", 2: "kiran shah"}, "Mary Jones") == "TP3"
    assert party_code({1, 5}, {3: "kiran shah"}, "Mary Jones") == "TP6"


def test_a_person_given_a_code_before_gets_it_back() -> None:
    assert party_code({1}, {1: "joan smith", 2: "kiran shah"}, "Kiran Shah") == "TP2"
    assert party_code({1, 2}, {2: "kiran shah"}, "Kiran Shah") == "TP3"  # TP2 is someone's
    assert party_code(set(), {1: ""}, "") == "TP2"  # known only from a letter: never given again


def codes(config: Config) -> list[tuple[str, str]]:
    rows = cells(config.paths.register, layout.THIRD_PARTIES)
    return [(row["Name"], row["Party"]) for row in rows]


def test_a_deleted_partys_code_is_never_given_to_a_new_row(
    setting: Callable[..., Config],
) -> None:
    people = [
        party_row(Ref=REF, Name=name, Organisation=None, Kind="Family member")
        for name in ("Joan Smith", "Kiran Shah", "Mary Jones")
    ]
    config = setting([request_row(Ref=REF)], people)
    weekly_run(config, MONDAY, office=None)  # TP1, TP2, TP3, and a letter to each
    assert codes(config) == [("Joan Smith", "TP1"), ("Kiran Shah", "TP2"), ("Mary Jones", "TP3")]
    newcomer = party_row(Ref=REF, Name="Sam Lee", Organisation=None, Kind="Family member")
    write_register(
        config.paths.register,
        [request_row(Ref=REF)],
        [{**people[0], "Party": "TP1"}, {**people[1], "Party": "TP2"}, newcomer],
    )  # Mary Jones's row deleted, Sam Lee's added

    outcome = weekly_run(config, MONDAY, office=None)

    assert codes(config) == [("Joan Smith", "TP1"), ("Kiran Shah", "TP2"), ("Sam Lee", "TP4")]
    assert [letter.letter_id for letter, _ in outcome.letters.generated] == [f"{REF}/TP4/consent"]


def test_a_code_given_is_given_again_to_the_same_row_when_the_register_was_not_saved(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [request_row(Ref=REF)],
        [party_row(Ref=REF, Name="Joan Smith", Organisation=None, Kind="Family member")],
    )
    before = config.paths.register.with_name("before.xlsx")
    shutil.copyfile(config.paths.register, before)
    weekly_run(config, MONDAY, office=None)
    shutil.copyfile(before, config.paths.register)  # as if the write-back never happened
    write_register(
        config.paths.register,
        [request_row(Ref=REF)],
        [
            party_row(Ref=REF, Name="Kiran Shah", Organisation=None, Kind="Family member"),
            party_row(Ref=REF, Name="Joan Smith", Organisation=None, Kind="Family member"),
        ],
    )

    weekly_run(config, MONDAY, office=None)

    assert codes(config) == [("Kiran Shah", "TP2"), ("Joan Smith", "TP1")]
