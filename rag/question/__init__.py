"""Question: what a question asks, before anything is retrieved. Its words and their forms
(`words`); its terms and their weights over the corpus, anchors, the kind of answer asked and
its facets (`analysis`); a follow-up made whole and instructions aimed at the assistant taken
out (`rewrite`). Retrieval and the answerer both read it."""
