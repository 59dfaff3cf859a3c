"""A generator of chest CT dictation sentences, the text the radiology language model learns from.

No public radiology report corpus ships with Enclave, so the sentences are composed from
the phrases chest CT reports are made of (findings, lobes, sizes, negations, technique,
recommendations). Sentences are lower-case words as a recogniser writes them, numbers
spoken ("eight point five millimeters"). A seeded ``random.Random`` makes the corpus
reproducible; the benchmark draws its test sentences with a different seed and also
uses hand-written sentences that no template produced.
"""

from __future__ import annotations

import random

from plugins.medical.clinical.numbers import say_number

SIDES = ["right", "left"]
LOBES = {"right": ["upper", "middle", "lower"], "left": ["upper", "lower"]}
SOLIDITY = ["solid", "part solid", "ground glass", "subsolid", "noncalcified", "calcified",
            "spiculated", "well circumscribed", "smoothly marginated", "irregular"]
NODULE_WORDS = ["nodule", "pulmonary nodule", "mass", "opacity"]
LOCATION_EXTRAS = ["", "", "", " posterior segment of the", " apical segment of the",
                   " superior segment of the", " lateral basal segment of the",
                   " anterior segment of the"]
NEGATED_FINDINGS = [
    "pleural effusion", "pneumothorax", "focal consolidation", "pericardial effusion",
    "mediastinal lymphadenopathy", "hilar lymphadenopathy", "axillary lymphadenopathy",
    "suspicious pulmonary nodules", "pulmonary nodules", "pulmonary embolism",
    "airspace disease", "interstitial lung disease", "bronchiectasis", "cardiomegaly",
    "acute osseous abnormality", "suspicious osseous lesion", "rib fracture", "mass",
    "ground glass opacity", "pleural thickening", "aortic aneurysm", "hiatal hernia",
    "endobronchial lesion", "pulmonary edema", "emphysema", "atelectasis",
]
NEGATION_LEADS = ["no", "there is no", "no evidence of", "negative for", "without",
                  "there is no evidence of", "no significant"]
POSITIVE_FINDINGS = [
    "mild centrilobular emphysema", "moderate paraseptal emphysema", "bibasilar atelectasis",
    "dependent atelectasis", "subsegmental atelectasis in the {side} lower lobe",
    "a small {side} pleural effusion", "a moderate {side} pleural effusion",
    "a trace {side} pleural effusion", "a small {side} pneumothorax",
    "consolidation in the {side} lower lobe", "patchy ground glass opacities",
    "a calcified granuloma in the {side} {lobe} lobe", "coronary artery calcifications",
    "mild cardiomegaly", "mild bronchial wall thickening", "scattered calcified granulomas",
    "a hiatal hernia", "degenerative changes of the thoracic spine",
    "atherosclerotic calcification of the thoracic aorta", "a {side} hilar lymph node",
    "an enlarged subcarinal lymph node", "mucus plugging in the {side} lower lobe",
    "mild bronchiectasis in the {side} lower lobe", "linear scarring in the {side} {lobe} lobe",
    "a hypodense lesion in the liver", "a healed {side} rib fracture",
]
NORMAL_SENTENCES = [
    "the heart size is normal", "the heart is normal in size", "the lungs are clear",
    "the airways are patent", "the central airways are patent",
    "the thyroid gland is unremarkable", "the visualized upper abdomen is unremarkable",
    "the thoracic aorta is normal in caliber", "the pulmonary arteries are normal in caliber",
    "the osseous structures are intact", "the mediastinum is unremarkable",
    "the esophagus is unremarkable", "the chest wall is unremarkable",
    "the trachea and main bronchi are patent", "the lungs are otherwise clear",
    "the remainder of the lungs is clear", "there is no change from the prior examination",
    "the soft tissues are unremarkable", "the adrenal glands are unremarkable",
]
TECHNIQUE = [
    "ct of the chest without contrast", "ct of the chest with intravenous contrast",
    "low dose ct of the chest", "axial images of the chest were obtained",
    "contiguous axial images were obtained from the lung apices to the adrenal glands",
    "multiplanar reformats were reviewed", "comparison none", "comparison is made with the prior ct",
    "clinical history cough", "clinical history shortness of breath",
    "clinical history incidental nodule", "clinical history lung cancer screening",
]
SECTION_WORDS = ["findings", "impression", "technique", "comparison", "recommendation"]
RECOMMENDATIONS = [
    "recommend follow up ct in {months} months", "recommend follow up chest ct in {months} months",
    "no routine follow up is recommended", "optional follow up ct at twelve months",
    "consider pet ct or tissue sampling", "consider follow up ct in three months",
    "follow up ct at six to twelve months", "then consider ct at eighteen to twenty four months",
    "recommend correlation with prior imaging", "recommend clinical correlation",
    "recommend ct in three to six months", "follow up per fleischner society guidelines",
]
MONTHS = ["three", "six", "twelve", "eighteen", "twenty four", "three to six", "six to twelve"]


def _size_phrase(rng: random.Random) -> str:
    """A nodule size as dictated: mostly millimetres, some centimetres, some decimals."""
    if rng.random() < 0.15:
        value = rng.choice([1.0, 1.1, 1.2, 1.4, 1.5, 1.8, 2.0, 2.3, 2.5, 3.0])
        unit = "centimeter" if rng.random() < 0.5 else "centimeters"
        return f"{say_number(value)} {unit}"
    value = rng.randint(2, 30) + (0.5 if rng.random() < 0.2 else 0.0)
    unit = "millimeter" if rng.random() < 0.5 else "millimeters"
    return f"{say_number(value)} {unit}"


def _lobe_phrase(rng: random.Random) -> tuple[str, str]:
    side = rng.choice(SIDES)
    lobe = rng.choice(LOBES[side])
    extra = rng.choice(LOCATION_EXTRAS)
    return side, f"the{extra} {side} {lobe} lobe"


def _nodule_sentence(rng: random.Random) -> str:
    side, where = _lobe_phrase(rng)
    size = _size_phrase(rng)
    kind = rng.choice(NODULE_WORDS)
    solidity = rng.choice(SOLIDITY)
    forms = [
        f"there is a {size} {solidity} {kind} in {where}",
        f"a {size} {solidity} {kind} is seen in {where}",
        f"{size} {solidity} {kind} in {where}",
        f"there is a {solidity} {kind} in {where} measuring {size}",
        f"in {where} there is a {size} {kind}",
        f"a {solidity} {kind} in {where} measures {size}",
        f"stable {size} {kind} in {where}",
        f"new {size} {solidity} {kind} in {where}",
        f"there are multiple {solidity} nodules in {where} the largest measuring {size}",
        f"there are multiple bilateral pulmonary nodules measuring up to {size}",
        f"{where} contains a {size} {kind}",
        f"a {size} nodule in {where} is unchanged",
    ]
    return rng.choice(forms)


def _negation_sentence(rng: random.Random) -> str:
    lead = rng.choice(NEGATION_LEADS)
    first = rng.choice(NEGATED_FINDINGS)
    if rng.random() < 0.35:
        second = rng.choice([f for f in NEGATED_FINDINGS if f != first])
        return f"{lead} {first} or {second}"
    return f"{lead} {first}"


def _positive_sentence(rng: random.Random) -> str:
    side = rng.choice(SIDES)
    lobe = rng.choice(LOBES[side])
    finding = rng.choice(POSITIVE_FINDINGS).format(side=side, lobe=lobe)
    lead = rng.choice(["there is", "there is", "", "redemonstrated", "again seen is"])
    return f"{lead} {finding}".strip()


def generate_sentences(count: int, seed: int = 0) -> list[str]:
    """``count`` dictation sentences drawn from the templates above with a fixed seed."""
    rng = random.Random(seed)
    makers = [(_nodule_sentence, 0.34), (_negation_sentence, 0.24), (_positive_sentence, 0.16),
              (lambda r: r.choice(NORMAL_SENTENCES), 0.12), (lambda r: r.choice(TECHNIQUE), 0.06),
              (lambda r: r.choice(RECOMMENDATIONS).format(months=r.choice(MONTHS)), 0.06),
              (lambda r: r.choice(SECTION_WORDS), 0.02)]
    weights = [w for _, w in makers]
    out = []
    for _ in range(count):
        maker = rng.choices([m for m, _ in makers], weights=weights)[0]
        out.append(" ".join(maker(rng).split()))
    return out


def generate_dictations(count: int, seed: int, sentences_per_dictation: int = 4) -> list[list[str]]:
    """Whole dictations (a few sentences each), the unit the benchmark synthesises as audio."""
    rng = random.Random(seed)
    sentences = generate_sentences(count * sentences_per_dictation * 2, seed=seed + 1)
    dictations = []
    for i in range(count):
        pool = sentences[i * sentences_per_dictation * 2:(i + 1) * sentences_per_dictation * 2]
        nodules = [s for s in pool if "nodule" in s or "mass" in s]
        others = [s for s in pool if s not in nodules]
        chosen = (nodules[:1] + others)[:sentences_per_dictation]
        rng.shuffle(chosen)
        dictations.append(chosen)
    return dictations


# Sentences written by hand, not produced by the templates: the benchmark reports WER on
# these separately, so the figure is not only "the LM has seen this exact phrasing".
HAND_WRITTEN = [
    "there is a seven millimeter solid nodule in the right upper lobe",
    "no pleural effusion or pneumothorax",
    "the heart size is normal and there is no pericardial effusion",
    "a twelve millimeter spiculated mass is present in the left lower lobe",
    "mild centrilobular emphysema is noted in both upper lobes",
    "no mediastinal or hilar lymphadenopathy is identified",
    "a four millimeter nodule in the left upper lobe is likely a granuloma",
    "the airways are patent and the lungs are otherwise clear",
    "recommend follow up ct in six to twelve months",
    "there is dependent atelectasis at both lung bases",
]


REGION_SLOTS = [("lung_finding", "lung_location"), ("abd_finding", "abd_location"),
                ("brain_finding", "brain_location"), ("other_finding", "other_location")]


def _region_grammar():
    """The merged slot table and weighted sentence templates of every report region."""
    from plugins.medical.clinical.asr.phrases_body import (
        ABDOMEN,
        BODY_EXTRA,
        BODY_SENTENCES,
        HEAD,
        OTHER,
    )
    from plugins.medical.clinical.asr.phrases_chest import CHEST, CHEST_EXTRA, CHEST_SENTENCES
    from plugins.medical.clinical.asr.phrases_common import COMMON, COMMON_SENTENCES, LINKING

    table: dict = {}
    for part in (COMMON, LINKING, CHEST, CHEST_EXTRA, ABDOMEN, HEAD, OTHER, BODY_EXTRA):
        clash = set(table) & set(part)
        if clash:
            raise ValueError(f"slot names defined twice: {sorted(clash)}")
        table.update(part)
    templates: list[tuple[str, float]] = []
    for template, weight in COMMON_SENTENCES:
        if "{any_" not in template:
            templates.append((template, weight))
            continue
        # Region-generic sentences are instantiated once per region, so a finding is only
        # ever placed where it occurs (no haematoma "in the gallbladder").
        for finding, location in REGION_SLOTS:
            templates.append((template.replace("{any_finding}", f"{{{finding}}}")
                              .replace("{any_location}", f"{{{location}}}"),
                              weight / len(REGION_SLOTS)))
    return table, [*templates, *CHEST_SENTENCES, *BODY_SENTENCES]


# Words that end in "s" but are singular subjects; a "the ... s" subject is otherwise plural.
_SINGULAR_S = {"pancreas", "uterus", "thorax", "bronchus", "intermedius", "pons", "sinus",
               "calvarium", "process", "axis", "status", "apparatus", "stenosis", "hiatus",
               "pelvis", "corpus", "callosum", "semiovale", "abdomen", "mesentery",
               "cisterna", "falx", "is"}
_PLURAL_NOT_S = {"hila", "axillae", "scapulae", "bullae", "calculi", "viscera", "emboli", "sulci",
                 "bronchi", "foramina", "adnexa"}
_BE = {"_be_": ("is", "are"), "_appear_": ("appears", "appear"), "_remain_": ("remains", "remain")}
_ARTICLE_EATERS = {"no", "without", "any", "the", "a", "an", "of", "mild", "moderate", "severe",
                   "minimal", "small", "large", "trace", "marked", "extensive", "slight",
                   "significant", "scattered", "diffuse", "focal", "multifocal", "patchy",
                   "subtle", "minor", "acute", "chronic", "subacute", "old", "new", "remote",
                   "healed", "healing", "recent", "early", "longstanding", "indeterminate",
                   "definite", "suspicious", "convincing", "appreciable", "are", "to"}


def agree(sentence: str) -> str:
    """Fix what free slot combination gets wrong: "is/are" by the subject's number, doubled
    or stray articles ("no a mass", "mild a cyst"), and "a" versus "an"."""
    words = sentence.split()
    out: list[str] = []
    for word in words:
        if word in _BE:
            subject = out[-1] if out else ""
            plural = (subject in _PLURAL_NOT_S or subject.endswith("s")) and subject not in _SINGULAR_S
            out.append(_BE[word][plural])
            continue
        if word in ("a", "an") and out and out[-1] in _ARTICLE_EATERS:
            if out[-1] == "are" and len(out) >= 2 and out[-2] == "there":
                out[-1] = "is"
            else:
                continue
        out.append(word)
    for i in range(len(out) - 1):
        if out[i] in ("a", "an"):
            out[i] = "an" if out[i + 1][0] in "aeio" or out[i + 1] in ("eight", "eighteen", "eleven") else "a"
    return " ".join(out)


def generate_corpus(count: int, seed: int = 0, nodule_share: float = 0.3) -> list[str]:
    """The LM corpus: chest nodule/negation templates above plus chest, abdomen and head CT
    report phrasing from the region slot grammars (``phrases_*.py``)."""
    from plugins.medical.clinical.asr.grammar import expand

    table, templates = _region_grammar()
    rng = random.Random(seed)
    nodule_count = int(count * nodule_share)
    out = generate_sentences(nodule_count, seed=seed)
    weights = [w for _, w in templates]
    for template in rng.choices([t for t, _ in templates], weights=weights, k=count - nodule_count):
        out.append(agree(expand(template, table, rng)))
    return out
