"""Answer: retrieved chunks -> a cited answer, behind one interface (`synthesizer`).

- The documents as the answerer reads them, derived text kept per engine (`documents`,
  `corpus`: the engine's set and the documents a question names).
- How well a sentence answers a question (`evidence`, with the kind of answer asked in `kinds`
  and what a sentence leans on in `context`); the retrieved chunks reordered by it (`rerank`).
- The offline answerer: the scored candidates (`candidates`), quotes beyond one sentence
  (`spans`), the answer (`extractive`) and the short span it shows first (`short`).
- The LLM path: the chat model (`llm`), the prompts (`prompt`), the answer (`generate`) and its
  claim checker (`claims`, with `claimtext`, `claimsources`, `claimrules`).
- The citation contract, where quotes get their offsets (`cite`).
"""
