"""Readers: known layouts, mappings, Parquet, chunks, currencies, quarantine, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.errors import UserError
from plugins.finance.aml.readers import read_transactions

AMLWORLD = """Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering
2022/09/01 00:20,10,8000EBD30,10,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0
2022/09/01 00:20,3208,8000F4580,1,8000F5340,0.01,US Dollar,0.01,US Dollar,Cheque,0
2022/09/01 00:00,3209,8000F4670,3209,8000F4670,14675.57,Euro,14675.57,Euro,Reinvestment,0
2022/09/01 00:02,12,8000F5030,12,8000F5030,2806.97,US Dollar,2806.97,US Dollar,Reinvestment,1
not a date,12,8000F5030,12,8000F5030,1.0,US Dollar,1.0,US Dollar,Cash,0
2022/09/01 00:05,12,8000F5030,1,8000F5340,abc,US Dollar,abc,US Dollar,Cash,0
2022/09/01 00:06,12,8000F5030,1,8000F5340,-5,US Dollar,-5,US Dollar,Cash,0
2022/09/01 00:07,12,8000F5030,1,8000F5340,5,Doubloon,5,Doubloon,Cash,0
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_amlworld_duplicate_account_header_currency_and_quarantine(tmp_path):
    tx = read_transactions(write(tmp_path, "hi.csv", AMLWORLD))
    f = tx.frame
    assert tx.schema_name == "amlworld" and len(f) == 4
    # the two 'Account' columns are source and target, keyed by bank
    assert "3208:8000F4580" in set(tx.accounts) and "1:8000F5340" in set(tx.accounts)
    euro = f[f.currency == "Euro"].iloc[0]
    assert euro.amount == pytest.approx(14675.57 * 1.08)
    assert f.ts.is_monotonic_increasing and f.label.tolist().count(1) == 1
    problems = {(q["row"], q["problem"]) for q in tx.quarantine.rows}
    assert problems == {(5, "unparsable timestamp"), (6, "unparsable amount"),
                        (7, "negative amount"),
                        (8, "unknown currency (add it to the rates file)")}


def test_rates_file_overrides_default(tmp_path):
    rates = write(tmp_path, "rates.json", json.dumps({"base": "EUR", "rates": {
        "US Dollar": 0.5, "Euro": 1.0, "Doubloon": 100.0}}))
    tx = read_transactions(write(tmp_path, "hi.csv", AMLWORLD), rates_file=str(rates))
    assert tx.base_currency == "EUR" and len(tx.frame) == 5  # Doubloon now known
    assert tx.frame[tx.frame.currency == "US Dollar"].amount.max() == pytest.approx(3697.34 / 2)


def test_amlsim_old_and_current_schemas(tmp_path):
    old = read_transactions(write(tmp_path, "old.csv",
                                  "sourceNodeId,targetNodeId,value,time\n1,2,10.5,1\n2,3,9.9,2\n"))
    assert old.schema_name == "amlsim_old" and old.frame.ts.tolist() == [86_400, 172_800]
    cur = read_transactions(write(tmp_path, "cur.csv",
                                  "tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp,"
                                  "is_sar\n7,a,b,TRANSFER,100.0,2017-01-01T00:00:00Z,False\n"
                                  "8,b,c,TRANSFER,99.0,2017-01-02T00:00:00Z,True\n"
                                  "8,b,c,TRANSFER,99.0,2017-01-02T00:00:00Z,True\n"))
    assert cur.schema_name == "amlsim" and cur.frame.txn_id.tolist() == ["7", "8"]
    assert cur.frame.label.tolist() == [0, 1]
    assert cur.quarantine.rows == [{"row": 3, "problem": "duplicate transaction id",
                                    "value": "8"}]


def test_mapping_file_yaml_and_json_parquet_and_chunks(tmp_path):
    df = pd.DataFrame({"When": pd.date_range("2024-01-01", periods=50, freq="h").astype(str),
                       "Payer": [f"p{i % 7}" for i in range(50)],
                       "Payee": [f"q{i % 5}" for i in range(50)],
                       "EUR amount": [100.0 + i for i in range(50)], "Ref": range(50)})
    csv = tmp_path / "bank.csv"
    df.to_csv(csv, index=False)
    cols = {"timestamp": "When", "source_account": "Payer", "target_account": "Payee",
            "amount": "EUR amount", "transaction_id": "Ref"}
    yml = write(tmp_path, "map.yaml", "currency: EUR\ncolumns:\n" + "".join(
        f"  {k}: {v}\n" for k, v in cols.items()))
    jsn = write(tmp_path, "map.json", json.dumps({"currency": "EUR", "columns": cols}))
    whole = read_transactions(csv, mapping_file=str(yml))
    chunked = read_transactions(csv, mapping_file=str(jsn), chunk_rows=7)
    assert whole.schema_name == "mapped" and len(whole.frame) == 50
    assert whole.frame.amount.tolist() == chunked.frame.amount.tolist()
    assert whole.frame.amount.iloc[0] == pytest.approx(108.0)
    pq = tmp_path / "bank.parquet"
    df.to_parquet(pq)
    par = read_transactions(pq, mapping_file=str(yml), chunk_rows=1000)
    assert par.frame.amount.tolist() == whole.frame.amount.tolist()
    assert sorted(par.accounts) == sorted(whole.accounts)


def test_missing_columns_and_unknown_layout_are_user_errors(tmp_path):
    bad = write(tmp_path, "bad.csv", "sourceNodeId,targetNodeId,time\n1,2,3\n")
    with pytest.raises(UserError) as err:
        read_transactions(bad)
    msg = str(err.value)
    assert "missing required column(s) value" in msg and "found sourceNodeId" in msg
    other = write(tmp_path, "other.csv", "a,b,c\n1,2,3\n")
    with pytest.raises(UserError, match="unknown transaction layout.*amlworld.*found columns: a"):
        read_transactions(other)
    empty = write(tmp_path, "empty.csv", "")
    with pytest.raises(UserError, match="empty"):
        read_transactions(empty)
    with pytest.raises(UserError, match="mapping must name a column for amount"):
        read_transactions(other, mapping_file=str(write(
            tmp_path, "m.yaml", "columns: {timestamp: a, source_account: b, target_account: c}")))


def test_amlworld_resaved_by_pandas_and_seconds_in_timestamps(tmp_path):
    text = AMLWORLD.splitlines()
    header = text[0].replace("To Bank,Account,", "To Bank,Account.1,")
    rows = [r.replace("2022/09/01 00:20,", "2022-09-01 00:20:31,") for r in text[1:5]]
    tx = read_transactions(write(tmp_path, "resaved.csv", "\n".join([header, *rows]) + "\n"))
    assert tx.schema_name == "amlworld" and len(tx.frame) == 4 and tx.quarantine.total == 0
    assert "1:8000F5340" in set(tx.accounts)
    assert tx.frame.ts.max() == 1_661_991_631  # 2022-09-01 00:20:31 UTC


def test_semicolon_file_with_decimal_commas(tmp_path):
    """A European bank export: ';' between fields, '1.234,56' amounts, day-first dates.
    Read as ',' with the comma stripped, 517,32 would silently become 51,732."""
    text = ("Buchungsdatum;Auftraggeber;Empfaenger;Betrag;Referenz\n"
            "01.03.2024 09:15;DE11;DE12;517,32;R1\n"
            "02.03.2024 10:00;DE12;DE13;1.234,50;R2\n"
            "31.02.2024 10:00;DE12;DE13;12,00;R3\n")
    csv = write(tmp_path, "eu.csv", text)
    mapping = write(tmp_path, "eu.yaml", "currency: EUR\ntimestamp_format: '%d.%m.%Y %H:%M'\n"
                    "columns: {timestamp: Buchungsdatum, source_account: Auftraggeber, "
                    "target_account: Empfaenger, amount: Betrag, transaction_id: Referenz}\n")
    tx = read_transactions(csv, mapping_file=str(mapping))
    assert tx.frame.amount_orig.tolist() == [517.32, 1234.5]
    assert tx.quarantine.rows == [{"row": 3, "problem": "unparsable timestamp",
                                   "value": "31.02.2024 10:00"}]
    pinned = write(tmp_path, "pinned.yaml", mapping.read_text() + "delimiter: ';'\n"
                   "decimal: '.'\n")
    wrong = read_transactions(csv, mapping_file=str(pinned))  # told '.', so 517,32 -> 51732
    assert wrong.frame.amount_orig.iloc[0] == 51_732.0
    with pytest.raises(UserError, match="decimal must be one of"):
        read_transactions(csv, mapping_file=str(write(
            tmp_path, "bad.yaml", mapping.read_text() + "decimal: 'x'\n")))
