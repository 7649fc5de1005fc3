"""UNTP conformity topics: the 15 codes the mapping files use (UNTP up to 0.6, ``conformityTopicCode``)
and the topic objects of UNTP 0.7.0, where ``conformityTopic`` is ``{id, name}``.

UNTP 0.7.0's released artefacts define the class ``ConformityTopic`` but carry no topic list.
The list is UNTP's Conformity Topics taxonomy, which the 0.7.0 specification page "Core
Taxonomies" publishes at ``https://vocabulary.uncefact.org/conformity-topics/`` (SKOS, source
``artefacts/vocabularies/untp-topics/untp-topics.jsonld`` of the UNTP specification repository).
The copy read here is the pre-release one in the fork ``halleluiaman-ux/spec-untp`` at commit
``c0f17d885839a2f7bff5f4bdf20a7aecc1c4f7b8`` (taxonomy version ``0.2.0-working``, modified
2026-03-13): no released copy with a published digest was found, so these IRIs are UNTP's
working ones, not verified against the release. (A 0.7.0 pre-release sample criterion uses
``https://vocabulary.uncefact.org/untp/conformity-topic/<slug>`` instead; the taxonomy's own IRIs
are used here.)

Code -> topic: the taxonomy's ``skos:scopeNote`` names the old code ("UNTP environment.emissions")
on each concept that continues it; where several do, the first in the taxonomy's order is taken
(e.g. ``social.safety`` is noted on 02.03 Workplace Safety and on 04.01 Product Safety Standards:
02.03 is used). The notation is the taxonomy's code of the concept.
"""
from __future__ import annotations

TOPIC_BASE = "https://vocabulary.uncefact.org/conformity-topics/"
TOPIC_SOURCE = ("halleluiaman-ux/spec-untp@c0f17d885839a2f7bff5f4bdf20a7aecc1c4f7b8:"
                "artefacts/vocabularies/untp-topics/untp-topics.jsonld (version 0.2.0-working)")

#: old code -> (slug, prefLabel, notation)
TOPICS: dict[str, tuple[str, str, str]] = {
    "environment.emissions": ("greenhouse-gas-emissions", "Greenhouse Gas Emissions", "01.01"),
    "environment.energy": ("renewable-energy-use", "Renewable Energy Use", "01.02"),
    "environment.water": ("water-conservation", "Water Conservation", "01.03"),
    "environment.waste": ("waste-minimization", "Waste Minimization", "01.04"),
    "environment.biodiversity": ("ecosystem-preservation", "Ecosystem Preservation", "01.05"),
    "environment.deforestation": ("forest-conservation", "Forest Conservation", "01.06"),
    "circularity.content": ("recycled-material-integration", "Recycled Material Integration", "01.07"),
    "circularity.design": ("sustainable-product-design", "Sustainable Product Design", "01.08"),
    "social.rights": ("rights-and-equality", "Rights and Equality", "02.01"),
    "social.labour": ("decent-work-conditions", "Decent Work Conditions", "02.02"),
    "social.safety": ("workplace-safety", "Workplace Safety", "02.03"),
    "social.community": ("community-empowerment", "Community Empowerment", "02.04"),
    "governance.ethics": ("anti-corruption-measures", "Anti-Corruption Measures", "03.01"),
    "governance.transparency": ("open-reporting", "Open Reporting", "03.02"),
    "governance.compliance": ("legal-compliance", "Legal Compliance", "03.03"),
}


def topic_iri(code: str) -> str | None:
    t = TOPICS.get(code)
    return TOPIC_BASE + t[0] if t else None


def topic_object(code: str) -> dict | None:
    """The UNTP 0.7.0 ``ConformityTopic`` for an old code, or None for an unknown code."""
    t = TOPICS.get(code)
    if t is None:
        return None
    return {"type": ["ConformityTopic"], "id": TOPIC_BASE + t[0], "name": t[1]}


def code_for_iri(iri: str) -> str | None:
    """The old code a 0.7.0 topic IRI continues (None when it continues none)."""
    for code, (slug, _, _) in TOPICS.items():
        if iri == TOPIC_BASE + slug:
            return code
    return None
