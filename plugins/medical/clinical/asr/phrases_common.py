"""Phrase tables every CT report region shares: sizes, hedges, change, comparison, follow-up.

Written from the structure of ordinary radiology reports (Findings / Impression /
Recommendation, the prior-study comparison, the "likely / consistent with / concerning
for" hedges and the communication of critical results), independent of the held-out
evaluation sentences in ``sentences/``.
"""

from __future__ import annotations

import random

from plugins.medical.clinical.numbers import UNITS, say_integer, say_number

ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth"]
MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december"]


def size_phrase(rng: random.Random) -> str:
    """A size as dictated: millimetres, centimetres, decimals, two or three axes."""
    roll = rng.random()
    mm_unit = rng.choice(["millimeter", "millimeters"])
    if roll < 0.45:
        return f"{say_integer(rng.randint(1, 40))} {mm_unit}"
    if roll < 0.55:
        return f"{say_number(rng.randint(2, 30) + 0.5)} {mm_unit}"
    if roll < 0.75:
        whole = rng.randint(1, 12)
        tenth = rng.randint(0, 9)
        value = f"{say_integer(whole)} point {UNITS[tenth]}" if tenth or rng.random() < 0.3 \
            else say_integer(whole)
        return f"{value} {rng.choice(['centimeter', 'centimeters', 'centimeters'])}"
    if roll < 0.92:
        a, b = sorted((rng.randint(2, 40), rng.randint(2, 40)), reverse=True)
        return f"{say_integer(a)} by {say_integer(b)} {mm_unit}"
    a, b, c = (rng.randint(1, 9) for _ in range(3))
    return (f"{say_number(a + rng.randint(0, 9) / 10)} by {say_number(b + rng.randint(0, 9) / 10)}"
            f" by {say_number(c + rng.randint(0, 9) / 10)} centimeters")


def count_phrase(rng: random.Random) -> str:
    """A small count as spoken (two .. twelve)."""
    return say_integer(rng.randint(2, 12))


def date_phrase(rng: random.Random) -> str:
    """A prior-study date as dictated ("march fourteenth", "march fourteen twenty twenty five")."""
    month = rng.choice(MONTH_NAMES)
    day = rng.randint(1, 28)
    day_word = ORDINALS[day - 1] if day <= 12 else say_integer(day)
    if rng.random() < 0.4:
        return f"{month} {day_word}"
    return f"{month} {day_word} twenty {say_integer(rng.randint(15, 26))}"


def level_phrase(rng: random.Random) -> str:
    """A vertebral level as spoken ("t eight", "l four l five", "c five c six")."""
    letter, top = rng.choice([("c", 7), ("t", 12), ("l", 5)])
    level = rng.randint(1, top)
    if rng.random() < 0.5 and level < top:
        return f"{letter} {say_integer(level)} {letter} {say_integer(level + 1)}"
    return f"{letter} {say_integer(level)}"


COMMON: dict = {
    "size": size_phrase,
    "count": count_phrase,
    "date": date_phrase,
    "level": level_phrase,
    "ordinal": ORDINALS,
    "age": lambda rng: say_integer(rng.randint(18, 95)),
    "side": ["right", "left", "right", "left", "bilateral"],
    "lr": ["right", "left"],
    "months": ["three", "six", "twelve", "eighteen", "twenty four", "three to six",
               "six to twelve", "three to four", "two to three"],
    "there_is": ["there is", "there is", "there are", "there is again",
                 "again seen is", "again noted is", "redemonstrated is", "note is made of",
                 "noted is", "there appears to be", "there remains", "there is now"],
    "is_seen": ["is seen", "is noted", "is present", "is identified", "is again seen",
                "is again noted", "is redemonstrated", "is demonstrated", "is visualized",
                "is unchanged", "remains", "is evident", "is appreciated", "can be seen"],
    "are_seen": ["are seen", "are noted", "are present", "are identified", "are again seen",
                 "are redemonstrated", "are unchanged", "are demonstrated", "persist"],
    "no": ["no", "no", "there is no", "no evidence of", "negative for", "without", "no definite",
           "no significant", "there is no evidence of", "no signs of", "no suspicious",
           "there are no", "no new", "no acute", "no convincing", "no appreciable"],
    "not_seen": ["is not seen", "is not identified", "is not present", "is not visualized",
                 "is absent", "has resolved", "is no longer seen", "is not appreciated"],
    "hedge": ["likely", "probably", "most likely", "possibly", "favored to be", "which may be",
              "which is likely", "which likely represents", "possibly representing",
              "most likely representing", "likely representing", "which could represent",
              "presumably", "suggestive of", "consistent with", "compatible with",
              "concerning for", "suspicious for", "in keeping with", "which may reflect",
              "likely reflecting", "likely related to", "which is nonspecific but may represent",
              "raising concern for", "worrisome for", "indeterminate but may represent"],
    "change": ["is unchanged", "is stable", "is new", "has increased in size",
               "has decreased in size", "has slightly increased", "has slightly decreased",
               "is slightly larger", "is slightly smaller", "is larger", "is smaller",
               "has resolved", "has improved", "has worsened", "is similar", "is not significantly changed",
               "is essentially unchanged", "is grossly stable", "has progressed", "has enlarged",
               "is decreased", "is increased", "is mildly increased", "is mildly decreased",
               "has partially resolved", "has nearly resolved", "remains stable"],
    "prior": ["the prior study", "the prior examination", "the prior exam", "the prior ct",
              "the previous study", "the previous examination", "the previous ct",
              "the most recent prior", "the comparison study", "the study from {date}",
              "the ct from {date}", "the examination dated {date}", "the prior ct dated {date}",
              "the study of {date}", "last year", "the study from last year",
              "the study from {count} months ago", "the ct from {count} years ago",
              "the outside study", "the prior chest ct", "the prior abdominal ct",
              "the prior head ct", "the prior radiograph", "the chest radiograph from today",
              "the prior pet ct", "the baseline study", "{count} weeks ago", "{count} months ago"],
    "since": ["since {prior}", "compared with {prior}", "compared to {prior}",
              "when compared with {prior}", "relative to {prior}", "from {prior}",
              "in comparison with {prior}", "on {prior}", "as compared to {prior}"],
    "degree": ["mild", "moderate", "severe", "minimal", "small", "large", "trace", "marked",
               "extensive", "mild to moderate", "moderate to severe", "slight", "significant",
               "scattered", "diffuse", "focal", "multifocal", "patchy", "subtle", "minor"],
    "acuity": ["acute", "chronic", "subacute", "old", "new", "remote", "healed", "healing",
               "recent", "acute on chronic", "age indeterminate", "longstanding", "early"],
    "recommend": ["recommend", "recommend a", "we recommend", "suggest", "consider",
                  "recommended", "is recommended", "is suggested", "advise", "would recommend",
                  "please consider", "may consider", "could consider", "we suggest"],
    "followup": ["follow up ct in {months} months", "follow up chest ct in {months} months",
                 "a follow up ct in {months} months", "a short interval follow up ct",
                 "short interval follow up", "follow up imaging", "follow up in {months} months",
                 "repeat ct in {months} months", "ct in {months} months",
                 "a noncontrast ct in {months} months", "correlation with prior imaging",
                 "clinical correlation", "correlation with laboratory values",
                 "comparison with outside imaging", "tissue sampling", "a pet ct",
                 "a contrast enhanced mri", "an mri of the abdomen", "an mri of the brain",
                 "an ultrasound", "a pelvic ultrasound", "a renal ultrasound",
                 "a right upper quadrant ultrasound", "surgical consultation",
                 "pulmonology referral", "a biopsy", "a bone scan", "ct angiography",
                 "a dedicated ct of the abdomen", "a triple phase ct", "a chest radiograph",
                 "annual low dose ct screening", "follow up after treatment",
                 "follow up after antibiotic therapy", "a follow up chest radiograph",
                 "follow up according to the fleischner society guidelines",
                 "follow up per fleischner society recommendations",
                 "no further follow up", "no routine follow up", "endoscopy",
                 "colonoscopy", "a neurology consultation", "a neurosurgical consultation"],
    "followup_purpose": ["to document resolution", "to confirm stability", "to assess for growth",
                         "to assess for interval change", "to ensure resolution",
                         "to exclude an underlying mass", "for further characterization",
                         "to evaluate for progression", "to assess response to treatment",
                         "after treatment", "if clinically indicated", "as clinically warranted",
                         "if there is clinical concern", "to exclude malignancy",
                         "after resolution of the acute process", "in {months} months"],
    "communication": [
        "these findings were discussed with {person} {when} {how}",
        "the findings were communicated to {person} {when} {how}",
        "this finding was discussed with {person} {how} {when}",
        "the critical result was called to {person} {when}",
        "results were reviewed with {person} {when}",
        "findings were conveyed to {person} {how}",
        "{person} was notified of the findings {when}",
        "the case was discussed with {person}",
        "the referring clinician was notified {how} {when}",
    ],
    "person": ["the referring physician", "the ordering physician", "the ordering provider",
               "the emergency department physician", "the emergency physician",
               "the clinical team", "the primary team", "the covering physician",
               "the patient's nurse", "the surgical team", "the trauma team",
               "doctor smith", "doctor jones", "doctor brown", "doctor lee", "doctor patel",
               "the attending physician", "the resident on call", "the stroke team"],
    "when": ["at the time of dictation", "at the time of interpretation", "on {date}",
             "at {count} o'clock", "this morning", "this afternoon", "this evening", "today",
             "at {count} thirty", "immediately", "shortly after the examination", ""],
    "how": ["by telephone", "by phone", "over the phone", "in person", "via telephone",
            "via secure message", "by secure message", ""],
    "technique": [
        "ct of the {region} {contrast}", "ct {region} {contrast}",
        "axial images of the {region} were obtained {contrast}",
        "contiguous axial images were obtained through the {region} {contrast}",
        "helical ct images were obtained through the {region} {contrast}",
        "multiplanar coronal and sagittal reformatted images were reviewed",
        "coronal and sagittal reformats were reviewed", "multiplanar reformats were obtained",
        "maximum intensity projection images were reviewed",
        "three dimensional reconstructions were performed on a separate workstation",
        "dose reduction techniques were used", "automated exposure control was used",
        "the study is limited by motion artifact", "the examination is limited by streak artifact",
        "the study is limited by respiratory motion", "the study is of diagnostic quality",
        "contrast timing is suboptimal for evaluation of the pulmonary arteries",
        "oral contrast was administered", "no oral contrast was given",
        "{count} milliliters of intravenous contrast were administered",
        "the patient received {count} milliliters of omnipaque",
        "there were no immediate complications",
    ],
    "region": ["chest", "abdomen", "pelvis", "abdomen and pelvis", "chest abdomen and pelvis",
               "head", "brain", "neck", "chest and abdomen", "lumbar spine", "thoracic spine",
               "cervical spine", "sinuses", "face", "pulmonary arteries"],
    "contrast": ["without contrast", "with contrast", "with intravenous contrast",
                 "with and without intravenous contrast", "without intravenous contrast",
                 "with oral and intravenous contrast", "in the portal venous phase",
                 "in the arterial and portal venous phases", "using a low dose technique",
                 "with a pulmonary embolism protocol", "following the administration of contrast",
                 ""],
    "history": ["clinical history {complaint}", "history {complaint}", "indication {complaint}",
                "reason for exam {complaint}", "the patient presents with {complaint}",
                "the patient is a {age} year old {sex} with {complaint}",
                "{age} year old {sex} with {complaint}",
                "the patient has a history of {complaint}", "provided history {complaint}"],
    "findings_are": ["the findings are", "findings are", "these findings are",
                     "the appearance is", "this is", "this appearance is", "overall findings are",
                     "this finding is", "the constellation of findings is", "the imaging findings are",
                     "this is most likely", "findings are most"],
    "sex": ["man", "woman", "male", "female", "patient"],
    "complaint": ["cough", "shortness of breath", "chest pain", "abdominal pain",
                  "right lower quadrant pain", "left lower quadrant pain", "fever", "weight loss",
                  "hemoptysis", "trauma", "a fall", "a motor vehicle collision", "headache",
                  "altered mental status", "syncope", "dizziness", "weakness", "nausea and vomiting",
                  "lung cancer screening", "a pulmonary nodule", "follow up of a pulmonary nodule",
                  "staging of lung cancer", "staging of breast cancer", "colon cancer",
                  "metastatic disease", "lymphoma", "hematuria", "flank pain", "kidney stones",
                  "elevated liver enzymes", "jaundice", "pancreatitis", "diverticulitis",
                  "suspected appendicitis", "suspected pulmonary embolism", "stroke symptoms",
                  "new onset seizure", "head injury", "sinusitis", "smoking history",
                  "chronic obstructive pulmonary disease", "sepsis", "anemia", "constipation",
                  "bowel obstruction", "postoperative evaluation", "hypoxia"],
    "section": ["findings", "impression", "technique", "comparison", "comparison none",
                "clinical history", "indication", "recommendation", "recommendations",
                "addendum", "conclusion", "summary", "examination", "procedure",
                "lungs and airways", "pleura", "heart and mediastinum", "lower neck",
                "upper abdomen", "bones and soft tissues", "liver", "biliary", "pancreas",
                "spleen", "adrenal glands", "kidneys", "bowel", "peritoneum",
                "vasculature", "lymph nodes", "reproductive organs", "bladder",
                "musculoskeletal", "brain", "ventricles", "extra axial spaces",
                "skull and scalp", "sinuses and mastoids", "new paragraph", "next paragraph",
                "period", "comma", "colon", "number one", "number two", "number three"],
}

LINKING: dict = {
    "relation": ["in", "in", "within", "at", "along", "involving", "adjacent to", "abutting",
                 "arising from", "centered in", "extending into", "encasing", "compressing",
                 "displacing", "surrounding", "near", "posterior to", "anterior to", "medial to",
                 "lateral to", "inferior to", "superior to", "at the level of", "throughout",
                 "predominantly in", "most pronounced in", "most prominent in", "involving both",
                 "along the margin of", "in the region of", "at the junction of"],
    "lead": ["otherwise", "additionally", "again", "incidentally", "also", "however",
             "in addition", "of note", "on the current study", "on today's examination",
             "elsewhere", "again noted", "as before", "as on the prior study", "redemonstrated",
             "stable", "unchanged", "interval", "new since the prior study", "separately",
             "overall", "finally", "lastly", "in the interval", "at this time"],
    "with_assoc": ["with associated", "with adjacent", "with surrounding", "with mild",
                   "with a small amount of", "without associated", "with no associated",
                   "containing", "and", "with internal", "with peripheral", "along with"],
    "amount": ["a small amount of", "a trace amount of", "a moderate amount of",
               "a large amount of", "a small volume of", "trace", "a minimal amount of",
               "small amounts of", "a moderate volume of", "a large volume of"],
    "fluid_kind": ["free fluid", "fluid", "ascites", "pleural fluid", "pericardial fluid",
                   "free air", "stool", "gas", "hemorrhage", "blood", "contrast",
                   "extraluminal air", "extraluminal contrast", "simple fluid", "high density fluid",
                   "subcutaneous emphysema", "subcutaneous edema", "pneumomediastinum"],
    "previously": ["the previously seen", "the previously described", "the previously noted",
                   "the previously demonstrated", "the previously identified", "the known",
                   "the above described", "the aforementioned", "the dominant", "the index",
                   "the target", "the largest", "the known", "the previously reported"],
    "interval": ["interval increase in", "interval decrease in", "interval development of",
                 "interval resolution of", "interval enlargement of", "interval improvement in",
                 "interval worsening of", "interval placement of", "interval removal of",
                 "interval progression of", "interval appearance of", "interval growth of",
                 "interval reduction in", "slight interval increase in", "no interval change in",
                 "new", "progression of", "improvement of", "resolution of", "development of",
                 "increase in", "decrease in", "worsening of"],
    "diagnosis": ["pneumonia", "atelectasis", "infection", "inflammation", "malignancy",
                  "metastatic disease", "metastasis", "metastases", "scarring",
                  "granulomatous disease", "prior granulomatous infection", "a benign cyst",
                  "a hemangioma", "an adenoma", "lymphoma", "aspiration", "edema", "an infarct",
                  "post inflammatory change", "postinflammatory scarring", "fibrosis",
                  "artifact", "motion artifact", "partial volume averaging", "postoperative change",
                  "a benign process", "an infectious or inflammatory process",
                  "an infectious process", "an inflammatory process", "a neoplasm",
                  "neoplasm", "carcinoma", "a primary lung cancer", "lung cancer",
                  "bronchogenic carcinoma", "adenocarcinoma", "renal cell carcinoma",
                  "hepatocellular carcinoma", "a primary malignancy", "a metastasis",
                  "organizing pneumonia", "viral pneumonia", "atypical infection",
                  "fungal infection", "mycobacterial infection", "tuberculosis",
                  "sarcoidosis", "vasculitis", "hemorrhage", "contusion", "a laceration",
                  "a dislocation", "trauma", "degenerative change", "a normal variant",
                  "vascular congestion", "fluid overload", "heart failure", "a hematoma",
                  "an abscess", "a complicated cyst", "a pseudocyst", "a duplication cyst",
                  "an incidental finding", "a lymph node", "reactive lymph nodes",
                  "chronic changes", "sequela of prior infection", "sequela of prior trauma"],
    "suggest": ["suggesting", "which suggests", "suggestive of", "raising the possibility of",
                "which raises concern for", "most consistent with", "most suggestive of",
                "favoring", "in favor of", "representing", "which could represent",
                "which may represent", "of uncertain etiology", "of unclear significance",
                "of doubtful clinical significance", "likely of no clinical significance"],
    "excluded": ["cannot be excluded", "is not excluded", "cannot be entirely excluded",
                 "is not entirely excluded", "is less likely", "is considered less likely",
                 "is in the differential", "is a consideration", "should be considered",
                 "is possible", "is favored", "is the leading consideration"],
}

COMMON_SENTENCES: list[tuple[str, float]] = [
    ("{lead} {there_is} {amount} {fluid_kind} in {any_location}", 1.5),
    ("{there_is} {amount} {fluid_kind} {relation} {any_location}", 2.0),
    ("{no} {fluid_kind} {is_seen}", 0.5),
    ("{previously} {any_finding} {relation} {any_location} {change} {since}", 2.0),
    ("{previously} {any_finding} {change}", 1.5),
    ("{previously} {any_finding} is no longer seen", 0.5),
    ("{lead} {there_is} {interval} {any_finding} {since}", 1.5),
    ("{there_is} {interval} {any_finding} {relation} {any_location}", 1.5),
    ("{interval} {any_finding} {relation} {any_location}", 1.0),
    ("{there_is} {any_finding} {relation} {any_location} {suggest} {diagnosis}", 2.0),
    ("{there_is} {any_finding} {relation} {any_location} {with_assoc} {any_finding}", 2.0),
    ("{any_finding} {relation} {any_location} {hedge} {diagnosis}", 2.0),
    ("{any_finding} {relation} {any_location} {with_assoc} {any_finding}", 1.0),
    ("{lead} {any_finding} {relation} {any_location}", 1.5),
    ("{lead} {there_is} {any_finding} {relation} {any_location}", 1.5),
    ("{diagnosis} {excluded}", 1.0),
    ("{diagnosis} {excluded} and {recommend} {followup}", 0.5),
    ("{hedge} {diagnosis}", 1.0),
    ("{findings_are} {hedge} {diagnosis}", 1.5),
    ("{findings_are} {hedge} {diagnosis} although {diagnosis} {excluded}", 0.6),
    ("{findings_are} {hedge} {diagnosis} {relation} {any_location}", 0.6),
    ("impression {any_finding} {relation} {any_location} {hedge} {diagnosis}", 1.0),
    ("impression {hedge} {diagnosis}", 0.5),
    ("impression {count} {diagnosis}", 0.2),
    ("{recommend} {followup}", 3.0),
    ("{recommend} {followup} {followup_purpose}", 3.0),
    ("{followup} {recommend}", 1.0),
    ("{followup} is recommended {followup_purpose}", 1.5),
    ("{communication}", 2.0),
    ("{technique}", 2.5),
    ("{history}", 1.5),
    ("comparison {prior}", 1.0),
    ("comparison is made with {prior}", 1.0),
    ("comparison was made to {prior}", 0.5),
    ("no prior studies are available for comparison", 0.5),
    ("there are no prior studies for comparison", 0.3),
    ("{section}", 2.0),
    ("impression {section}", 0.2),
]
