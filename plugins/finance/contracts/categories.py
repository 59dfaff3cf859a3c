"""The 41 CUAD v1 clause categories, named exactly as in CUAD's master clauses table.

CUAD v1, The Atticus Project, CC BY 4.0. The names are the column headers of
``master_clauses.csv``; the answer column of each is ``<name>-Answer`` except for one
spelled ``Notice Period To Terminate Renewal- Answer`` in the release (kept as is so
exports open next to CUAD's own table).
"""

from __future__ import annotations

CUAD_CATEGORIES: tuple[str, ...] = (
    "Document Name", "Parties", "Agreement Date", "Effective Date", "Expiration Date",
    "Renewal Term", "Notice Period To Terminate Renewal", "Governing Law",
    "Most Favored Nation", "Competitive Restriction Exception", "Non-Compete", "Exclusivity",
    "No-Solicit Of Customers", "No-Solicit Of Employees", "Non-Disparagement",
    "Termination For Convenience", "Rofr/Rofo/Rofn", "Change Of Control", "Anti-Assignment",
    "Revenue/Profit Sharing", "Price Restrictions", "Minimum Commitment", "Volume Restriction",
    "Ip Ownership Assignment", "Joint Ip Ownership", "License Grant", "Non-Transferable License",
    "Affiliate License-Licensor", "Affiliate License-Licensee",
    "Unlimited/All-You-Can-Eat-License", "Irrevocable Or Perpetual License",
    "Source Code Escrow", "Post-Termination Services", "Audit Rights", "Uncapped Liability",
    "Cap On Liability", "Liquidated Damages", "Warranty Duration", "Insurance",
    "Covenant Not To Sue", "Third Party Beneficiary",
)

# Categories whose CUAD answer is a value (a name, a date, a jurisdiction), not Yes/No.
VALUE_CATEGORIES: frozenset[str] = frozenset(CUAD_CATEGORIES[:8])


def answer_column(category: str) -> str:
    """The CUAD master-clauses column holding the answer for ``category``."""
    if category == "Notice Period To Terminate Renewal":
        return "Notice Period To Terminate Renewal- Answer"
    return f"{category}-Answer"


assert len(CUAD_CATEGORIES) == 41
