#!/usr/bin/env python3
"""Build benchmark: a synthetic notice repository with a long history, built side by side.

Generates, in a temporary folder, a realistic notice repository (sections with
translations, regional sections, smart links, variables, a history of commits
spread over years with Notice-Change trailers), then measures:

  full                  `notice build` from a clean site folder and a clean cache
  rebuild               `notice build` again with nothing changed
  rebuild_after_commit  `notice build` after one new commit that changes one section
  floor                 plain MkDocs (same theme, no hooks) rendering as many pages
                        from ready-made Markdown: what the page count costs at least
  baseline              the per-version way: check out each version and run one
                        `mkdocs build` per edition, with a `git log` per file for dates
  peak RSS              memory of the full build
  growth                full-build time for several history lengths
  compare, pdf          what compare/ adds per new version, and a PDF per version

Figures go to stdout as `name: value` lines, progress to stderr. Run it with the
project's virtualenv (`./dev build` sets it up):

    .venv/bin/python bench/build.py                 # default sizes (takes a while)
    .venv/bin/python bench/build.py --runs 1 --no-growth
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
HOOKS = PROJECT / "hooks"        # the hook and the engine; main() points these at a snapshot
THEME = HOOKS / "notice_engine" / "theme"      # the engine's overrides (the hook adds them itself)
CPUS = os.cpu_count() or 1

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
           ("au", "Australia", "Australie", "Australia/Sydney")]
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


def mkdocs_yml(editions: list[dict], regions: list[str]) -> str:
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
        "hooks": [str(HOOKS / "mkdocs_hooks.py")],
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

def git(cwd: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    result = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, input=input,
                            capture_output=True, env=env or clean_env())
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
    import copy

    changed = copy.deepcopy(section)
    mutate(random.Random(seed), changed, "minor")
    (repo / "notice" / f"{changed.id}.md").write_text(changed.file("en"), encoding="utf-8")
    (repo / "notice" / f"{changed.id}.fr.md").write_text(changed.file("fr"), encoding="utf-8")
    stamp = when.isoformat()
    env = clean_env(GIT_AUTHOR_NAME="Bench Author", GIT_AUTHOR_EMAIL="bench@example.test",
                    GIT_COMMITTER_NAME="Bench Author", GIT_COMMITTER_EMAIL="bench@example.test",
                    GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    git(repo, "add", "-A", "notice", env=env)
    git(repo, "commit", "-q", "-m", f"Clarify {changed.title[0]}", env=env)


# --- running and measuring ------------------------------------------------------------------

def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in ("NOTICE_EDITION", "NOTICE_TODAY")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HOOKS), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@dataclass
class Run:
    seconds: float
    cpu_seconds: float = 0.0         # user + system time of the process and its descendants
    largest_rss_kb: int = 0          # ru_maxrss from wait4: the largest single process
    tree_hwm_kb: int = 0             # largest sum, over processes alive together, of VmHWM
    sampled_rss_kb: int = 0          # the largest sampled sum of VmRSS over the process tree


class TreeMemory(threading.Thread):
    """Polls /proc for a process and its descendants (the edition workers, git).

    At each sample it sums, over the processes alive then, their VmRSS and their own
    high-water marks (VmHWM). The largest sum of VmHWM bounds the concurrent peak from
    above without depending on catching the moment of the peak; the largest sum of VmRSS
    is what was actually seen.
    """

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_hwm_sum = 0
        self.peak_rss_sum = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            statuses = [s for s in map(_status, self._tree()) if s]
            self.peak_hwm_sum = max(self.peak_hwm_sum, sum(s.get("VmHWM", 0) for s in statuses))
            self.peak_rss_sum = max(self.peak_rss_sum, sum(s.get("VmRSS", 0) for s in statuses))
            self.done.wait(self.interval)

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
        return found


def _status(pid: int) -> dict[str, int]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return {k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in f)
                    if k in ("VmHWM", "VmRSS")}
    except (OSError, ValueError):
        return {}


def run_timed(cmd: list[str], cwd: Path, env: dict, what: str, memory: bool = False) -> Run:
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        watcher = None
        if memory and Path("/proc/self/task").is_dir():
            watcher = TreeMemory(process.pid)
            watcher.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if watcher:
            watcher.done.set()
            watcher.join()
        if process.returncode:
            out.seek(0)
            tail = out.read().decode(errors="replace")[-4000:]
            raise SystemExit(f"{what} failed (exit {process.returncode}): {' '.join(cmd)}\n{tail}")
    run = Run(seconds, largest_rss_kb=usage.ru_maxrss,
              cpu_seconds=usage.ru_utime + usage.ru_stime)
    if watcher:
        run.tree_hwm_kb = max(watcher.peak_hwm_sum, run.largest_rss_kb)
        run.sampled_rss_kb = watcher.peak_rss_sum
    return run


def notice_build(repo: Path, site: Path, today: date, what: str, memory: bool = False) -> Run:
    cmd = [sys.executable, "-m", "notice_engine.cli", "--root", str(repo), "build",
           "--site-dir", str(site)]
    run = run_timed(cmd, repo, clean_env(NOTICE_TODAY=today.isoformat()), what, memory)
    log(f"{what}: {run.seconds:.2f}s")
    return run


def clean_cache(repo: Path) -> None:
    shutil.rmtree(repo / ".cache", ignore_errors=True)


def full_build(repo: Path, site: Path, today: date, what: str, memory: bool = False) -> Run:
    shutil.rmtree(site, ignore_errors=True)
    clean_cache(repo)
    return notice_build(repo, site, today, what, memory)


def pages_of(site: Path, editions: list[dict]) -> dict[str, list[str]]:
    """Per edition, the folders (relative) that hold an index.html: one per page."""
    found = {}
    for spec in editions:
        base = site / spec["id"]
        found[spec["id"]] = sorted(str(p.parent.relative_to(base))
                                   for p in base.rglob("index.html"))
    return found


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# --- ready-made Markdown (floor and baseline) ----------------------------------------------

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_LINK = re.compile(r"\[\[([^\[\]|]+?)(?:\|([^\[\]]+?))?\]\]")
_VAR = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
_HEAD = re.compile(r"^(#{1,5}) (.*?)(?: \{#([\w-]+)\})?$", re.M)


def flat_variables(values: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(flat_variables(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def edition_markdown(tree: Path, spec: dict, dated: bool) -> tuple[str, str]:
    """The edition's page as one Markdown document, read from a checked-out tree the way a
    hook-less site would assemble it; with `dated`, one `git log` per file for its date, as
    git-revision-date plugins do. Returns (title, markdown)."""
    import yaml

    manifest = yaml.safe_load((tree / "notice" / "notice.yml").read_text(encoding="utf-8"))
    values = flat_variables(VARIABLES)
    expand = lambda text: _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), text)  # noqa: E731
    chosen, titles = [], {}
    for section_id in manifest["sections"]:
        source = (tree / "notice" / f"{section_id}.md").read_text(encoding="utf-8")
        front = _FRONT.match(source)
        meta = yaml.safe_load(front.group(1)) if front else {}
        if meta.get("regions") and spec["region"] not in meta["regions"]:
            continue
        path = tree / "notice" / f"{section_id}.{spec['locale']}.md"
        if spec["locale"] == "en" or not path.exists():
            path = tree / "notice" / f"{section_id}.md"
        text = expand(_FRONT.sub("", path.read_text(encoding="utf-8")))
        for number, match in enumerate(_HEAD.finditer(text)):
            titles[section_id if number == 0 else match.group(3) or ""] = match.group(2)
        chosen.append((section_id, path, text))
    dates = []
    if dated:
        for _, path, _ in chosen:
            out = git(tree, "log", "-1", "--format=%cI", "--", str(path.relative_to(tree)))
            dates.append(out)
    title = expand(manifest["title"][spec["locale"]])
    parts = [f"# {title}"]
    if dates:
        parts.append(f"Last updated: {max(dates)[:10]}")
    for section_id, _, text in chosen:
        text = _LINK.sub(lambda m: f"[{m.group(2) or titles.get(m.group(1), m.group(1))}]"
                                   f"(#{m.group(1)})", text)
        first = True

        def heading(match: re.Match) -> str:
            nonlocal first
            anchor = section_id if first else match.group(3)
            first = False
            return f"#{match.group(1)} {match.group(2)}" + (f" {{#{anchor}}}" if anchor else "")

        parts.append(_HEAD.sub(heading, text).strip())
    return title, "\n\n".join(parts) + "\n"


def plain_mkdocs_config(folder: Path, spec: dict, site_name: str, site: Path,
                        nav: list[str] | None = None) -> Path:
    """A hook-less mkdocs.yml with the project's theme; docs in folder/docs."""
    import yaml

    config = {"site_name": site_name, "docs_dir": "docs", "site_dir": str(site),
              "use_directory_urls": True,
              "theme": {"name": "material", "custom_dir": str(THEME), "font": False,
                        "language": spec["locale"], "features": ["navigation.top", "toc.follow"]},
              "plugins": [],
              "markdown_extensions": ["attr_list", {"toc": {"permalink": True}}],
              "extra": {"generator": False}}
    if nav:
        config["nav"] = nav
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# The floor's driver: what `notice build` does minus the hooks. One Python process imports
# MkDocs and builds each edition's config in a process pool of the same size.
FLOOR_DRIVER = r"""
import sys
from concurrent.futures import ProcessPoolExecutor

def build(path):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    build(load_config(path))

if __name__ == "__main__":
    workers, configs = int(sys.argv[1]), sys.argv[2:]
    if len(configs) == 1:
        build(configs[0])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(build, configs))
"""


def floor_build(configs: list[Path], workers: int, cwd: Path) -> Run:
    return run_timed([sys.executable, "-c", FLOOR_DRIVER, str(workers), *map(str, configs)],
                     cwd, clean_env(), "floor build")


def mkdocs_builds(configs: list[Path], workers: int, what: str) -> float:
    """`mkdocs build` of each config as its own process, `workers` at a time; wall seconds."""
    env = clean_env()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(run_timed, [sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                                        str(c)], c.parent, env, f"{what} ({c.parent.name})")
                for c in configs]
        for job in jobs:
            job.result()
    return time.perf_counter() - started


def prepare_floor(root: Path, repo: Path, editions: list[dict],
                  pages: dict[str, list[str]]) -> list[Path]:
    """Per edition, the same page folders as notice build wrote, each holding the edition's
    current text as ready-made Markdown; returns the hook-less configs.

    The navigation lists the notice and the archive index only (the other pages are built
    all the same): MkDocs' automatic navigation would list every page on every page, a cost
    that grows with the square of the page count and that no notice site needs to pay."""
    configs = []
    for spec in editions:
        folder = root / spec["id"]
        title, text = edition_markdown(repo, spec, dated=False)
        for page in pages[spec["id"]]:
            path = folder / "docs" / ("" if page == "." else page) / "index.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("---\nhide: [navigation]\n---\n" + text, encoding="utf-8")
        nav = [f"{p}/index.md" if p != "." else "index.md" for p in pages[spec["id"]]
               if p in (".", "archive")]
        configs.append(plain_mkdocs_config(folder, spec, title, root / "site" / spec["id"], nav))
    return configs


def baseline_run(root: Path, scratch: Path, shas: list[str], editions: list[dict],
                 workers: int) -> float:
    """The per-version way, timed: for each version, check it out, assemble each edition's
    page with a `git log` per file for its date, and run one `mkdocs build` per edition."""
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    for number, sha in enumerate(shas, start=1):
        git(scratch, "checkout", "-q", "--detach", sha)
        configs = []
        for spec in editions:
            folder = root / f"v{number:03d}" / spec["id"]
            (folder / "docs").mkdir(parents=True)
            title, text = edition_markdown(scratch, spec, dated=True)
            (folder / "docs" / "index.md").write_text(text, encoding="utf-8")
            configs.append(plain_mkdocs_config(folder, spec, title, folder / "site"))
        mkdocs_builds(configs, workers, f"baseline v{number}")
    return time.perf_counter() - started


# --- the benchmark ----------------------------------------------------------------------------

ADDED_COST = r"""
import dataclasses, json, sys, tempfile, time
from pathlib import Path
from notice_engine.publish import compare, page_html as page, pdf
from notice_engine.config import load
from notice_engine.history.walk import edition_history, read_repository
from notice_engine.render.sections import Renderer, RenderStore
from datetime import date

root, day, count = Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), int(sys.argv[3])
config = load(root)
edition = config.editions[0]
past = edition_history(read_repository(root), config, edition, Renderer(), day)
labels = page.redline_labels(edition.locale)
scratch = Path(tempfile.mkdtemp())
store = RenderStore(scratch / "store.sqlite", root)
earlier = dataclasses.replace(past, versions=past.versions[:-1])
started = time.perf_counter()
before = compare.compare_files(earlier, labels, store)
cold = time.perf_counter() - started
started = time.perf_counter()
after = compare.compare_files(past, labels, store)
added = time.perf_counter() - started
label = page.edition_label(config, edition)
newest = past.versions[-count:]
timings, pages = [], 0
for attempt in (1, 2):
    started = time.perf_counter()
    for version in newest:
        cached = pdf.cached_pdf(scratch, pdf.pdf_document(past, version, label))
        if not cached.is_file():
            pdf._render_to_cache(cached, pdf.pdf_document(past, version, label),
                                 version.text.fingerprint)
            from pypdf import PdfReader
            pages += len(PdfReader(cached).pages)
    timings.append((time.perf_counter() - started) / len(newest))
print(json.dumps({"edition": edition.id, "compare_cold": cold, "compare_added": added,
                  "compare_added_files": len(after) - len(before), "compare_files": len(after),
                  "compare_mb": sum(len(v.encode()) for v in after.values()) / 1e6,
                  "pdf_each": timings[0], "pdf_cached_each": timings[1],
                  "pdf_count": len(newest), "pdf_pages": pages // max(1, len(newest))}))
"""


def added_costs(repo: Path, today: date, pdf_versions: int) -> dict:
    """What compare/ and --pdf add, measured in one process on the engine's snapshot."""
    log("added cost of compare/ and of --pdf")
    result = subprocess.run([sys.executable, "-c", ADDED_COST, str(repo), today.isoformat(),
                             str(pdf_versions)], cwd=repo, env=clean_env(), capture_output=True,
                            text=True, check=False)
    if result.returncode:
        raise SystemExit(f"measuring the added costs failed:\n{result.stderr}")
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/build.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n")[0] + "\n\n" + "\n\n".join(__doc__.split("\n\n")[1:3]),
        epilog="""\
output (stdout), one `name: value` line each:
  sections, versions, editions, words, cpus, pages       the sizes measured
  full_seconds                  notice build, clean site/ and no .cache/ (median of --runs)
  rebuild_seconds               notice build again, nothing changed
  rebuild_after_commit_seconds  notice build after one new commit changing one section
                                (in every edition), on top of the rebuild above
  floor_seconds                 hook-less MkDocs build of as many pages from ready-made
                                Markdown, same theme, navigation: notice + archive index
  full_cpu_seconds, floor_cpu_seconds   user + system CPU of those (all their processes)
  baseline_seconds              per-version builds, timed on the first K and scaled
  peak_rss_mb                   full build: largest sum of VmHWM over processes alive together
  peak_rss_largest_process_mb   full build: the largest single process (wait4 ru_maxrss)
  growth_<N>                    full_seconds for a history of N versions (measured together)
  full/floor, baseline/full, rebuild/full, rebuild_after_commit/full   the ratios
Notes (floor_note, baseline_note, rss_note) say how those were measured. Each run
measures full, rebuild, rebuild after commit, floor and baseline in turn, so a burst
of load from elsewhere on the machine does not fall on one kind only.

The engine (hooks/, with its theme and catalogs) is copied into the work folder at the start and every
build uses that copy, so a run measures one engine even if hooks/ is edited meanwhile.

Run it with the project's virtualenv: ./dev build once, then .venv/bin/python bench/build.py.
""")
    parser.add_argument("--sections", type=int, default=40, metavar="N",
                        help="sections in the notice (default: 40)")
    parser.add_argument("--words-per-section", type=int, default=200, metavar="N",
                        help="words per section in the source language (default: 200, "
                             "i.e. about 8,000 words for 40 sections)")
    parser.add_argument("--versions", type=int, default=200, metavar="N",
                        help="commits in the history, each a version or an editorial correction "
                             "(default: 200)")
    parser.add_argument("--editions", type=int, default=6, metavar="N",
                        help="editions: regions x locales en, fr, taken in the order us-en, "
                             "us-fr, eu-en, eu-fr, ca-en, ca-fr, ... (default: 6)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated notice and "
                        "history (default: 1)")
    parser.add_argument("--runs", type=int, default=3, metavar="N",
                        help="runs of each measurement; the median is printed (default: 3)")
    parser.add_argument("--baseline-versions", type=int, default=5, metavar="K",
                        help="versions the per-version baseline is timed on before scaling "
                             "linearly to --versions (default: 5)")
    parser.add_argument("--growth", default="25,50,100,200", metavar="N,N,...",
                        help="history lengths for the growth lines (default: 25,50,100,200)")
    parser.add_argument("--no-growth", action="store_true", help="skip the growth lines")
    parser.add_argument("--pdf-versions", type=int, default=3, metavar="N",
                        help="how many versions' PDFs to time for pdf_seconds_per_version "
                             "(default: 3)")
    parser.add_argument("--workdir", type=Path, metavar="DIR",
                        help="generate and build here instead of a temporary folder "
                             "(must not exist or be empty); kept afterwards")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder and print where it is")
    args = parser.parse_args(argv)
    if args.sections < 3:
        parser.error("--sections must be at least 3")
    if args.versions < 1 or args.runs < 1 or args.baseline_versions < 1 or args.editions < 1:
        parser.error("--versions, --runs, --baseline-versions and --editions must be at least 1")
    try:
        args.growth = [] if args.no_growth else sorted(
            {int(v) for v in args.growth.split(",") if v})
    except ValueError:
        parser.error("--growth takes numbers separated by commas, e.g. 25,50,100,200")
    if any(v < 1 for v in args.growth):
        parser.error("--growth values must be at least 1")
    args.baseline_versions = min(args.baseline_versions, args.versions)
    return args


def snapshot_engine(work: Path) -> Path:
    """Copy the engine (hooks/, theme and catalogs included) into the work folder and use that copy
    for every build: the whole run measures one engine even if hooks/ is edited meanwhile."""
    global HOOKS, THEME
    dest = work / "engine"
    shutil.copytree(PROJECT / "hooks", dest / "hooks",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    HOOKS, THEME = dest / "hooks", dest / "hooks" / "notice_engine" / "theme"
    found = subprocess.run([sys.executable, "-c",
                            "import notice_engine; print(notice_engine.__file__)"],
                           capture_output=True, text=True, env=clean_env()).stdout.strip()
    if not Path(found).resolve().is_relative_to(HOOKS.resolve()):
        raise SystemExit(f"bench/build.py: the builds would import notice_engine from {found!r}, "
                         f"not from the snapshot in {HOOKS}")
    return HOOKS


def preflight() -> None:
    missing = []
    for module in ("mkdocs", "material", "yaml", "markdown"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SystemExit(f"bench/build.py: {', '.join(missing)} not importable by "
                         f"{sys.executable}.\n"
                         "Run it with the project's virtualenv: ./dev build, then "
                         ".venv/bin/python bench/build.py")
    if shutil.which("git") is None:
        raise SystemExit("bench/build.py: git is not on PATH")


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    preflight()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        if any(args.workdir.iterdir()):
            raise SystemExit(f"--workdir {args.workdir} is not empty")
        work = args.workdir.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="notice-bench-"))
    try:
        figures = measure(args, work)
    finally:
        if args.workdir or args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for name, value in figures:
        print(f"{name}: {value}", flush=True)
    return 0


def measure(args: argparse.Namespace, work: Path) -> list[tuple[str, object]]:
    editions = edition_specs(args.editions)
    regions = list(dict.fromkeys(e["region"] for e in editions))
    log(f"engine: snapshot of {PROJECT / 'hooks'} in {snapshot_engine(work)}")
    total = max([args.versions, *args.growth])
    log(f"generating {args.sections} sections x {total} commits x {len(editions)} editions "
        f"(seed {args.seed}) in {work}")
    notice, plans = make_history(args.seed, args.sections, total, args.words_per_section, regions)
    shas = write_repository(work / "history", plans, mkdocs_yml(editions, regions))
    repo = work / "repo"
    clone_at(work / "history", shas[args.versions - 1], repo)
    last = plans[args.versions - 1].when
    today = (max(p.when for p in plans) + timedelta(days=30)).date()
    words = sum(len(_FRONT.sub("", p.read_text(encoding="utf-8")).split())
                for p in (repo / "notice").glob("*.md") if p.name.count(".") == 1)
    workers = min(len(editions), CPUS)
    site = work / "site"

    base = git(repo, "rev-parse", "HEAD")
    # The new commit changes the first section, which is in every edition; its state after
    # --versions commits (the generator may have gone further for longer growth histories).
    at_base = notice if total == args.versions else make_history(
        args.seed, args.sections, args.versions, args.words_per_section, regions)[0]
    target = at_base[0]
    floor_root, scratch = work / "floor", work / "scratch"
    git(work, "clone", "-q", str(repo), str(scratch))
    order = git(scratch, "rev-list", "--reverse", "--first-parent", "HEAD").split()

    # Each run measures every kind once, in turn, so that a burst of load from elsewhere on
    # the machine falls on all of them alike rather than on one.
    fulls, rebuilds, after, floors, baselines = [], [], [], [], []
    pages: dict[str, list[str]] = {}
    floor_configs: list[Path] = []
    full_bytes = 0
    for i in range(args.runs):
        n = f"{i + 1}/{args.runs}"
        # full: clean site/ and no .cache/
        fulls.append(full_build(repo, site, today, f"full {n}", memory=True))
        if not pages:
            pages = pages_of(site, editions)
            full_bytes = sum(tree_bytes(site / e["id"]) for e in editions)
            floor_configs = prepare_floor(floor_root, repo, editions, pages)
        # rebuild: nothing changed
        rebuilds.append(notice_build(repo, site, today, f"rebuild {n}"))
        # rebuild after one new commit (then back to the base commit for the next run,
        # whose full build starts from a clean site and cache again)
        commit_change(repo, target, last + timedelta(days=10), seed=args.seed + 7919)
        after.append(notice_build(repo, site, today, f"rebuild after commit {n}"))
        git(repo, "reset", "-q", "--hard", base)
        # floor: hook-less MkDocs, same theme, same pages, ready-made Markdown
        shutil.rmtree(floor_root / "site", ignore_errors=True)
        floors.append(floor_build(floor_configs, workers, floor_root))
        log(f"floor {n}: {floors[-1].seconds:.2f}s")
        # baseline: the per-version way on the first K commits (scaled to all below)
        baselines.append(baseline_run(work / "baseline", scratch, order[: args.baseline_versions],
                                      editions, workers))
        log(f"baseline {n}: {baselines[-1]:.2f}s for {args.baseline_versions} versions")
    floor_bytes = tree_bytes(floor_root / "site")

    # growth: full builds of shorter (or longer) histories
    growth = []
    for count in args.growth:          # each measured here, so the line is measured together
        grown = work / f"repo-{count}"
        clone_at(work / "history", shas[count - 1], grown)
        runs = [full_build(grown, work / f"site-{count}", today,
                           f"growth {count} versions {i + 1}/{args.runs}").seconds
                for i in range(args.runs)]
        growth.append((count, median(runs)))
        shutil.rmtree(work / f"site-{count}", ignore_errors=True)

    added = added_costs(repo, today, args.pdf_versions)

    full = median([r.seconds for r in fulls])
    rebuild = median([r.seconds for r in rebuilds])
    rebuild_after = median([r.seconds for r in after])
    floor = median([r.seconds for r in floors])
    baseline = median(baselines) / args.baseline_versions * args.versions
    page_count = sum(len(p) for p in pages.values())
    per_edition = ", ".join(f"{edition} {len(p)}" for edition, p in pages.items())

    def f(x: float) -> str:
        return f"{x:.2f}"

    figures: list[tuple[str, object]] = [
        ("sections", args.sections), ("versions", args.versions), ("editions", len(editions)),
        ("words", words), ("cpus", CPUS), ("pages", page_count),
        ("full_seconds", f(full)),
        ("full_cpu_seconds", f(median([r.cpu_seconds for r in fulls]))),
        ("rebuild_seconds", f(rebuild)),
        ("rebuild_after_commit_seconds", f(rebuild_after)),
        ("floor_seconds", f(floor)),
        ("floor_cpu_seconds", f(median([r.cpu_seconds for r in floors]))),
        ("floor_note", f"{page_count} pages ({per_edition}), navigation: the notice and the "
                       f"archive index; one hook-less MkDocs build per edition in one process "
                       f"with a pool of {workers} workers, as notice build does; output {floor_bytes / 1e6:.1f} MB vs "
                       f"{full_bytes / 1e6:.1f} MB for notice build"),
        ("baseline_seconds", f(baseline)),
        ("baseline_note", f"timed on first {args.baseline_versions} versions, scaled linearly "
                          f"(x{args.versions / args.baseline_versions:g} to {args.versions} "
                          f"versions); per version: git checkout, one git log per section file, "
                          f"one `mkdocs build` process per edition ({workers} at a time)"),
        ("peak_rss_mb", f"{max(r.tree_hwm_kb for r in fulls) / 1024:.0f}"),
        ("peak_rss_largest_process_mb", f"{max(r.largest_rss_kb for r in fulls) / 1024:.0f}"),
        ("rss_note", "peak_rss_mb: the largest sum, over the build's processes alive at the "
                     "same time (polled every 50 ms), of each one's own peak RSS (VmHWM): an "
                     "upper bound of the concurrent peak; largest sampled sum of VmRSS: "
                     f"{max(r.sampled_rss_kb for r in fulls) / 1024:.0f} MB"),
    ]
    figures += [(f"growth_{count}", f(seconds)) for count, seconds in growth]
    figures += [
        ("compare_cold_seconds", f(added["compare_cold"])),
        ("compare_added_seconds_per_version", f"{added['compare_added']:.4f}"),
        ("compare_added_files_per_version", str(added["compare_added_files"])),
        ("compare_files", str(added["compare_files"])),
        ("compare_note", f"edition {added['edition']}: compare/ files for every version "
                         f"({added['compare_mb']:.1f} MB), made with no cache (cold), then the "
                         "cost and files the newest version adds to its predecessors' (cached) "
                         "ones; part of full_seconds"),
        ("pdf_seconds_per_version", f(added["pdf_each"])),
        ("pdf_cached_seconds_per_version", f"{added['pdf_cached_each']:.4f}"),
        ("pdf_note", f"notice build --pdf: WeasyPrint, {added['pdf_count']} newest versions of "
                     f"edition {added['edition']} rendered one after another ({added['pdf_pages']} "
                     "pages each on average), then again from .cache/notice/pdf/"),
    ]
    figures += [("full/floor", f(full / floor)), ("baseline/full", f(baseline / full)),
                ("rebuild/full", f(rebuild / full)),
                ("rebuild_after_commit/full", f(rebuild_after / full))]
    return figures


if __name__ == "__main__":
    sys.exit(main())
