"""The benchmark's synthetic notice repository: sections with translations, regional
sections, smart links and variables, and a history of commits spread over years with
Notice-Change trailers, the same for the same seed (no text from the reference notice)."""

from __future__ import annotations

import copy
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

AUTHOR = "Bench Author <bench@example.test>"
FIRST_DAY = datetime(2015, 3, 2, 9, 30, tzinfo=timezone.utc)

# --- the synthetic notice's vocabulary ------------------------------------------------
# Written for this benchmark; sentences are assembled from these parts deterministically.

EN_SUBJECTS = ["We", "Our teams", "Our service providers", "Customers", "Account administrators",
               "{{ company.name }} and its affiliates", "Our support staff",
               "Authorised employees", "Our processors", "Business partners"]
EN_VERBS = ["collect", "store", "process", "review", "delete", "retain", "protect", "disclose",
            "transfer", "record", "update", "encrypt", "limit", "use", "analyse", "receive",
            "verify", "export", "correct", "archive"]
EN_DETS = ["the", "your", "certain", "any", "relevant", "limited", "such"]
EN_ADJS = ["personal", "technical", "aggregated", "contact", "billing", "usage", "device",
           "account", "sensitive", "encrypted", "pseudonymous", "support", "location",
           "payment", "browsing"]
EN_NOUNS = ["data", "information", "records", "details", "logs", "messages", "identifiers",
            "preferences", "requests", "settings", "recordings", "transcripts", "backups",
            "reports", "profiles"]
EN_PHRASES = ["for the purposes described here", "under applicable law",
              "on behalf of our customers", "within a reasonable period",
              "in line with our security policies", "according to the customer's instructions",
              "for as long as the account is active", "to provide and improve the service",
              "with appropriate safeguards", "in the regions where we operate",
              "after the contract ends", "to meet our legal obligations",
              "when you contact our support team", "through the settings of your account",
              "in accordance with local regulations", "to prevent fraud and abuse",
              "for billing and accounting", "with your consent"]
EN_CLAUSES = ["unless the law requires otherwise", "where this is necessary",
              "so that you can exercise your rights", "and we review this practice every year",
              "but we never sell it", "when a request is verified", "as explained in this notice",
              "if you ask us to", "and only trained staff can access it",
              "and you can write to {{ contact.email }} about it"]
EN_ADVERBS = ["also", "only", "generally", "promptly"]

FR_SUBJECTS = [("Nous", 0), ("Nos équipes", 1), ("Nos prestataires", 1), ("Les clients", 1),
               ("Les administrateurs de compte", 1), ("{{ company.name }} et ses filiales", 1),
               ("Nos agents d'assistance", 1), ("Les employés habilités", 1),
               ("Nos sous-traitants", 1), ("Nos partenaires commerciaux", 1)]
FR_VERBS = [("collectons", "collectent"), ("conservons", "conservent"), ("traitons", "traitent"),
            ("examinons", "examinent"), ("supprimons", "suppriment"), ("protégeons", "protègent"),
            ("communiquons", "communiquent"), ("transférons", "transfèrent"),
            ("enregistrons", "enregistrent"), ("mettons à jour", "mettent à jour"),
            ("chiffrons", "chiffrent"), ("limitons", "limitent"), ("utilisons", "utilisent"),
            ("analysons", "analysent"), ("recevons", "reçoivent"), ("vérifions", "vérifient"),
            ("exportons", "exportent"), ("corrigeons", "corrigent"), ("archivons", "archivent")]
FR_OBJECTS = ["les données personnelles", "vos coordonnées", "certains journaux techniques",
              "les identifiants de l'appareil", "les préférences du compte",
              "les enregistrements d'appels", "les demandes d'assistance",
              "les données de facturation", "les informations de connexion",
              "les transcriptions des conversations", "les sauvegardes chiffrées",
              "les rapports d'utilisation", "les données de localisation",
              "les paramètres de sécurité", "les profils des utilisateurs",
              "les informations de paiement", "les messages échangés"]
FR_PHRASES = ["aux fins décrites dans le présent avis", "conformément au droit applicable",
              "pour le compte de nos clients", "dans un délai raisonnable",
              "selon nos politiques de sécurité", "selon les instructions du client",
              "tant que le compte reste actif", "pour fournir et améliorer le service",
              "avec des garanties appropriées", "dans les régions où nous exerçons nos activités",
              "après la fin du contrat", "pour respecter nos obligations légales",
              "lorsque vous contactez notre équipe d'assistance",
              "depuis les paramètres de votre compte", "conformément à la réglementation locale",
              "pour prévenir la fraude et les abus",
              "à des fins de facturation et de comptabilité", "avec votre consentement"]
FR_CLAUSES = ["sauf si la loi en dispose autrement", "lorsque cela est nécessaire",
              "afin que vous puissiez exercer vos droits",
              "et nous réexaminons cette pratique chaque année",
              "mais nous ne les vendons jamais", "lorsqu'une demande a été vérifiée",
              "comme l'explique le présent avis", "si vous nous le demandez",
              "et seul un personnel formé peut y accéder",
              "et vous pouvez écrire à {{ contact.email }} à ce sujet"]
FR_ADVERBS = ["également", "seulement", "généralement", "rapidement"]

TOPICS = [("Data", "données"), ("Account", "comptes"), ("Cookie", "cookies"),
          ("Marketing", "prospection"), ("Support", "assistance"), ("Payment", "paiements"),
          ("Security", "sécurité"), ("Retention", "conservation"), ("Transfer", "transferts"),
          ("Children's Data", "données des enfants"), ("Call Recording", "enregistrement d'appels"),
          ("Analytics", "mesure d'audience"), ("Partner", "partenaires"),
          ("Employee", "collaborateurs"), ("Device", "appareils")]
ASPECTS = [("Practices", "Pratiques"), ("Rights", "Droits"), ("Choices", "Choix"),
           ("Safeguards", "Garanties"), ("Obligations", "Obligations"), ("Requests", "Demandes"),
           ("Periods", "Durées"), ("Notices", "Informations"), ("Controls", "Contrôles"),
           ("Principles", "Principes")]
AUDIENCES = [("For Customers", "Pour les clients"),
             ("For End Users", "Pour les utilisateurs finaux"),
             ("For Website Visitors", "Pour les visiteurs du site"),
             ("For Job Applicants", "Pour les candidats"), ("For Partners", "Pour les partenaires")]
REGIONS = [("us", "United States", "États-Unis", "America/New_York"),
           ("eu", "European Economic Area", "Espace économique européen", "Europe/Brussels"),
           ("ca", "Canada", "Canada", "America/Toronto"),
           ("br", "Brazil", "Brésil", "America/Sao_Paulo"),
           ("jp", "Japan", "Japon", "Asia/Tokyo"),
           ("au", "Australia", "Australie", "Australia/Sydney"),
           ("mx", "Mexico", "Mexique", "America/Mexico_City"),
           ("in", "India", "Inde", "Asia/Kolkata"),
           ("sg", "Singapore", "Singapour", "Asia/Singapore"),
           ("za", "South Africa", "Afrique du Sud", "Africa/Johannesburg")]
LOCALES = ("en", "fr")
VARIABLES = {"company": {"name": "Brightwater", "legal_name": "Brightwater Systems Ltd."},
             "contact": {"email": "privacy@brightwater.example"}}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the synthetic notice ------------------------------------------------------------------

@dataclass
class Block:
    kind: str                        # "p" (sentences), "h" (sub-heading), "ul" (list items)
    en: list = field(default_factory=list)
    fr: list = field(default_factory=list)
    anchor: str = ""


@dataclass
class SectionState:
    id: str
    title: tuple[str, str]           # (en, fr)
    regions: tuple[str, ...]
    aliases: tuple[str, ...]
    blocks: list[Block]

    def file(self, lang: str) -> str:
        head = []
        if lang == "en" and (self.regions or self.aliases):
            head.append("---")
            if self.regions:
                head.append(f"regions: [{', '.join(self.regions)}]")
            if self.aliases:
                head.append(f"aliases: [{', '.join(self.aliases)}]")
            head.append("---")
        parts = ["\n".join(head + [f"# {self.title[0 if lang == 'en' else 1]}"])]
        for block in self.blocks:
            items = block.en if lang == "en" else block.fr
            if block.kind == "h":
                parts.append(f"## {items[0]} {{#{block.anchor}}}")
            elif block.kind == "ul":
                parts.append("\n".join(f"- {render_sentence(i, lang)}" for i in items))
            else:
                parts.append(" ".join(render_sentence(s, lang) for s in items))
        return "\n\n".join(parts) + "\n"

    def words(self, lang: str = "en") -> int:
        return len(self.file(lang).split("\n---\n")[-1].split())


def render_sentence(sentence: dict, lang: str) -> str:
    if "link" in sentence:
        target = sentence["link"] if not sentence.get("label") else \
            f"{sentence['link']}|{sentence['label']}"
        return (f"For details, see [[{target}]]." if lang == "en"
                else f"Pour en savoir plus, consultez [[{target}]].")
    if "item" in sentence:
        return sentence["item"]
    if lang == "en":
        words = [sentence["s"], sentence["a"], sentence["v"], sentence["o"], sentence["p"]]
    else:
        words = [sentence["s"], sentence["v"], sentence["a"], sentence["o"], sentence["p"]]
    text = " ".join(w for w in words if w)
    if sentence["c"]:
        text += ", " + sentence["c"]
    return text + "."


def make_sentence(rng: random.Random, lang: str) -> dict:
    if lang == "en":
        return {"s": rng.choice(EN_SUBJECTS), "a": "", "v": rng.choice(EN_VERBS),
                "o": f"{rng.choice(EN_DETS)} {rng.choice(EN_ADJS)} {rng.choice(EN_NOUNS)}",
                "p": rng.choice(EN_PHRASES),
                "c": rng.choice(EN_CLAUSES) if rng.random() < 0.45 else ""}
    subject, person = rng.choice(FR_SUBJECTS)
    return {"s": subject, "a": "", "v": rng.choice(FR_VERBS)[person],
            "o": rng.choice(FR_OBJECTS), "p": rng.choice(FR_PHRASES),
            "c": rng.choice(FR_CLAUSES) if rng.random() < 0.45 else ""}


def make_item(rng: random.Random, lang: str) -> dict:
    if lang == "en":
        return {"item": f"{rng.choice(EN_ADJS)} {rng.choice(EN_NOUNS)} "
                        f"{rng.choice(EN_PHRASES)};"}
    return {"item": f"{rng.choice(FR_OBJECTS)} {rng.choice(FR_PHRASES)} ;"}


def make_notice(rng: random.Random, count: int, words_per_section: int,
                regions: list[str]) -> list[SectionState]:
    combos = [(t, a) for t in TOPICS for a in ASPECTS]
    rng.shuffle(combos)
    sections: list[SectionState] = []
    used: set[str] = set()
    for index in range(count):
        (topic_en, topic_fr), (aspect_en, aspect_fr) = combos[index % len(combos)]
        title_en = f"{topic_en} {aspect_en}"
        title_fr = f"{aspect_fr} en matière de {topic_fr}"
        section_id = re.sub(r"[^a-z0-9]+", "-", title_en.lower()).strip("-")
        if section_id in used:
            section_id += f"-{index}"
            title_en, title_fr = f"{title_en} ({index})", f"{title_fr} ({index})"
        used.add(section_id)
        regional = index >= 2 and rng.random() < 0.2
        section = SectionState(
            id=section_id, title=(title_en, title_fr),
            regions=(regions[index % len(regions)],) if regional else (),
            aliases=(f"{section_id}-old",) if index == 3 else (), blocks=[])
        common = [s for s in sections if not s.regions]
        subheadings = rng.choice([0, 0, 1, 2])
        audiences = rng.sample(AUDIENCES, subheadings)
        paragraph = 0
        while section.words() < words_per_section - 30:   # ends near the target on average
            if audiences and paragraph >= 1 and rng.random() < 0.5:
                en, fr = audiences.pop()
                section.blocks.append(Block("h", [en], [fr],
                                            anchor=f"{section_id}-{len(audiences) + 1}"))
            if rng.random() < 0.12:
                n = rng.randint(2, 4)
                section.blocks.append(Block("ul", [make_item(rng, "en") for _ in range(n)],
                                            [make_item(rng, "fr") for _ in range(n)]))
            n = rng.randint(3, 5)
            block = Block("p", [make_sentence(rng, "en") for _ in range(n)],
                          [make_sentence(rng, "fr") for _ in range(n)])
            if common and paragraph == 1 and rng.random() < 0.6:
                target = rng.choice(common)
                anchors = [target.id] + [b.anchor for b in target.blocks if b.kind == "h"]
                link = {"link": rng.choice(anchors)}
                if rng.random() < 0.3:
                    link["label"] = "this section"
                block.en.append(link)
                block.fr.append(dict(link, label="cette section") if "label" in link else link)
            section.blocks.append(block)
            paragraph += 1
        sections.append(section)
    return sections


def mutate(rng: random.Random, section: SectionState, kind: str, langs=LOCALES) -> None:
    """Change one section the way a real edit would, in the given languages."""
    paragraphs = [b for b in section.blocks if b.kind == "p"]
    block = rng.choice(paragraphs)
    for lang in langs:
        sentences = block.en if lang == "en" else block.fr
        plain = [i for i, s in enumerate(sentences) if "s" in s]
        if kind == "editorial":                     # a word added or dropped
            i = rng.choice(plain)
            adverbs = EN_ADVERBS if lang == "en" else FR_ADVERBS
            sentences[i] = dict(sentences[i], a="" if sentences[i]["a"] else rng.choice(adverbs))
            continue
        roll = rng.random()
        if roll < 0.5 or (roll < 0.7 and len(plain) <= 2):
            sentences[rng.choice(plain)] = make_sentence(rng, lang)
        elif roll < 0.7:
            del sentences[rng.choice(plain)]
        elif roll < 0.9:
            sentences.insert(rng.randint(0, len(sentences)), make_sentence(rng, lang))
        else:
            lists = [b for b in section.blocks if b.kind == "ul"]
            if lists:
                target = rng.choice(lists)
                (target.en if lang == "en" else target.fr).append(make_item(rng, lang))
            else:
                sentences[rng.choice(plain)] = make_sentence(rng, lang)


@dataclass
class CommitPlan:
    when: datetime
    message: str
    files: dict[str, str]            # path -> new content


def make_history(seed: int, sections: int, commits: int, words_per_section: int,
                 regions: list[str]) -> tuple[list[SectionState], list[CommitPlan]]:
    rng = random.Random(seed)
    notice = make_notice(rng, sections, words_per_section, regions)
    manifest = "\n".join(
        ["title:", '  en: "{{ company.name }} Privacy Notice"',
         '  fr: "Avis de confidentialité de {{ company.name }}"',
         f"jump_list: {notice[1].id if len(notice) > 1 else notice[0].id}", "sections:"]
        + [f"  - {s.id}" for s in notice]) + "\n"
    files = {"notice/notice.yml": manifest}
    for s in notice:
        files[f"notice/{s.id}.md"] = s.file("en")
        files[f"notice/{s.id}.fr.md"] = s.file("fr")
    when = FIRST_DAY
    plans = [CommitPlan(when, "Publish the privacy notice\n\nNotice-Change: material\n", files)]
    for number in range(1, commits):
        gap = rng.randint(5, 25)
        day = (when + timedelta(days=gap)).replace(hour=8, minute=0)
        when = day + timedelta(minutes=rng.randint(0, 9 * 60))    # working hours, UTC
        roll = rng.random()
        kind = ("translation" if roll < 0.05 else "editorial" if roll < 0.25
                else "material" if roll < 0.37 else "minor")
        changed = rng.sample(notice, min(len(notice), rng.choice([1, 1, 1, 2, 2, 3])))
        files = {}
        for section in changed:
            if kind == "translation":
                mutate(rng, section, "minor", langs=("fr",))
            else:
                mutate(rng, section, kind)
                files[f"notice/{section.id}.md"] = section.file("en")
            files[f"notice/{section.id}.fr.md"] = section.file("fr")
        names = [s.title[0] for s in changed]
        titles = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        if kind == "translation":
            subject, trailer = f"French: revise the translation of {titles}", \
                ("Notice-Change: editorial" if rng.random() < 0.5 else "")
        elif kind == "editorial":
            subject, trailer = f"Fix wording in {titles}", "Notice-Change: editorial"
        elif kind == "material":
            subject = f"Change {titles}"
            trailer = ("Notice-Change: material\n"
                       f"Notice-Summary: We changed how we handle {titles.lower()}.")
            if gap >= 8 and rng.random() < 0.5:
                trailer += f"\nEffective-Date: {(when + timedelta(days=3)).date().isoformat()}"
        else:
            subject = f"Clarify {titles}"
            trailer = "Notice-Change: minor" if rng.random() < 0.3 else ""
        message = subject + "\n" + (f"\n{trailer}\n" if trailer else "")
        plans.append(CommitPlan(when, message, files))
    return notice, plans


def mkdocs_yml(editions: list[dict], regions: list[str], hooks: Path) -> str:
    """`hooks`: the engine's hooks/ folder (its mkdocs_hooks.py is the MkDocs hook)."""
    import yaml

    extra = {"language": "en", "timezone": "Europe/Paris",
             "regions": {key: {"name": {"en": en, "fr": fr}}
                         for key, en, fr, _ in REGIONS if key in regions},
             "editions": editions, "default_edition": editions[0]["id"], **VARIABLES}
    config = {
        "site_name": "Bench notice", "docs_dir": "notice", "site_dir": f"site/{editions[0]['id']}",
        "use_directory_urls": True, "strict": True,
        "theme": {"name": "material", "font": False, "language": "en",
                  "features": ["navigation.top", "toc.follow"]},
        "hooks": [str(hooks / "mkdocs_hooks.py")],
        "plugins": [],
        "markdown_extensions": [{"toc": {"permalink": True}}],
        "extra": {"generator": False, "notice": extra},
    }
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def edition_specs(count: int) -> list[dict]:
    specs = []
    for key, _, _, tz in REGIONS:
        for locale in LOCALES:
            specs.append({"id": f"{key}-{locale}", "region": key, "locale": locale,
                          "timezone": tz})
    if count > len(specs):
        raise SystemExit(f"--editions: at most {len(specs)} ({len(REGIONS)} regions x 2 locales)")
    return specs[:count]


# --- git ----------------------------------------------------------------------------------

def clean_env_base(**extra: str) -> dict:
    """The environment without the caller's git and notice settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in ("NOTICE_EDITION", "NOTICE_TODAY")}
    env.update(extra)
    return env


def git(cwd: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    result = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, input=input,
                            capture_output=True, env=env or clean_env_base())
    if result.returncode:
        raise SystemExit(f"git {' '.join(args)} failed in {cwd}:\n"
                         f"{result.stderr.decode(errors='replace')}")
    return result.stdout.decode().strip()


def write_repository(root: Path, plans: list[CommitPlan], config_text: str) -> list[str]:
    """All commits in one `git fast-import`; returns their shas, oldest first."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    stream = bytearray()

    def data(text: str) -> None:
        raw = text.encode("utf-8")
        stream.extend(b"data %d\n" % len(raw) + raw + b"\n")

    for number, plan in enumerate(plans, start=1):
        stamp = int(plan.when.timestamp())
        stream.extend(f"commit refs/heads/main\nmark :{number}\n"
                      f"author {AUTHOR} {stamp} +0000\ncommitter {AUTHOR} {stamp} +0000\n"
                      .encode())
        data(plan.message)
        files = dict(plan.files)
        if number == 1:
            files["mkdocs.yml"] = config_text
        for path, content in files.items():
            stream.extend(f"M 100644 inline {path}\n".encode())
            data(content)
        stream.extend(b"\n")
    git(root, "fast-import", "--quiet", input=bytes(stream))
    git(root, "reset", "-q", "--hard", "main")
    return git(root, "rev-list", "--reverse", "main").split()


def clone_at(source: Path, sha: str, dest: Path) -> None:
    git(source.parent, "clone", "-q", "-n", str(source), str(dest))
    git(dest, "reset", "-q", "--hard", sha)


def commit_change(repo: Path, section: SectionState, when: datetime, seed: int) -> None:
    """One new commit changing one section (and its translation), dated `when`."""
    changed = copy.deepcopy(section)
    mutate(random.Random(seed), changed, "minor")
    commit_files(repo, {f"notice/{changed.id}.md": changed.file("en"),
                        f"notice/{changed.id}.fr.md": changed.file("fr")},
                 when, f"Clarify {changed.title[0]}")


def commit_files(repo: Path, files: dict[str, str], when: datetime, message: str) -> None:
    """One new commit writing `files` (path -> text), dated `when`."""
    for path, text in files.items():
        (repo / path).write_text(text, encoding="utf-8")
    stamp = when.isoformat()
    env = clean_env_base(GIT_AUTHOR_NAME="Bench Author", GIT_AUTHOR_EMAIL="bench@example.test",
                         GIT_COMMITTER_NAME="Bench Author", GIT_COMMITTER_EMAIL="bench@example.test",
                         GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    git(repo, "add", "--", *files, env=env)
    git(repo, "commit", "-q", "--allow-empty", "-m", message, env=env)
