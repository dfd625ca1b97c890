"""Grammatical context of a word: which of its pymorphy3 analyses the neighbouring words allow.

Each rule reads the words of the clause around the target (lower-case tokens, punctuation as
tokens) and answers with a predicate over analyses: a preposition that takes the genitive, a
numeral 2-4, an agreeing adjective, a subject the verb agrees with, a transitive verb and its
object, a word standing alone. It never looks at stress; `homographs.resolve` turns the
allowed analyses into a reading. docs/russian.md §2 lists every rule with examples.
"""

from __future__ import annotations

from typing import Any, Callable

from GPT_SoVITS.text.russian.morphology import has_pos, parses

#: Prepositions (and the negations `нет`, `ни`) after which a noun is in the genitive.
GENITIVE_HEADS = frozenset(
    "у из от до без для около возле после кроме среди мимо вокруг вместо вдоль посреди напротив "
    "ради сверх внутри вне позади близ вблизи против нет ни из-за из-под".split()
)
#: The cases other prepositions govern (Russian Grammar 1980, §§ on prepositions): a noun after
#: them is in one of these cases. Prepositions with a genitive sense among others (`с`, `по`,
#: `между`) are left out.
PREPOSITION_CASES: dict[str, frozenset[str]] = {
    **{p: frozenset({"gent", "gen2"}) for p in GENITIVE_HEADS},
    **{p: frozenset({"datv"}) for p in ("к", "ко", "благодаря", "согласно", "вопреки", "навстречу")},
    **{p: frozenset({"accs"}) for p in ("про", "через", "сквозь")},
    **{p: frozenset({"ablt"}) for p in ("над", "надо", "перед", "передо")},
    **{p: frozenset({"loct"}) for p in ("при",)},
    **{p: frozenset({"accs", "loct", "loc2"}) for p in ("в", "во", "на", "о", "об", "обо")},
    **{p: frozenset({"accs", "ablt"}) for p in ("за", "под", "подо")},
}
COUNT_WORDS = frozenset("два две три четыре оба обе полтора полторы".split())
#: Quantity words and verbs (lemmas) after which a noun is in the genitive: `много воды`,
#: `боится грозы`, `не хватает места`, `достигли вершины` (Russian Grammar 1980 on the
#: genitive object; `ждать`, `хотеть`, `искать`, which also take the accusative, are left out).
QUANTITY_WORDS = frozenset("много мало немного немало сколько столько несколько".split())
GENITIVE_VERBS = frozenset(
    "бояться побояться испугаться пугаться опасаться стесняться избегать избежать достичь достигнуть "
    "достигать касаться коснуться лишиться лишаться хватать хватить недоставать добиться добиваться "
    "придерживаться сторониться остерегаться".split()
)
#: Prepositions with several cases (left out of PREPOSITION_CASES): they still open a phrase.
_OTHER_PREPOSITIONS = frozenset("с со по между меж".split())
PERSONAL_PRONOUNS = {
    "я": ("1per", "sing"), "ты": ("2per", "sing"), "мы": ("1per", "plur"), "вы": ("2per", "plur"),
    "он": ("3per", "sing"), "она": ("3per", "sing"), "оно": ("3per", "sing"), "они": ("3per", "plur"),
}
_PRONOUN_GENDER = {"он": "masc", "она": "femn", "оно": "neut"}
INTENSIFIERS = frozenset("очень совершенно совсем так слишком весьма вполне абсолютно довольно чересчур".split())
_CLAUSE_END = frozenset(",.!?…-")
_SENTENCE_END = frozenset(".!?…")
_NOMINALS = ("NOUN", "ADJF", "PRTF", "NPRO", "NUMR")

Predicate = Callable[[Any], bool]


def _clause_before(tokens: list[str], index: int) -> list[str]:
    words = []
    for token in reversed(tokens[:index]):
        if token in _CLAUSE_END:
            break
        words.append(token)
    return words  # nearest first


def _clause_after(tokens: list[str], index: int) -> list[str]:
    words = []
    for token in tokens[index + 1:]:
        if token in _CLAUSE_END:
            break
        words.append(token)
    return words


def _alone_in_sentence(tokens: list[str], index: int) -> bool:
    """No other word between the sentence boundaries around tokens[index] (`Паром!`)."""
    def words_until_end(side: list[str]) -> bool:
        for token in side:
            if token in _SENTENCE_END:
                return False
            if token not in _CLAUSE_END:
                return True
        return False

    return not words_until_end(tokens[index + 1:]) and not words_until_end(list(reversed(tokens[:index])))


def _modifier_rule(modifier: str) -> Predicate | None:
    """A noun agrees in number (and, singular, in case) with the adjective or pronoun before it."""
    forms = [p.tag for p in parses(modifier) if p.tag.POS in ("ADJF", "PRTF")]
    numbers = {tag.number for tag in forms}
    if numbers == {"plur"}:
        return lambda p: p.tag.number == "plur"
    if numbers == {"sing"}:
        cases = {tag.case for tag in forms}
        return lambda p: p.tag.number == "sing" and p.tag.case in cases
    return None


def verb_agrees(person: str, number: str, gender: str | None) -> Predicate:
    """Analyses of a verb (or short adjective/participle) that agree with such a subject."""
    def agrees(parse: Any) -> bool:
        tag = parse.tag
        if tag.POS not in ("VERB", "ADJS", "PRTS"):
            return False
        if tag.tense == "past" or tag.POS != "VERB":
            return tag.number == number and (number == "plur" or gender is None or tag.gender == gender)
        return tag.person == person and tag.number == number

    return agrees


def _transitive_verb(word: str) -> bool:
    """A finite transitive verb (every analysis): a noun next to it may be its object."""
    verbs = [p.tag for p in parses(word) if p.tag.POS == "VERB"]
    return bool(verbs) and len(verbs) == len(parses(word)) and all("tran" in tag for tag in verbs)


def _subject_rule(subject: str) -> Predicate | None:
    """The verb after a pronoun or a nominative noun subject agrees with it."""
    if subject in PERSONAL_PRONOUNS:
        person, number = PERSONAL_PRONOUNS[subject]
        return verb_agrees(person, number, _PRONOUN_GENDER.get(subject))
    nouns = [p.tag for p in parses(subject) if p.tag.POS == "NOUN"]
    if nouns and all(tag.case == "nomn" for tag in nouns) and len({(t.number, t.gender) for t in nouns}) == 1:
        return verb_agrees("3per", nouns[0].number, nouns[0].gender)
    return None


def _plural_verb_follows(tokens: list[str], index: int) -> Predicate | None:
    """A sentence-initial noun followed by a plural verb is its plural subject."""
    governed = False  # inside a prepositional phrase (`в горах`): its noun is no subject
    for word in _clause_after(tokens, index)[:5]:
        if word in PREPOSITION_CASES or word in _OTHER_PREPOSITIONS:
            governed = True
            continue
        if word == "не":
            continue
        verbs = [p.tag for p in parses(word) if p.tag.POS == "VERB" and p.tag.mood == "indc"]
        if verbs:
            if all(tag.number == "plur" for tag in verbs):
                return lambda p: p.tag.POS == "NOUN" and p.tag.number == "plur" and p.tag.case == "nomn"
            return None
        if governed and has_pos(word, *_NOMINALS):
            governed = not has_pos(word, "NOUN", "NPRO")  # the phrase ends with its noun
            continue
        if word in PERSONAL_PRONOUNS or any(p.tag.POS in ("NOUN", "NPRO") and p.tag.case == "nomn" for p in parses(word)):
            return None  # the verb may agree with that word instead ("Дома мы пили чай")
    return None


def _genitive_attribute(tokens: list[str], index: int, before: list[str]) -> Predicate | None:
    """A noun right after another noun is its genitive attribute (`шум моря`, `край рукава`),
    when the word is no verb or short form (`бабушка села` is a subject and its verb) and the
    first noun is not a dative, instrumental or prepositional that could leave the second as an
    object (`протянул маме руки`) unless a preposition governs it (`к подножию горы`)."""
    if not before or has_pos(tokens[index], "VERB", "INFN", "ADJS", "PRTS"):
        return None
    first = parses(before[0])
    if not first or not all(p.tag.POS == "NOUN" for p in first):
        return None
    governed = len(before) > 1 and before[1] in PREPOSITION_CASES
    if not governed and any(p.tag.case in ("datv", "ablt", "loct") for p in first):
        return None
    return lambda p: p.tag.case in ("gent", "gen2")


def _object_before_verb(tokens: list[str], index: int) -> Predicate | None:
    """A clause-initial noun right before a transitive verb that cannot agree with it is the
    verb's object, in the accusative (`Горы окутал туман`: окутал is singular, so горы is not
    its subject). Not under negation, where the object may be genitive (`Горы не видно`)."""
    after = _clause_after(tokens, index)
    if not after or not _transitive_verb(after[0]) or "не" in after:
        return None
    verbs = parses(after[0])
    nominatives = [p.tag for p in parses(tokens[index]) if p.tag.POS == "NOUN" and p.tag.case == "nomn"]
    if any(verb_agrees("3per", tag.number, tag.gender)(verb) for tag in nominatives for verb in verbs):
        return None
    return lambda p: p.tag.case == "accs"


def _clause_initial_rule(tokens: list[str], index: int) -> tuple[str, Predicate] | None:
    rule = _object_before_verb(tokens, index)
    if rule is not None:
        return "object before verb", rule
    after = _clause_after(tokens, index)
    if after and after[0] in PERSONAL_PRONOUNS and has_pos(tokens[index], "VERB"):
        rule = _subject_rule(after[0])  # a verb before its pronoun subject: `Жила она одна`
        return ("subject after verb", rule) if rule is not None else None
    rule = _plural_verb_follows(tokens, index)
    return ("plural subject", rule) if rule is not None else None


def _governs_genitive(word: str) -> bool:
    """A form of a verb that takes a genitive object (`боится`, `коснулся`, `хватает`); every
    analysis must be such a verb, so a noun or adjective spelled alike never counts."""
    analyses = parses(word)
    return bool(analyses) and all(
        p.tag.POS in ("VERB", "INFN", "GRND") and p.normal_form in GENITIVE_VERBS for p in analyses)


def _negated_existence(before: list[str]) -> bool:
    """`нет` earlier in the clause with only a prepositional phrase or adverbs between it and
    the word: `нет у меня сестры`, `нет больше воды` (the genitive of negated existence)."""
    if "нет" not in before[:4]:
        return False
    between = before[: before.index("нет")]
    for i, word in enumerate(between):
        after_preposition = i + 1 < len(between) and between[i + 1] in PREPOSITION_CASES
        if not (word in PREPOSITION_CASES or after_preposition or (has_pos(word, "ADVB") and not has_pos(word, "NOUN"))):
            return False
    return True


def context_rule(tokens: list[str], index: int) -> tuple[str, Predicate] | None:
    """The first rule that fires for tokens[index]: (its name, which analyses it allows)."""
    if _alone_in_sentence(tokens, index):
        return "alone", lambda p: p.tag.POS not in _NOMINALS or p.tag.case == "nomn"
    before = _clause_before(tokens, index)
    modifiers = 0
    while modifiers < len(before) and has_pos(before[modifiers], "ADJF", "PRTF") and before[modifiers] not in COUNT_WORDS:
        modifiers += 1
    head = before[modifiers] if modifiers < len(before) else None
    if head in GENITIVE_HEADS:
        return "genitive", lambda p: p.tag.case in ("gent", "gen2")
    if head in PREPOSITION_CASES:
        cases = PREPOSITION_CASES[head]
        return "preposition", lambda p: p.tag.case in cases
    if head in COUNT_WORDS:
        return "count", lambda p: True
    if head in QUANTITY_WORDS or (head is not None and _governs_genitive(head)) or _negated_existence(before):
        return "genitive", lambda p: p.tag.case in ("gent", "gen2")
    if modifiers:
        rule = _modifier_rule(before[0])
        if rule is not None:
            return "agreement", rule
        if head is not None:
            return None
        rule = _plural_verb_follows(tokens, index)  # "Её глаза сияли": её fits any number
        return ("plural subject", rule) if rule is not None else None
    if before and before[0] in INTENSIFIERS:
        return "short adjective", lambda p: p.tag.POS in ("ADJS", "COMP")
    rule = _genitive_attribute(tokens, index, before)
    if rule is not None:
        return "genitive attribute", rule
    adverb_first = len(before) > 1 and has_pos(before[0], "ADVB") and before[0] not in INTENSIFIERS
    subject = before[1] if adverb_first else (before[0] if before else None)
    if subject is not None and _transitive_verb(subject):
        return "animate object", lambda p: p.tag.case == "accs" and p.tag.animacy == "anim"
    if subject is not None:
        rule = _subject_rule(subject)
        return ("subject", rule) if rule is not None else None
    return _clause_initial_rule(tokens, index)


def after_count_word(tokens: list[str], index: int) -> bool:
    """Whether a numeral 2-4 stands before tokens[index] (through adjectives)."""
    if not COUNT_WORDS.intersection(tokens[max(0, index - 3):index]):
        return False
    fired = context_rule(tokens, index)
    return fired is not None and fired[0] == "count"
