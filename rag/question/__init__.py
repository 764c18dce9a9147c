"""Question: what a question asks, before anything is retrieved (`analysis`): its terms and
their weights over the corpus, anchors, the kind of answer asked, its facets, a follow-up made
whole, instructions aimed at the assistant stripped. Retrieval and the answerer both read it."""
