"""Generate (LLM): retrieved chunks -> numbered sources -> the model's answer -> checked claims.

`LLMSynthesizer` is the answerer (`rag.answer.synthesizer.Synthesizer`) beside the extractive
one. It shows the model the reranked chunks as numbered sources (title and date, cut to the
context window), asks with the prompts in `prompts/`, then trusts nothing: every sentence of the
reply is checked against the sources it cites (`rag.answer.claims`) and cited by the exact
supporting sentence, with its offsets, as the extractive answers are. Markers to no source
disappear; a sentence no cited source supports is kept but shown as unverified (`〔未核实〕`,
`verified: false`). When nothing the model said can be verified, or the model cannot be
reached, the extractive answer is given instead, with a notice saying why: a fluent answer is
worth less than a checked one.

The model writes Simplified Chinese; a Traditional question gets its wording converted by OpenCC
(quotes stay verbatim, in their source's script).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from llama_index.core.llms import LLM, ChatMessage
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.answer.cite import CANNOT_ANSWER, MARKER, make_citation, marker
from rag.answer.claims import CLAUSE_NOT_SUPPORTED, CheckedClaim, Source, check
from rag.answer.corpus import Documents
from rag.answer.extractive import ExtractiveSynthesizer
from rag.answer.llm import chat, messages
from rag.answer.prompt import render
from rag.errors import ServiceError
from rag.settings import Settings
from rag.text.guard import echoes, mask
from rag.text.script import in_script, is_traditional, search_key
from rag.types import Citation, Claim, Synthesis

UNVERIFIED = "〔未核实〕"
"""Shown after a sentence no cited source supports."""
FELL_BACK = "〔{why}，以下为原文摘录〕"
MODEL_FAILED = "大模型服务调用失败"
NOT_VERIFIED = "大模型的回答无法在资料中核实"
_PROMPT_MARGIN = 400  # tokens kept free for the prompt's own words and the tokenizer's error
log = logging.getLogger(__name__)
ECHO_DROPPED = "dropped {n} sentence(s) of the model's answer that repeated its instructions"
_UNSAFE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^>\n]{1,200}>")  # images, HTML tags


class LLMSynthesizer:
    """Answers with the configured chat model; every claim checked, extractive as fallback."""

    def __init__(
        self,
        documents: Documents,
        llm: LLM,
        settings: Settings,
        fallback: ExtractiveSynthesizer,
        names: Collection[str] = (),
    ) -> None:
        """`names`: the corpus's vocabulary of names the claim checker holds claims to."""
        self._llm = llm
        self._documents = documents
        self._settings = settings
        self._fallback = fallback
        self._names = names

    def synthesize(
        self,
        query: QueryBundle,
        nodes: Sequence[NodeWithScore],
        on_token: Callable[[str], None] | None = None,
    ) -> Synthesis:
        question = query.query_str
        sources = self.sources(nodes, question)
        if not sources:  # nothing retrieved: the extractive answerer refuses, no call needed
            return self._fallback.synthesize(query, nodes)
        system = render("system", refusal=CANNOT_ANSWER)
        shown, withheld = format_sources(sources)
        prompt = messages(system, render("answer", sources=shown, question=question))
        try:
            reply = chat(self._llm, prompt, self._settings, on_token)
        except ServiceError as exc:
            return self._instead(query, nodes, MODEL_FAILED, str(exc))
        reply = _UNSAFE.sub("", reply).strip()
        traditional = is_traditional(question)
        if not reply or (search_key(CANNOT_ANSWER) in search_key(reply) and len(reply) < 40):
            return Synthesis(in_script(CANNOT_ANSWER, traditional))
        # sentences repeating the system prompt or withheld text (a model asked for its
        # instructions, or obeying them) are dropped, not shown as unverified
        protected = [system.replace(CANNOT_ANSWER, ""), *withheld]
        claims_all = check(reply, sources, question=question, names=self._names)
        checked = [c for c in claims_all if not echoes(c.text, protected)]
        dropped = len(claims_all) - len(checked)
        if not any(c.verified for c in checked):
            why = "the model's answer could not be verified against the sources"
            if dropped:
                why = "the model's answer repeated its instructions"
            return self._instead(
                query, nodes, NOT_VERIFIED, f"{why}; the extractive answer is shown"
            )
        text, citations, claims = compose(checked, traditional)
        if dropped:
            log.warning(ECHO_DROPPED.format(n=dropped))
        return Synthesis(text, tuple(citations), tuple(claims), True)

    def sources(self, nodes: Sequence[NodeWithScore], question: str) -> list[Source]:
        """The first `llm_sources` chunks, numbered from 1, as many as the context window holds."""
        from rag.ingest.chunk import count_tokens

        budget = (
            self._settings.llm_context_window
            - self._settings.llm_max_tokens
            - count_tokens(render("system", refusal=CANNOT_ANSWER) + question)
            - _PROMPT_MARGIN
        )
        sources: list[Source] = []
        for n in nodes[: self._settings.llm_sources]:
            read = self._documents.read(n.node)
            if read is None:
                continue
            chunk, doc = read
            budget -= chunk.tokens or count_tokens(chunk.text)
            if budget < 0:
                break
            sources.append(Source(len(sources) + 1, doc, chunk.start, chunk.end, chunk.sentences))
        return sources

    def _instead(
        self, query: QueryBundle, nodes: Sequence[NodeWithScore], why: str, notice: str
    ) -> Synthesis:
        """The extractive answer, headed by a line saying why it is given."""
        found = self._fallback.synthesize(query, nodes)
        head = in_script(FELL_BACK.format(why=why), is_traditional(query.query_str))
        return replace(found, text=f"{head}\n{found.text}", notice=notice)


def format_sources(sources: Sequence[Source]) -> tuple[str, list[str]]:
    """The numbered sources as the model reads them, with sentences written to an AI withheld
    (`rag.text.guard`), and the withheld sentences."""
    parts: list[str] = []
    withheld: list[str] = []
    for s in sources:
        text, held = mask(s.doc.text[s.start : s.end])
        withheld += held
        date = s.doc.meta.date or "日期不详"
        parts.append(render("source", n=s.n, title=s.doc.meta.title, date=date, text=text))
    return "\n\n".join(parts), withheld


def compose(
    checked: Sequence[CheckedClaim], traditional: bool
) -> tuple[str, list[Citation], list[Claim]]:
    """The answer text (each verified sentence followed by the markers of its quotes, the
    rest flagged; of a sentence whose only fault is one invented clause, that clause alone),
    the quotes numbered by first use, and the claims."""
    citations: list[Citation] = []
    numbers: dict[tuple[str, int, int], int] = {}
    parts: list[str] = []
    claims: list[Claim] = []

    def cite(claim: CheckedClaim) -> list[int]:
        cited: list[int] = []
        for s in claim.support:
            span = (s.doc.doc_id, s.start, s.end)
            if span not in numbers:
                numbers[span] = len(citations) + 1
                citations.append(make_citation(numbers[span], s.doc, s.start, s.end, s.section))
            if numbers[span] not in cited:
                cited.append(numbers[span])
        return cited

    for claim in checked:
        text = in_script(claim.text, traditional)
        prefix = CLAUSE_NOT_SUPPORTED + ":"
        clause = claim.reason.removeprefix(prefix) if claim.reason.startswith(prefix) else ""
        at = text.find(in_script(clause, traditional)) if clause and claim.support else -1
        if at > 0:  # the rest of the sentence is cited, the invented clause is marked
            cited = cite(claim)
            markers = "".join(marker(n) for n in cited)
            parts.append(text[:at] + markers + text[at:] + UNVERIFIED)
        else:
            cited = cite(claim) if claim.verified else []
            parts.append(
                text + ("".join(marker(n) for n in cited) if claim.verified else UNVERIFIED)
            )
        claims.append(Claim(text, tuple(cited), claim.verified, claim.reason))
    text = "".join(p if i == 0 else _joint(parts[i - 1]) + p for i, p in enumerate(parts))
    return text, citations, claims


def _joint(previous: str) -> str:
    """Sentences of one paragraph run on; a line without closing punctuation was a list item."""
    bare = re.sub(f"(?:{MARKER.pattern})+$|" + re.escape(UNVERIFIED) + "$", "", previous)
    return "" if bare.endswith(("。", "！", "？", "；", "!", "?", ";")) else "\n"


def rewrite(question: str, history: Sequence[str], llm: LLM, settings: Settings) -> str:
    """A follow-up rewritten by the model into a question that stands alone (one line)."""
    prompt = render("condense", history="\n".join(history), question=question)
    reply = chat(llm, [ChatMessage(role="user", content=prompt)], settings)
    line = next((x.strip() for x in reply.splitlines() if x.strip()), "")
    return line[: settings.max_question_chars]
