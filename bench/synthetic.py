"""Seeded synthetic inputs for the build, recognition and site benchmarks.

* :func:`crosswalk_spec` / :func:`write_mappings_tree`: a mappings tree (criteria.yaml,
  curators.tsv, standards/<scheme>.yaml, crosswalks/<scheme>.sssom.tsv) in the formats of
  DEVELOPING.md "Mapping files", that loads with ``untp_crm_vocab.mappingdata`` and passes
  ``crm-vocab check``.
* :func:`write_vocabulary_project`: a project copy whose LinkML model has N terms
  (classes, slots, enums and enum values), for the site benchmark.

Everything is derived from ``random.Random(seed)``: the same arguments give the same bytes.

Why the synthetic crosswalks pass the cross-row checks (generators/check.py): every requirement
gets one *role*. ``exact`` requirements have one exactMatch (never two, so no exact clique);
``broad`` ones only broadMatch rows; ``narrow`` ones only narrowMatch rows. Reading ``a ⊆ c``
as an edge, broad requirements sit below the criteria, narrow ones above and exact ones level
with them, so subset edges only ever go up: no broad/narrow cycle. Negated (``Not``), close and
related rows never go to a criterion the requirement maps positively (no pair conflicts), and
``sssom:NoTermFound`` gap rows are added only where nothing else is mapped.
"""
from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

FAMILIES = ("GOV", "HR", "LAB", "OHS", "ENV")
TOPICS = ("governance.compliance", "social.rights", "social.labour", "social.safety", "environment.emissions")
CURATOR = "CRMCUR:synthetic"
REVIEWER = "CRMCUR:synthetic-review"
EXACT, BROAD, NARROW, CLOSE, RELATED = ("skos:exactMatch", "skos:broadMatch", "skos:narrowMatch",
                                        "skos:closeMatch", "skos:relatedMatch")
NO_TERM = "sssom:NoTermFound"
CONF = {"V": "0.9", "R": "0.6", "?": "0.3"}


# ---- the specification (what the files say) ---------------------------------------------------
@dataclass
class SRow:
    subject: str           # "PREFIX:id" or sssom:NoTermFound
    predicate: str
    object: str            # "HC:XXX-NN" or sssom:NoTermFound
    modifier: str = ""     # "" or "Not"
    tag: str = "R"


@dataclass
class SScheme:
    scheme: str
    prefix: str
    requirements: list[tuple[str, str]]   # (id, title)
    rows: list[SRow] = field(default_factory=list)


@dataclass
class Spec:
    criteria: list[tuple[str, str]]       # (id, label)
    schemes: list[SScheme]

    @property
    def n_rows(self) -> int:
        return sum(len(s.rows) for s in self.schemes)


def criterion_ids(n: int) -> list[str]:
    """``n`` ids matching (GOV|HR|LAB|OHS|ENV)-NN, spread over the five families (n <= 500)."""
    if n > 500:
        raise ValueError("criterion ids are FAMILY-NN: at most 5 x 100 = 500")
    return [f"{FAMILIES[i % 5]}-{i // 5:02d}" for i in range(n)]


def requirement_id(i: int) -> str:
    # dotted ids on purpose (DEVELOPING.md: "4.5" must not be taken for a file extension)
    return f"{i // 10 + 1}.{i % 10 + 1}"


def crosswalk_spec(n_schemes: int, n_requirements: int, n_criteria: int, seed: int = 5) -> Spec:
    rng = random.Random(seed)
    crit = [(c, f"Criterion {c}") for c in criterion_ids(n_criteria)]
    cids = [f"HC:{c}" for c, _ in crit]
    schemes = []
    width = max(4, len(str(n_schemes - 1)))
    for k in range(n_schemes):
        prefix = f"S{k:0{width}d}"
        sch = SScheme(scheme=f"s{k:0{width}d}", prefix=prefix,
                      requirements=[(requirement_id(i), f"Requirement {i + 1} of scheme {k}") for i in range(n_requirements)])
        for rid, _title in sch.requirements:
            s = f"{prefix}:{rid}"
            x = rng.random()
            positive: list[str] = []
            if x < 0.35:        # exact: one exactMatch
                positive = [rng.choice(cids)]
                sch.rows.append(SRow(s, EXACT, positive[0], tag=rng.choice("VR")))
            elif x < 0.60:      # broad: the requirement is at least as demanding (a ⊆ c)
                positive = rng.sample(cids, rng.choice((1, 1, 2)))
                sch.rows += [SRow(s, BROAD, c) for c in positive]
            elif x < 0.80:      # narrow: only part of the criterion (c ⊆ a)
                positive = rng.sample(cids, rng.choice((1, 1, 2)))
                sch.rows += [SRow(s, NARROW, c) for c in positive]
            elif x < 0.90:      # only close / related: never recognises
                c = rng.choice(cids)
                sch.rows.append(SRow(s, rng.choice((CLOSE, RELATED)), c, tag="?"))
                positive = [c]
            elif x < 0.95:      # reviewed gap: no harmonised counterpart
                sch.rows.append(SRow(s, EXACT, NO_TERM, tag="V"))
                continue
            else:               # no row at all: not established
                continue
            if rng.random() < 0.25:   # extra related row to another criterion
                c = rng.choice(cids)
                if c not in positive:
                    sch.rows.append(SRow(s, RELATED, c, tag="?"))
                    positive.append(c)
            if rng.random() < 0.05:   # a reviewed non-equivalence
                c = rng.choice(cids)
                if c not in positive:
                    sch.rows.append(SRow(s, EXACT, c, modifier="Not", tag="V"))
        covered = {r.object for r in sch.rows}
        sch.rows += [SRow(NO_TERM, EXACT, c, tag="R") for c in cids if c not in covered]
        schemes.append(sch)
    return Spec(criteria=crit, schemes=schemes)


# ---- writing the files ----------------------------------------------------------------------------
def _yq(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_mappings_tree(root: Path, spec: Spec, project) -> Path:
    """Write ``spec`` as a mappings tree at ``root`` (criteria.yaml, curators.tsv, standards/,
    crosswalks/), IRIs from ``project`` (its base IRI). Returns ``root``."""
    root = Path(root)
    (root / "standards").mkdir(parents=True, exist_ok=True)
    (root / "crosswalks").mkdir(parents=True, exist_ok=True)
    labels = {f"HC:{c}": label for c, label in spec.criteria}
    lines = ["scheme:", "  id: hc", "  title: Synthetic harmonised criteria", '  version: "0.1.0"', "criteria:"]
    for i, (cid, label) in enumerate(spec.criteria):
        lines += [f"  - id: {cid}", f"    label: {_yq(label)}",
                  f"    definition: {_yq(f'The operation conforms to synthetic criterion {cid}.')}",
                  f"    conformity_topic: {TOPICS[i % 5]}", "    sources: []", "    verification: R"]
    (root / "criteria.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "curators.tsv").write_text(f"curator_id\tname\trole\n{CURATOR}\tSynthetic benchmark data\tauthor\n"
                                       f"{REVIEWER}\tSynthetic benchmark review\treviewer\n", encoding="utf-8")
    base = project.base_iri
    for sch in spec.schemes:
        version = f"{sch.scheme} synthetic 1.0"
        titles = dict(sch.requirements)
        cat = [f"scheme: {sch.scheme}", f"prefix: {sch.prefix}", f"title: {_yq(f'Synthetic scheme {sch.scheme}')}",
               f"version: {_yq(version)}", 'version_slug: "1"', "publisher: Synthetic publisher",
               f"url: https://example.org/{sch.scheme}/1", f'owner_team: "@synthetic/{sch.scheme}"', "requirements:"]
        for rid, title in sch.requirements:
            cat += [f"  - id: {_yq(rid)}", f"    title: {_yq(title)}", "    kind: criterion", "    verification: R"]
        (root / "standards" / f"{sch.scheme}.yaml").write_text("\n".join(cat) + "\n", encoding="utf-8")
        head = [
            f"#mapping_set_id: {base}crosswalks/{sch.scheme}",
            f"#mapping_set_title: {sch.scheme} to synthetic harmonised criteria",
            "#license: https://creativecommons.org/licenses/by/4.0/",
            "#curie_map:",
            f"#  CRMCUR: {base}curators/",
            f"#  HC: {base}criteria/",
            f"#  {sch.prefix}: {project.standard_base(sch.scheme, '1')}",
            f"#subject_source: https://example.org/{sch.scheme}/1",
            f"#subject_source_version: {version}",
            "#object_source: https://example.org/hc",
            "#object_source_version: 0.1.0",
            "#mapping_date: '2026-01-01'",
            "subject_id\tsubject_label\tpredicate_id\tpredicate_modifier\tobject_id\tobject_label\t"
            "mapping_justification\tauthor_id\treviewer_id\tconfidence\tcomment\treview_date",
        ]
        body = []
        for r in sorted(sch.rows, key=lambda r: (r.subject, r.object, r.predicate, r.modifier)):
            slabel = titles.get(r.subject.split(":", 1)[1], "") if r.subject != NO_TERM else ""
            olabel = labels.get(r.object, "")
            comment = f"[{r.tag}] synthetic {r.predicate.split(':')[1]}{' Not' if r.modifier else ''} row"
            # every row but close/related ones is reviewed; recognising rows cite a (synthetic) text
            reviewed = r.predicate not in (CLOSE, RELATED)
            if r.predicate in (EXACT, BROAD, NARROW) and not r.modifier and NO_TERM not in (r.subject, r.object):
                comment = f"[{r.tag}] Text: synthetic requirement {r.subject} — {r.predicate.split(':')[1]} row"
            body.append("\t".join((r.subject, slabel, r.predicate, r.modifier, r.object, olabel,
                                   "semapv:ManualMappingCuration", CURATOR, REVIEWER if reviewed else "", CONF[r.tag],
                                   comment, "2026-01-02" if reviewed else "")))
        (root / "crosswalks" / f"{sch.scheme}.sssom.tsv").write_text("\n".join(head + body) + "\n", encoding="utf-8")
    return root


# ---- a synthetic LinkML vocabulary ----------------------------------------------------------------
CORE_TERMS = 5  # VerifiableCredential, SyntheticCredential (a UNTP DigitalProductPassport), id, type, credentialSubject


def vocabulary_counts(n_terms: int) -> dict[str, int]:
    """How ``n_terms`` terms split: 5 core terms (a credential type, id, type), then 20 % classes,
    5 % enums, 25 % enum values (five per enum) and the rest slots; each term gets a page."""
    n_enums = max(1, n_terms // 20)
    n_values = n_enums * 5
    n_classes = max(1, n_terms // 5 - 2)
    n_slots = max(1, n_terms - CORE_TERMS - n_enums - n_values - n_classes)
    return {"classes": n_classes, "slots": n_slots, "enums": n_enums, "values": n_values}


def vocabulary_yaml(n_terms: int, base_iri: str, seed: int = 5) -> str:
    """A LinkML schema with ``n_terms`` terms. Classes form shallow is_a trees (depth <= 3);
    each class owns about 2-3 of the slots and uses 5 slots in all (own + inherited +
    shared); slot ranges are strings, integers, other classes or enums."""
    rng = random.Random(seed)
    c = vocabulary_counts(n_terms)
    classes = [f"Thing{i:05d}" for i in range(c["classes"])]
    slots = [f"prop{i:05d}" for i in range(c["slots"])]
    enums = [f"Code{i:04d}" for i in range(c["enums"])]
    out = [
        f"id: {base_iri}",
        "name: synthetic_vocabulary",
        "title: Synthetic vocabulary",
        "description: A synthetic LinkML vocabulary for the site benchmark.",
        "version: 0.0.1",
        "license: https://creativecommons.org/licenses/by/4.0/",
        "prefixes:",
        "  linkml: https://w3id.org/linkml/",
        f"  syn: {base_iri}",
        "  cred: https://www.w3.org/2018/credentials#",
        "  untp: https://vocabulary.uncefact.org/untp/",
        "  rdf: http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "default_prefix: syn",
        "default_range: string",
        "imports:",
        "  - linkml:types",
        "classes:",
        "  VerifiableCredential:",
        "    abstract: true",
        "    class_uri: cred:VerifiableCredential",
        "    description: A W3C Verifiable Credential.",
        "    slots: [id, type]",
        "  DigitalProductPassport:",
        "    is_a: VerifiableCredential",
        "    class_uri: untp:DigitalProductPassport",
        "    description: UNTP 0.7.0 Digital Product Passport (UNTP's term), which the synthetic credential extends.",
        "  SyntheticCredential:",
        "    is_a: DigitalProductPassport",
        "    description: The one credential type of the synthetic vocabulary.",
        "    slots: [credentialSubject]",
    ]
    # slot ownership: each slot belongs to one class (round robin), a few are shared
    owned: dict[str, list[str]] = {cl: [] for cl in classes}
    for i, s in enumerate(slots):
        owned[classes[i % len(classes)]].append(s)
    parent: dict[str, str | None] = {}
    depth: dict[str, int] = {}
    for i, cl in enumerate(classes):
        p = None
        if i >= 10 and rng.random() < 0.6:
            cand = classes[rng.randrange(0, i)]
            if depth[cand] < 3:
                p = cand
        parent[cl] = p
        depth[cl] = depth[p] + 1 if p else 0
    ranges: dict[str, str] = {}
    for s in slots:
        x = rng.random()
        ranges[s] = ("string" if x < 0.5 else "integer" if x < 0.6 else
                     rng.choice(classes) if x < 0.85 else rng.choice(enums))
    for i, cl in enumerate(classes):
        out += [f"  {cl}:", f"    description: Synthetic class number {i}, a kind of thing."]
        if parent[cl]:
            out.append(f"    is_a: {parent[cl]}")
        use = (["id"] if i == 0 else []) + list(owned[cl]) + [rng.choice(slots) for _ in range(2)]
        use = list(dict.fromkeys(use))
        if use:
            out.append("    slots:")
            out += [f"      - {s}" for s in use]
    out += ["slots:",
            "  id:", "    identifier: true", "    range: uriorcurie", "    description: The identifier of the thing.",
            "  type:", "    slot_uri: rdf:type", "    range: uriorcurie", "    multivalued: true",
            "    description: The types of the thing.",
            "  credentialSubject:", "    slot_uri: cred:credentialSubject", f"    range: {classes[0]}",
            "    description: What the credential is about."]
    for i, s in enumerate(slots):
        out += [f"  {s}:", f"    description: Synthetic property number {i}.", f"    range: {ranges[s]}"]
        if rng.random() < 0.2:
            out.append("    multivalued: true")
    out.append("enums:")
    for i, e in enumerate(enums):
        out += [f"  {e}:", f"    description: Synthetic code list number {i}.", "    permissible_values:"]
        for j in range(5):
            out += [f"      v{j}:", f"        description: Value {j} of code list {i}."]
    return "\n".join(out) + "\n"


def write_vocabulary_project(root: Path, n_terms: int, source: Path, *, seed: int = 5,
                             with_mappings: bool = True) -> Path:
    """A project copy at ``root`` (pyproject.toml, mkdocs.yml, site/ from ``source``) whose model
    is the synthetic vocabulary of ``n_terms`` terms, written as ``model/untp_crm.yaml`` (the
    path the build reads). Mappings are copied from ``source`` only if ``with_mappings``."""
    import tomllib

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "pyproject.toml", root / "pyproject.toml")
    if (source / "mkdocs.yml").is_file():
        shutil.copy(source / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(source / "site", root / "site", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("releases"))
    (root / "site" / "releases").mkdir(exist_ok=True)
    if with_mappings:
        shutil.copytree(source / "mappings", root / "mappings", dirs_exist_ok=True)
    base = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["crm-vocab"]["base-iri"]
    (root / "model").mkdir(exist_ok=True)
    (root / "model" / "untp_crm.yaml").write_text(vocabulary_yaml(n_terms, base, seed), encoding="utf-8")
    return root
