"""What is searched for to mark a third party, and how far matching goes (pipeline/clean/terms)."""

from __future__ import annotations

from pipeline.clean.terms import Term, Word, find, fold, terms_for

from support.model import party_data, request_data


def _words(text: str) -> list[Word]:
    return [Word((index, 0, index + 1, 1), word, fold(word)) for index, word in
            enumerate(text.split())]  # fmt: skip


def _found(text: str, *terms: str) -> list[str]:
    words = _words(text)
    keyed = sorted((Term("TP1", term, fold(term)) for term in terms), key=lambda t: -len(t.key))
    return [
        " ".join(words[int(box[0])].text for box in found.boxes) for found in find(words, keyed)
    ]


def test_a_term_matches_whole_words_only() -> None:
    assert _found("Nan came, then Nancy and Nanette", "Nan") == ["Nan"]


def test_case_accents_punctuation_and_a_possessive_do_not_stop_a_match() -> None:
    assert _found("GWENDOLYN'S coat; gwên", "Gwendolyn", "Gwen") == ["GWENDOLYN'S", "gwên"]


def test_a_name_broken_by_a_line_break_or_a_hyphen_matches_across_the_words() -> None:
    assert _found("with Mrs Hartley- Boateng today", "Mrs Hartley-Boateng") == [
        "Mrs Hartley- Boateng"
    ]


def test_a_phone_number_and_a_postcode_match_in_any_spacing() -> None:
    assert _found("ring 02920 184477 or 029 2018 4477", "029 2018 4477") == [
        "02920 184477",
        "029 2018 4477",
    ]
    assert _found("at CF146AB and CF14 6AB", "CF14 6AB") == ["CF146AB", "CF14 6AB"]


def test_ocrs_usual_confusions_match_but_a_different_spelling_does_not() -> None:
    assert _found("Hart1ey and Hartly and Heartley", "Hartley") == ["Hart1ey"]
    assert _found("Mrs Wi11iams and Mrs Wiliams", "Williams") == ["Wi11iams"]


def test_the_longest_term_is_marked_first_and_its_words_not_again() -> None:
    assert _found("Mrs Hartley-Boateng and Boateng", "Boateng", "Mrs Hartley-Boateng") == [
        "Mrs Hartley-Boateng",
        "Boateng",
    ]


def test_a_name_part_shared_with_the_child_or_another_party_is_not_searched_alone() -> None:
    request = request_data(child="Ciarán Hughes", requester="Aoife Hughes")
    grandmother = party_data(
        party="TP1", name="Rose Anwen Hughes", kind="Family member", address="", email=""
    )
    uncle = party_data(party="TP2", name="Anwen Price", kind="Family member")
    texts = {term.text for term in terms_for(grandmother, request, [grandmother, uncle])}
    assert {"Rose Anwen Hughes", "Rose Hughes", "Mrs Hughes"} <= texts
    assert "Hughes" not in texts  # the child's surname
    assert "Anwen" not in texts  # the uncle's name
    assert "Rose" not in texts  # an everyday word


def test_an_agency_is_searched_for_by_its_organisation_email_address_and_aliases() -> None:
    worker = party_data(
        party="TP2", name="Sandra Hughes", kind="Agency", organisation="Millbrook Health Team",
        email="sandra.hughes@example.org", address="Unit 4, Mill Road\nMillbrook\nEX4 1BB",
        also_known_as="SH; 01632 960457",
    )  # fmt: skip
    texts = {term.text for term in terms_for(worker, request_data(), [worker])}
    assert {"Millbrook Health Team", "sandra.hughes@example.org", "Mill Road", "Unit 4"} <= texts
    assert {"EX4 1BB", "SH", "01632 960457", "+441632960457"} <= texts
    assert "Millbrook" not in texts  # a town: one word without a number
