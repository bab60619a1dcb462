"""Comparing two name forms: token alignment → a score in [0, 1] with its reasons.

The score is the product of two coverages: how much of the query the name explains, and how much
of the name the query explains, each weighted by how rare (informative) the words are. A word the
name has and the query lacks therefore costs in proportion to how much it tells names apart
("Wuhan University" is not "Wuhan University of Technology"); a word that came from a glossary
translation and found no partner costs little, since glossaries offer several readings.
Numbers are hard discriminators: 38 ≠ 39, whatever else agrees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, Levenshtein

from ..names.forms import HAN, Form

# An unmatched glossary reading weighs this share of an unmatched written word.
SOFT_UNMATCHED = 0.5
# Two Latin words this similar (normalised Levenshtein) count as the same word, scaled.
FUZZY_MIN = 0.8
FUZZY_MIN_LEN = 4
NUMBER_CONFLICT = 0.35  # both sides carry numbers and they differ
NUMBER_MISSING = 0.85  # only one side carries a number
# A form derived from a name (its parenthesised acronym, its part before a location...) is a
# little less certain than the name as written, so an exact match on the whole name ranks first.
DERIVED = 0.97
COUNT_BLEND = 0.5


@dataclass(slots=True)
class Pair:
    query: str
    name: str
    similarity: float
    how: str  # "exact", "spelling", "joined"


@dataclass(slots=True)
class FormScore:
    score: float
    pairs: list[Pair] = field(default_factory=list)
    unmatched_query: list[str] = field(default_factory=list)
    unmatched_name: list[str] = field(default_factory=list)
    penalties: list[str] = field(default_factory=list)


def _partners(qt: tuple[str, ...], b: str, script: str) -> list[tuple[float, int]]:
    """(similarity, i) for every query word i that counts as the same word as ``b``: the rule of
    :func:`_word_pairs`, for one name word."""
    out: list[tuple[float, int]] = []
    lb = len(b)
    b_fuzzy = script != HAN and lb >= FUZZY_MIN_LEN and not b.isdigit()
    slack = 1.0 - FUZZY_MIN
    for i, a in enumerate(qt):
        if a == b:
            out.append((1.0, i))
        elif b_fuzzy:
            la = len(a)
            if la < FUZZY_MIN_LEN or abs(la - lb) > slack * (la if la > lb else lb) or a.isdigit():
                continue
            sim = OSA.normalized_similarity(a, b)
            if sim >= FUZZY_MIN:
                out.append((sim, i))
    return out


def _word_pairs(qt: tuple[str, ...], ct: tuple[str, ...], script: str,
                memo: dict[str, list[tuple[float, int]]] | None = None) -> list[tuple[float, int, int]]:
    """(similarity, i, j) for every query word i and name word j that count as the same word.

    Equal words score 1. Latin words of ``FUZZY_MIN_LEN`` letters or more, neither a number,
    score their optimal-string-alignment similarity (a transposition — Lnogshine, CloudaWlk —
    costs one edit) when it reaches ``FUZZY_MIN``; lengths too far apart for that are skipped
    before comparing. The hottest loop of screening: written for speed.

    ``memo`` (name word → its partners among ``qt``), kept while one query form meets its
    candidates, answers each name word once: candidates share words, the retrieving ones first.
    """
    if memo is None:
        memo = {}
    pairs: list[tuple[float, int, int]] = []
    for j, b in enumerate(ct):
        found = memo.get(b)
        if found is None:
            found = memo[b] = _partners(qt, b, script)
        for s, i in found:
            pairs.append((s, i, j))
    return pairs


def compare_forms(q: Form, c: Form, weight: Callable[[str], float],
                  miss_weight: Callable[[str], float] | None = None, *, floor: float = 0.0,
                  memo: dict[str, list[tuple[float, int]]] | None = None) -> FormScore:
    """Score query form ``q`` against list-name form ``c`` (same script).

    ``weight`` is what a shared word counts; ``miss_weight`` (default: the same) what a word
    costs when the other side lacks it. A pair that cannot reach ``floor`` scores 0 as soon as
    that is certain (see :func:`_below`): screening asks only for the names near its threshold.
    ``memo``: a dict kept for one query form ``q`` across the list forms it meets (see
    :func:`_word_pairs`).
    """
    miss = miss_weight or weight
    qt, ct = q.tokens, c.tokens
    nq, nc = len(qt), len(ct)
    q_used = [0.0] * nq
    c_used = [0.0] * nc
    pairs: list[Pair] = []

    # 1. Exact and near-exact word pairs, best first.
    cands = _word_pairs(qt, ct, q.script, memo)
    # On equal similarity a written word claims its partner before a glossary reading, and a
    # reading of a short group before one of a long group (陆军 "army" before 中国人民解放军's).
    if q.groups is not None:
        gsize: dict[int, int] = {}
        for gid in q.groups:
            gsize[gid] = gsize.get(gid, 0) + 1
        cands.sort(key=lambda x: (-x[0], q.soft[x[1]], gsize[q.groups[x[1]]], x[1], x[2]))
    else:
        cands.sort(key=lambda x: (-x[0], x[1], x[2]))
    for s, i, j in cands:
        if q_used[i] or c_used[j]:
            continue
        q_used[i] = c_used[j] = s
        pairs.append(Pair(qt[i], ct[j], s, "exact" if s == 1.0 else "spelling"))
    if floor > 0.0 and _below(q, c, q_used, c_used, floor):
        return FormScore(0.0)

    # 2. Words written joined on one side and apart on the other: "huawei" ~ "hua wei".
    if q.script != HAN and 0 in q_used and c_used.count(0) + q_used.count(0) > 2:
        _join_pairs(qt, ct, q_used, c_used, pairs, query_joined=True)
        _join_pairs(ct, qt, c_used, q_used, pairs, query_joined=False)

    wq_total = wq_match = 0.0
    unmatched_q: list[str] = []
    if q.groups is None:
        for i, tok in enumerate(qt):
            if q_used[i]:
                w = weight(tok)
                wq_total += w
                wq_match += w * q_used[i]
            else:
                wq_total += miss(tok)
                unmatched_q.append(tok)
    else:
        # A group is one source word read several ways (研究院 → academy | research institute).
        # It is scored by its best reading: matched words count, the reading's other words cost
        # half (the glossary may word it differently from the list); a group with no word
        # matched costs its cheapest reading, halved for glossary readings.
        by_group: dict[int, list[int]] = {}
        for i, gid in enumerate(q.groups):
            by_group.setdefault(gid, []).append(i)
        assert q.alts is not None
        for members in by_group.values():
            bits = 0
            for i in members:
                bits |= q.alts[i]
            best = None  # (matched, total_missing_cost, reading_total)
            k = 0
            while bits >> k:
                if (bits >> k) & 1:
                    matched = missing = total = 0.0
                    for i in members:
                        if not (q.alts[i] >> k) & 1:
                            continue
                        w = weight(qt[i])
                        total += w
                        if q_used[i]:
                            matched += w * q_used[i]
                        else:
                            missing += miss(qt[i]) * (SOFT_UNMATCHED if q.soft[i] else 1.0)
                    # A reading half matched names something else ("mobile communications" is not
                    # "communications"): its missing words then cost in full.
                    if matched:
                        missing = sum(miss(qt[i]) for i in members
                                      if (q.alts[i] >> k) & 1 and not q_used[i])
                    cand = (matched, missing, total)
                    if best is None or (cand[0] - cand[1], -cand[2]) > (best[0] - best[1], -best[2]):
                        best = cand
                k += 1
            if best is None:
                continue
            matched, missing, _total = best
            wq_match += matched
            wq_total += matched + missing
            if not matched:
                unmatched_q.extend(qt[i] for i in members if not q_used[i])
    wc_total = wc_match = 0.0
    unmatched_c: list[str] = []
    for j, tok in enumerate(ct):
        if c_used[j]:
            w = weight(tok)
            wc_total += w
            wc_match += w * c_used[j]
        else:
            wc_total += miss(tok)
            unmatched_c.append(tok)
    if wq_total <= 0 or wc_total <= 0 or wq_match <= 0:
        score = 0.0
    else:
        # The name side blends weighted and plain word coverage: a frequent word missing from
        # the query ("science and technology" in 南京理工大学 vs 南京大学) still names another
        # party, however common the word is across the lists.
        # The blend only ever lowers the score: a rare listed word missing stays as costly as
        # its weight says.
        c_weighted = wc_match / wc_total
        c_count = sum(1 for x in c_used if x) / nc
        q_weighted = wq_match / wq_total
        if q.groups is None:  # written words: the same blend (glossary readings have their own rule)
            q_count = sum(1 for x in q_used if x) / nq
            q_weighted = min(q_weighted, COUNT_BLEND * q_count + (1 - COUNT_BLEND) * q_weighted)
        score = q_weighted * min(c_weighted, COUNT_BLEND * c_count + (1 - COUNT_BLEND) * c_weighted)
    # 3. Spacing errors on both sides ("Inspu rGroup"): compare the words run together.
    if score < 0.9 and q.script != HAN and nq + nc > 2:
        qc, cc = q.compact, c.compact
        if min(len(qc), len(cc)) >= 6:
            # Only spacing and a slip or two: whole words missing on one side are not this case.
            whole = OSA.normalized_similarity(qc, cc, score_cutoff=0.88)
            if whole and OSA.distance(qc, cc) <= 2 and whole > score:
                score = whole
                pairs = [Pair(q.text, c.text, whole, "written together")]
                unmatched_q, unmatched_c = [], []
    if score <= 0:
        return FormScore(0.0, pairs, unmatched_q, unmatched_c)

    penalties: list[str] = []
    if q.numbers and c.numbers and q.numbers != c.numbers:
        score *= NUMBER_CONFLICT
        penalties.append(
            f"numbers differ ({', '.join(sorted(q.numbers))} vs {', '.join(sorted(c.numbers))})"
        )
    elif q.numbers != c.numbers:
        score *= NUMBER_MISSING
        side = "the listed name" if c.numbers else "the query"
        penalties.append(f"only {side} carries a number ({', '.join(sorted(q.numbers | c.numbers))})")
    if q.derived or c.derived:
        score *= DERIVED
    return FormScore(min(1.0, score), pairs, unmatched_q, unmatched_c, penalties)


def join_masks(tokens: tuple[str, ...]) -> tuple[int, int, int]:
    """The lengths :func:`hopeless` looks at: two bit masks — the lengths of the words of four
    letters or more, and the word lengths that two or three neighbouring words written together
    would fit (step 2's length test; bit 0 stands for "a joined length beyond the table") — and
    the length of the name written together (step 3's)."""
    words = 0
    fits = 0
    n = len(tokens)
    for j, t in enumerate(tokens):
        if len(t) >= 4:
            words |= 1 << len(t)
        if j + 1 < n:
            lj = len(t) + len(tokens[j + 1])
            fits |= _FITS[lj] if lj < len(_FITS) else 1
            if j + 2 < n:
                lj += len(tokens[j + 2])
                fits |= _FITS[lj] if lj < len(_FITS) else 1
    return words, fits, sum(len(t) for t in tokens)


def hopeless(q: Form, c: Form, q_masks: tuple[int, int, int], c_masks: tuple[int, int, int],
             memo: dict[str, list[tuple[float, int]]], floor: float) -> bool:
    """Whether the pair certainly scores under ``floor``, known before :func:`compare_forms` runs.

    The bound of :func:`_below`, from cheaper facts: the words that have a partner at all (a word
    pairs at most once, so at most these are paired), and, for the steps that pair more words,
    the lengths of the two names alone, whichever words end up paired (``join_masks``) — or,
    when each word has at most one partner, the words step 1 will leave unpaired.
    """
    qt, ct = q.tokens, c.tokens
    paired_c = 0
    q_bits = c_bits = 0  # the words with a partner
    one_to_one = True  # each of them with exactly one: step 1 will pair exactly these
    script = q.script
    for j, b in enumerate(ct):
        found = memo.get(b)
        if found is None:
            found = memo[b] = _partners(qt, b, script)
        if found:
            paired_c += 1
            c_bits |= 1 << j
            if len(found) > 1:
                one_to_one = False
            for _s, i in found:
                if q_bits >> i & 1:
                    one_to_one = False
                q_bits |= 1 << i
    nq, nc = len(qt), len(ct)
    if q_bits:
        q_bound = 1.0 if q.groups is not None else 0.5 * q_bits.bit_count() / nq + 0.5
        if q_bound * (0.5 * paired_c / nc + 0.5) >= floor:
            return False
    if script == HAN:
        return True
    # Words written together may pair, by the lengths of the names alone; when they may, knowing
    # which words step 1 leaves unpaired tells more, if each word has one partner at most.
    may_join = bool(q_masks[0] & c_masks[1] or c_masks[0] & q_masks[1] or (c_masks[1] & 1 and q_masks[0])
                    or (q_masks[1] & 1 and c_masks[0]))
    if may_join and not one_to_one:
        return False
    return not _more_pairs(q, c, ~q_bits if may_join else 0, ~c_bits if may_join else 0,
                           q_masks[2], c_masks[2], floor)


def _below(q: Form, c: Form, q_used: list[float], c_used: list[float], floor: float) -> bool:
    """Whether the pair's score is certainly under ``floor``, knowing its word pairs (step 1).

    Most candidates share a word or two with the query and no more (87 % of them score under
    0.2); this bound lets them go before the costly steps. It is sound, never a guess:

    - each side's coverage is at most ``0.5 · (share of its words paired) + 0.5``, since the
      weighted share is at most 1 and the blend with the plain share only lowers it (a side of
      glossary readings, scored by its own rule, is bounded by 1);
    - number and derived-form factors only lower a score;
    - the two steps that can pair more words — joined words and names written together — are
      checked for possibility by the lengths each of them tests first; when either is
      possible, the answer is "not certain".
    """
    nq, nc = len(q_used), len(c_used)
    fq, fc = q_used.count(0), c_used.count(0)  # words left unpaired
    if fq < nq:
        q_bound = 1.0 if q.groups is not None else 0.5 * (nq - fq) / nq + 0.5
        if q_bound * (0.5 * (nc - fc) / nc + 0.5) >= floor:
            return False
    if q.script == HAN:
        return True  # steps 2 and 3 compare Latin letters only
    q_free = sum(1 << i for i, u in enumerate(q_used) if not u)
    c_free = sum(1 << j for j, u in enumerate(c_used) if not u)
    return not _more_pairs(q, c, q_free, c_free, sum(map(len, q.tokens)), sum(map(len, c.tokens)), floor)


def _more_pairs(q: Form, c: Form, q_free: int, c_free: int, lq: int, lc: int, floor: float) -> bool:
    """Whether steps 2 and 3 of :func:`compare_forms` may lift a Latin pair to ``floor``, by the
    tests each of them makes first. ``q_free``/``c_free``: bit masks of the words step 1 leaves
    unpaired (0: joined words need not be looked at); ``lq``/``lc``: the names' lengths written
    together."""
    qt, ct = q.tokens, c.tokens
    nq, nc = len(qt), len(ct)
    # Step 2, joined words: an unpaired word as long as two or three unpaired neighbours.
    fq = (q_free & ((1 << nq) - 1)).bit_count()
    fc = (c_free & ((1 << nc) - 1)).bit_count()
    if fq and fq + fc > 2 and (_may_join(qt, ct, q_free, c_free) or _may_join(ct, qt, c_free, q_free)):
        return True
    # Step 3, names written together: compact texts of six letters or more within two edits.
    if nq + nc > 2 and min(lq, lc) >= 6 and abs(lq - lc) <= 2:
        whole = OSA.normalized_similarity(q.compact, c.compact, score_cutoff=0.88)
        if whole and whole >= floor:
            return True
    return False


def _join_fits(lj: int, la: int) -> bool:
    """The length test of :func:`_join_pairs`: similarity 0.9 needs lengths within a tenth."""
    return abs(lj - la) <= 0.1 * (lj if lj > la else la) + 1e-9


# Joined length → bit mask of the word lengths (4 letters or more) it fits.
_FITS = [sum(1 << la for la in range(4, 2 * lj + 8) if _join_fits(lj, la)) for lj in range(128)]


def _may_join(a_toks: tuple[str, ...], b_toks: tuple[str, ...], a_free: int, b_free: int) -> bool:
    """Whether :func:`_join_pairs` could pair anything, by the lengths it checks first.

    ``a_free`` and ``b_free`` are bit masks of the words still unpaired (bit i: word i)."""
    lengths = 0  # bit mask of the lengths of unpaired words of A, 4 letters or more
    for i, a in enumerate(a_toks):
        if a_free >> i & 1 and len(a) >= 4:
            lengths |= 1 << len(a)
    if not lengths:
        return False
    n = len(b_toks)
    for j in range(n - 1):
        if b_free >> j & 3 != 3:
            continue
        lj = len(b_toks[j]) + len(b_toks[j + 1])
        for size in (2, 3):
            if size == 3:
                if j + 2 >= n or not b_free >> (j + 2) & 1:
                    break
                lj += len(b_toks[j + 2])
            if lj < len(_FITS):
                if _FITS[lj] & lengths:
                    return True
            elif any(_join_fits(lj, la) for la in range(4, lengths.bit_length()) if lengths >> la & 1):
                return True
    return False


def _join_pairs(
    a_toks: tuple[str, ...],
    b_toks: tuple[str, ...],
    a_used: list[float],
    b_used: list[float],
    pairs: list[Pair],
    *,
    query_joined: bool,
) -> None:
    """Match one unused word of A against 2–3 consecutive unused words of B written together."""
    free_b = sum(1 for x in b_used if not x)
    if free_b < 2:
        return
    b_len = [len(t) for t in b_toks]
    for i, a in enumerate(a_toks):
        la = len(a)
        if a_used[i] or la < 4:
            continue
        for size in (2, 3):
            for j in range(len(b_toks) - size + 1):
                if b_used[j] or b_used[j + 1] or (size == 3 and b_used[j + 2]):
                    continue
                # Similarity 0.9 needs lengths within a tenth of each other: skip the others
                # before building and comparing the joined word.
                lj = b_len[j] + b_len[j + 1] + (b_len[j + 2] if size == 3 else 0)
                if not _join_fits(lj, la):
                    continue
                joined = "".join(b_toks[j : j + size])
                s = 1.0 if joined == a else Levenshtein.normalized_similarity(joined, a)
                if s >= 0.9:
                    a_used[i] = s
                    for k in range(size):
                        b_used[j + k] = s
                    spaced = " ".join(b_toks[j : j + size])
                    pairs.append(Pair(a, spaced, s, "joined") if query_joined else Pair(spaced, a, s, "joined"))
                    break
            if a_used[i]:
                break
