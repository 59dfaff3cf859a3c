"""Field extractors and normalisers on contract wording taken from real agreements."""

from __future__ import annotations

from plugins.finance.contracts import fields as F
from plugins.finance.contracts.normalise import find_dates, jurisdiction
from plugins.finance.contracts.structure import parse_sections


def test_dates_in_their_many_spellings_become_iso() -> None:
    text = ("made on the 8th day of May, 2014; amended May 8th 2015; signed 20t h day of "
            "November, 2018; filed 29/3/18 and 04/25/2018; restated 2019-12-23.")
    assert [d[2] for d in find_dates(text)] == [
        "2014-05-08", "2015-05-08", "2018-11-20", "2018-03-29", "2018-04-25", "2019-12-23"]


def test_agreement_date_prefers_the_preamble_over_a_filing_stamp() -> None:
    text = ("Source: ACME CORP, 8-K, 11/6/2019\n\nJOINT DEVELOPMENT AGREEMENT\nThis Agreement is "
            "entered into as of November 5, 2019 by and between Acme Corp. and Beta LLC.")
    assert F.agreement_date(text).value == "2019-11-05"


def test_governing_law_is_normalised_to_the_jurisdiction() -> None:
    cases = {
        "This Agreement shall be governed by and construed in accordance with the laws of the "
        "State of New York, without giving effect to conflict of laws.": "New York",
        "This Agreement is accepted by Company in the State of Nevada and shall be governed by "
        "and construed in accordance with the laws thereof.": "Nevada",
        "THIS AGREEMENT SHALL BE GOVERNED BY THE LAWS OF THE COMMONWEALTH OF MASSACHUSETTS.":
            "Massachusetts",
        "This Agreement shall be governed by the laws of the Province of Ontario and the federal "
        "laws of Canada applicable therein.": "Ontario, Canada",
        "The laws of California shall govern the construction of the Agreement.": "California",
        "This Agreement shall be governed by the laws of the State of Delaware, United States.":
            "Delaware",
        "This Agreement is governed by the laws of the People's Republic of China.":
            "People's Republic of China",
    }
    for sentence, expected in cases.items():
        found = F.governing_law("1. Recitals. Some words here.\n" + sentence)
        assert found is not None and found.value == expected, sentence
    assert F.governing_law("Each party shall comply with all applicable laws.") is None
    assert jurisdiction("the State of Texas") == "Texas"


def test_parties_with_roles_from_the_preamble() -> None:
    text = ('THIS LICENSE AGREEMENT is made as of May 1, 2020 by and between PSiTech Corporation, '
            'a Nevada corporation ("Licensor"), and Empirical Ventures, Inc., a Delaware '
            'corporation (hereinafter "Licensee").\nWHEREAS Licensor owns software.')
    got = [(p.value["name"], p.value["role"]) for p in F.parties(text)]
    assert got == [("PSiTech Corporation", "Licensor"), ("Empirical Ventures, Inc.", "Licensee")]


def test_term_renewal_notice_and_expiry() -> None:
    text = ("This Agreement is effective as of January 1, 2020 (the \"Effective Date\"). The "
            "initial term of this Agreement shall be a period of three (3) years. Thereafter it "
            "shall automatically renew for successive one (1) year periods unless either party "
            "gives notice of non-renewal at least ninety (90) days prior to the end of the term.")
    eff = F.effective_date(text, None)
    term = F.initial_term_months(text)
    assert eff.value == "2020-01-01" and term.value == 36
    assert F.renewal_term_months(text).value == 12
    assert F.notice_period_days(text).value == 90
    assert F.expiration_date(text, eff.value, term).value == "2022-12-31"
    assert F.expiration_date("The licence granted is perpetual and shall continue in effect "
                             "until terminated.", None, None).value == "perpetual"


def test_liability_cap_amount_or_formula_and_payment_terms() -> None:
    cap = F.liability_cap("In no event shall the total liability of Supplier exceed EUR 2 million "
                          "in the aggregate.")
    assert cap.value == {"amount": 2_000_000.0, "currency": "EUR", "formula": None}
    formula = F.liability_cap("Company's liability shall not exceed the fees that MA has paid "
                              "under this Agreement in the twelve (12) months preceding the claim.")
    assert formula.value["amount"] is None and "fees that MA has paid" in formula.value["formula"]
    pay = F.payment_terms("Customer shall pay each invoice within forty-five (45) days of receipt.")
    assert pay.value["days"] == 45
    money = [a.value for a in F.amounts("a fee of $1,250,000.50 and USD 300 and 5 million dollars")]
    assert [(m["amount"], m["currency"]) for m in money] == [
        (1_250_000.5, "USD"), (300.0, "USD"), (5_000_000.0, "USD")]


def test_sections_get_hierarchical_ids_and_spans() -> None:
    text = ("ARTICLE IV PAYMENT\n4.1 Fees. Customer pays.\n(a) monthly;\n(b) in advance;\n"
            "(i) by wire;\n4.2 Taxes. Each party pays its own.\nSchedule B Fee Table\n")
    sections = parse_sections(text)
    ids = [s.id for s in sections]
    assert ids == ["Article IV", "4.1", "4.1(a)", "4.1(b)", "4.1(b)(i)", "4.2", "Schedule B"]
    by_id = {s.id: s for s in sections}
    assert text[by_id["4.1"].start:by_id["4.1"].end].startswith("4.1 Fees.")
    assert by_id["4.1"].end == by_id["4.2"].start
    assert by_id["4.1"].title == "Fees"


def test_letter_and_roman_items_after_double_letters() -> None:
    text = "1.1 Items.\n(h) eighth;\n(i) ninth;\n(aa) twenty-seventh;\n(ii) roman two;\n(x) ten;\n"
    ids = [s.id for s in parse_sections(text)]
    assert ids[:3] == ["1.1", "1.1(h)", "1.1(i)"]
    assert "1.1(aa)" in ids and len(ids) == 6
