"""Transaction file readers: known schemas, column mappings, chunks, currencies, quarantine.

Every input becomes one compact canonical frame (integer account codes, epoch seconds,
amounts in the base currency) so the detectors never care where the data came from.
Files are read in chunks (pandas for CSV, pyarrow batches for Parquet) and each chunk is
reduced to the compact columns at once, so the raw text never has to fit in memory;
rows that cannot be used go to a quarantine list with their 1-based data row number.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import UserError

DATA = Path(__file__).parent / "data"

#: Canonical fields; the first five are required from every source.
REQUIRED = ("timestamp", "source_account", "target_account", "amount")
OPTIONAL = ("transaction_id", "currency", "source_bank", "target_bank", "source_country",
            "target_country", "payment_format", "label")
TEXT_FIELDS = ("transaction_id", "source_account", "target_account", "source_bank",
               "target_bank", "source_country", "target_country", "payment_format", "currency")

DELIMITERS = (",", ";", "\t", "|")

AMLWORLD_COLUMNS = ["Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received",
                    "Receiving Currency", "Amount Paid", "Payment Currency", "Payment Format",
                    "Is Laundering"]


@dataclass(frozen=True)
class Schema:
    """How one known layout maps onto the canonical fields."""

    name: str
    columns: dict[str, str]  # canonical field -> source column
    time_unit_s: float = 1.0  # numeric timestamps are steps of this many seconds
    timestamp_format: str | None = None
    default_currency: str = "USD"
    account_with_bank: bool = False  # account key = "bank:account" (AMLworld)
    delimiter: str | None = None  # None: sniffed from the header line
    decimal: str | None = None  # "." or ","; None: detected from the amounts

    def required_columns(self) -> list[str]:
        return [self.columns[f] for f in REQUIRED if f in self.columns]


KNOWN = (
    Schema("amlworld", {"timestamp": "Timestamp", "source_bank": "From Bank",
                        "source_account": "From Account", "target_bank": "To Bank",
                        "target_account": "To Account", "amount": "Amount Paid",
                        "currency": "Payment Currency", "payment_format": "Payment Format",
                        "label": "Is Laundering"},
           timestamp_format="%Y/%m/%d %H:%M", account_with_bank=True),
    Schema("amlsim", {"transaction_id": "tran_id", "source_account": "orig_acct",
                      "target_account": "bene_acct", "payment_format": "tx_type",
                      "amount": "base_amt", "timestamp": "tran_timestamp", "label": "is_sar"}),
    # The old AMLSim sample counts time in simulation steps (one step = one day).
    Schema("amlsim_old", {"source_account": "sourceNodeId", "target_account": "targetNodeId",
                          "amount": "value", "timestamp": "time"}, time_unit_s=86_400.0),
)


@dataclass
class Quarantine:
    """Row problems found while reading; only the first ``keep`` rows are listed."""

    keep: int = 1_000
    rows: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, rows: np.ndarray, problem: str, values: pd.Series | None = None) -> None:
        if len(rows) == 0:
            return
        self.counts[problem] = self.counts.get(problem, 0) + int(len(rows))
        room = self.keep - len(self.rows)
        if room > 0:
            vals = values.astype(str).tolist()[:room] if values is not None else [""] * room
            self.rows.extend({"row": int(r), "problem": problem, "value": v[:80]}
                             for r, v in zip(rows[:room], vals, strict=False))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Transactions:
    """The canonical, compact transaction table every detector reads (sorted by time)."""

    frame: pd.DataFrame  # row, txn_id, ts, src, dst, amount, amount_orig, currency, ...
    accounts: np.ndarray  # account key per integer code
    schema_name: str
    base_currency: str
    quarantine: Quarantine

    @property
    def n_accounts(self) -> int:
        return len(self.accounts)


def load_rates(rates_file: str | Path | None = None) -> tuple[str, dict[str, float]]:
    """Currency -> base-currency rate; the shipped table unless a site file overrides it."""
    path = Path(rates_file) if rates_file else DATA / "rates.json"
    try:
        data = json.loads(path.read_text())
        rates = {str(k): float(v) for k, v in data["rates"].items()}
        return str(data.get("base", "USD")), rates
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: not a usable rates file ({exc}); expected JSON "
                        '{"base": "USD", "rates": {"EUR": 1.08, ...}}') from exc


def load_mapping(path: str | Path) -> Schema:
    """A column mapping file (YAML or JSON) describing any other CSV layout."""
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text())  # JSON is valid YAML
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{p}: cannot read the column mapping ({exc})") from exc
    cols = (data or {}).get("columns") if isinstance(data, dict) else None
    if not isinstance(cols, dict):
        raise UserError(f"{p}: a mapping needs a 'columns' table of canonical field -> column; "
                        f"fields: {', '.join(REQUIRED + OPTIONAL)}")
    unknown = sorted(set(cols) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise UserError(f"{p}: unknown canonical fields {unknown}; "
                        f"allowed: {', '.join(REQUIRED + OPTIONAL)}")
    missing = [f for f in REQUIRED if f not in cols]
    if missing:
        raise UserError(f"{p}: the mapping must name a column for {', '.join(missing)}")
    return Schema("mapped", {k: str(v) for k, v in cols.items()},
                  time_unit_s=float(data.get("time_unit_seconds", 1.0)),
                  timestamp_format=data.get("timestamp_format"),
                  default_currency=str(data.get("currency", "USD")),
                  account_with_bank=bool(data.get("account_with_bank", False)),
                  delimiter=_one_char(p, data, "delimiter", DELIMITERS),
                  decimal=_one_char(p, data, "decimal", (".", ",")))


def _one_char(p: Path, data: dict, key: str, allowed: tuple[str, ...]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    value = "\t" if value in ("\\t", "tab") else str(value)
    if value not in allowed:
        raise UserError(f"{p}: {key} must be one of {', '.join(map(repr, allowed))}, "
                        f"not {value!r}")
    return value


def sniff_delimiter(path: Path) -> str:
    """The field separator of a CSV: whichever of , ; tab | the header line uses most
    (European bank exports separate with ';' because ',' is their decimal mark)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            line = fh.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a readable CSV text file ({exc})") from exc
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def open_layout(path: Path, mapping_file: str | None) -> tuple[list[str], Schema]:
    """Column names and the schema of a file (known layout or mapping), separator set."""
    mapping = load_mapping(mapping_file) if mapping_file else None
    delimiter = None
    if path.suffix.lower() != ".parquet":
        delimiter = (mapping.delimiter if mapping and mapping.delimiter
                     else sniff_delimiter(path))
    names = header_of(path, delimiter or ",")
    schema = detect_schema(path, names, mapping)
    return names, replace(schema, delimiter=delimiter)


_COMMA_DECIMAL = re.compile(r"^[-+]?[\d.' ]*,\d{1,2}$")
_POINT_DECIMAL = re.compile(r"^[-+]?[\d,' ]*\.\d{1,2}$")


def settle_decimal(schema: Schema, first_chunk: pd.DataFrame) -> Schema:
    """Fix the decimal mark once, from the first chunk's amounts: '1.234,56' style when
    amounts end in a comma and one or two digits and none end in a point and digits
    (mixing marks between chunks would scale some amounts by 100 silently)."""
    if schema.decimal is not None:
        return schema
    col = first_chunk[schema.columns["amount"]]
    if pd.api.types.is_numeric_dtype(col):
        return replace(schema, decimal=".")
    text = col.astype(str).str.strip().head(5_000)
    comma = int(text.str.match(_COMMA_DECIMAL).sum())
    point = int(text.str.match(_POINT_DECIMAL).sum())
    return replace(schema, decimal="," if comma > 0 and point == 0 else ".")


def header_of(path: Path, delimiter: str = ",") -> list[str]:
    """Column names of a CSV or Parquet file, with AMLworld's duplicate 'Account' renamed."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq
        try:
            names = list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise UserError(f"{path}: not a readable Parquet file ({exc})") from exc
    else:
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                names = next(csv.reader(fh, delimiter=delimiter), [])
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{path}: not a readable CSV text file ({exc})") from exc
    names = [n.strip() for n in names]
    # AMLworld repeats "Account" (pandas re-saves it as "Account.1"): name each by the
    # bank column before it
    for i in range(1, len(names)):
        if names[i] in ("Account", "Account.1") and names[i - 1] in ("From Bank", "To Bank"):
            names[i] = names[i - 1].replace("Bank", "Account")
    return names


def detect_schema(path: Path, names: list[str], mapping: Schema | None) -> Schema:
    """The schema whose columns the file has; a UserError lists expected vs found otherwise."""
    if not names:
        raise UserError(f"{path}: the file is empty (no header row)")
    found = set(names)
    candidates = [mapping] if mapping else list(KNOWN)
    best = max(candidates, key=lambda s: len(set(s.columns.values()) & found))
    missing = [c for c in best.required_columns() if c not in found]
    if mapping is None and len(set(best.columns.values()) & found) < 2:
        expected = "; ".join(f"{s.name}: {', '.join(dict.fromkeys(s.required_columns()))}"
                             for s in KNOWN)
        raise UserError(f"{path}: unknown transaction layout. Expected one of [{expected}] "
                        f"or a mapping file (mapping_file=...); found columns: "
                        f"{', '.join(names)}")
    if missing:
        raise UserError(f"{path}: missing required column(s) {', '.join(missing)} for the "
                        f"{best.name} layout; expected {', '.join(best.required_columns())}; "
                        f"found {', '.join(names)}")
    return best


def _chunks(path: Path, names: list[str], schema: Schema, chunk_rows: int,
            malformed: list[tuple[int, str]]) -> Iterator[pd.DataFrame]:
    """Raw chunks of about ``chunk_rows`` rows; malformed CSV lines are appended to
    ``malformed`` as (line number or 0, text) and skipped."""
    wanted = [c for c in schema.columns.values() if c in names]
    text_cols = {schema.columns[f] for f in TEXT_FIELDS if f in schema.columns}
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq
        pf = pq.ParquetFile(path)
        real = pf.schema_arrow.names
        pick = [real[names.index(c)] for c in wanted]
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=list(dict.fromkeys(pick))):
            df = batch.to_pandas()
            df.columns = [names[real.index(c)] for c in df.columns]
            yield df
        return
    import pyarrow as pa
    from pyarrow import csv as pacsv

    def skip(row) -> str:  # malformed line (wrong number of fields): keep going, report it
        malformed.append((int(row.number or 1) - 1, str(row.text)[:80]))
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=schema.delimiter or ",",
                                             invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(dict.fromkeys(wanted)),
                column_types={c: pa.string() for c in text_cols},
                strings_can_be_null=False))
        buffered: list[pd.DataFrame] = []
        rows = 0
        for batch in reader:
            buffered.append(batch.to_pandas())
            rows += batch.num_rows
            if rows >= chunk_rows:
                yield pd.concat(buffered, ignore_index=True)
                buffered, rows = [], 0
        if buffered:
            yield pd.concat(buffered, ignore_index=True)
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{path}: cannot be parsed as CSV ({exc})") from exc


def _timestamps(col: pd.Series, schema: Schema) -> pd.Series:
    """Epoch seconds as float (NaN where unparsable)."""
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64") * schema.time_unit_s
    text = col.astype(str).str.strip()
    if pd.to_numeric(text.head(200), errors="coerce").notna().mean() > 0.9:
        return pd.to_numeric(text, errors="coerce") * schema.time_unit_s
    fmt = schema.timestamp_format or "ISO8601"
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    failed = parsed.isna().to_numpy()
    if failed.any():  # rows in another layout than declared: let pandas infer those
        parsed = parsed.astype("datetime64[ns, UTC]")
        retry = pd.to_datetime(text[failed], format="mixed", errors="coerce", utc=True)
        parsed[failed] = retry.astype("datetime64[ns, UTC]")
    # resolution-independent (pandas may parse to s, ms, us or ns)
    return (parsed - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)


def _amounts(col: pd.Series, decimal: str | None) -> pd.Series:
    """Amounts as floats (NaN where unparsable); thousands separators dropped."""
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64")
    text = col.astype(str).str.strip().str.replace(r"[' ]", "", regex=True)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce")


def _normalise(df: pd.DataFrame, schema: Schema, row0: int, rates: dict[str, float],
               q: Quarantine) -> pd.DataFrame:
    """One raw chunk -> canonical columns; bad rows are quarantined and dropped."""
    col = schema.columns
    n = len(df)
    rows = np.arange(row0 + 1, row0 + n + 1, dtype=np.int64)
    out = pd.DataFrame({"row": rows})
    ts = _timestamps(df[col["timestamp"]], schema).to_numpy()
    amount = _amounts(df[col["amount"]], schema.decimal).to_numpy()

    def text(field_name: str, default: str = "") -> pd.Series:
        if field_name in col and col[field_name] in df:
            return df[col[field_name]].astype(str).fillna(default).str.strip()
        return pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [default]))

    src, dst = text("source_account"), text("target_account")
    if schema.account_with_bank:
        src = text("source_bank") + ":" + src
        dst = text("target_bank") + ":" + dst
    currency = text("currency", schema.default_currency)
    rate = currency.map(rates).to_numpy(dtype="float64", na_value=np.nan)
    src_missing = (src.str.len() == 0).to_numpy() | (src == "nan").to_numpy()
    dst_missing = (dst.str.len() == 0).to_numpy() | (dst == "nan").to_numpy()
    bad = np.zeros(n, dtype=bool)
    checks = [
        (np.isnan(ts), "unparsable timestamp", col["timestamp"]),
        (np.isnan(amount), "unparsable amount", col["amount"]),
        (~np.isnan(amount) & (amount < 0), "negative amount", col["amount"]),
        (src_missing | dst_missing, "missing account", col["source_account"]),
        (np.isnan(rate), "unknown currency (add it to the rates file)", col.get("currency")),
    ]
    for mask, problem, source_col in checks:
        mask = mask & ~bad
        if mask.any():
            vals = df[source_col][mask] if source_col in df else None
            q.add(rows[mask], problem, vals)
            bad |= mask
    # without an id column a transaction is known by its row number
    out["txn_id"] = text("transaction_id").to_numpy() if "transaction_id" in col else rows
    out["ts"] = np.nan_to_num(ts).astype(np.int64)
    out["src_key"], out["dst_key"] = src.array, dst.array
    out["amount_orig"] = amount
    out["amount"] = amount * rate
    out["currency"] = currency.astype("category").array
    for f in ("source_bank", "target_bank", "source_country", "target_country",
              "payment_format"):
        out[f] = text(f).astype("category").array
    if "label" in col and col["label"] in df:
        lab = pd.to_numeric(df[col["label"]], errors="coerce")
        if lab.isna().all():
            lab = df[col["label"]].astype(str).str.lower().map({"true": 1, "false": 0})
        out["label"] = lab.fillna(-1).astype(np.int8).to_numpy()
    else:
        out["label"] = np.int8(-1)
    return out[~bad]


def read_transactions(path: Path, *, mapping_file: str | None = None,
                      rates_file: str | None = None, chunk_rows: int = 250_000,
                      max_quarantine_rows: int = 1_000, progress=None) -> Transactions:
    """Read one CSV/Parquet file into the canonical table, chunk by chunk."""
    base, rates = load_rates(rates_file)
    names, schema = open_layout(path, mapping_file)
    q = Quarantine(keep=max_quarantine_rows)
    parts, row0 = [], 0
    malformed: list[tuple[int, str]] = []
    for chunk in _chunks(path, names, schema, chunk_rows, malformed):
        schema = settle_decimal(schema, chunk)
        parts.append(_normalise(chunk, schema, row0, rates, q))
        row0 += len(chunk)
        if progress:
            progress(row0)
    for row, line in malformed:
        q.add(np.array([row]), "malformed line (wrong number of fields)", pd.Series([line]))
    if not parts or row0 == 0:
        raise UserError(f"{path}: no transactions (the file has a header but no rows)")
    frame = pd.concat(parts, ignore_index=True)
    del parts
    dup = (frame["txn_id"].duplicated(keep="first").to_numpy()
           if frame["txn_id"].dtype != np.int64 else np.zeros(len(frame), dtype=bool))
    if dup.any():
        q.add(frame["row"].to_numpy()[dup], "duplicate transaction id", frame["txn_id"][dup])
        frame = frame[~dup].reset_index(drop=True)
    if frame.empty:
        raise UserError(f"{path}: every row was quarantined ({q.counts}); nothing to analyse")
    return finish(frame, schema.name, base, q)


def finish(frame: pd.DataFrame, schema_name: str, base: str, q: Quarantine) -> Transactions:
    """Encode accounts as integers, categorise text columns and sort by time."""
    codes, accounts = pd.factorize(pd.concat([frame["src_key"], frame["dst_key"]],
                                             ignore_index=True))
    n = len(frame)
    frame = frame.drop(columns=["src_key", "dst_key"])
    frame["src"] = codes[:n].astype(np.int32)
    frame["dst"] = codes[n:].astype(np.int32)
    for c in ("currency", "source_bank", "target_bank", "source_country", "target_country",
              "payment_format"):
        frame[c] = frame[c].astype(str).astype("category")
    frame = frame.sort_values(["ts", "row"], kind="stable").reset_index(drop=True)
    return Transactions(frame=frame, accounts=np.asarray(accounts, dtype=object),
                        schema_name=schema_name, base_currency=base, quarantine=q)


def iso(ts: float | int) -> str:
    """Epoch seconds -> ISO 8601 UTC text (what results show)."""
    return pd.Timestamp(int(ts), unit="s", tz="UTC").isoformat()
