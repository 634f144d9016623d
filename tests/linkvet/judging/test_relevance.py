from __future__ import annotations

import math

from linkvet.judging.relevance import cosine, document_frequencies, idf, relevance, tokens


def test_tokens_drop_stopwords_and_single_letters() -> None:
    assert tokens("The BEST project-management tool, a 2026 pick", None) == [
        "best", "project", "management", "tool", "2026", "pick"]


def test_tfidf_cosine_exact_values() -> None:
    docs = [["kanban", "boards"], ["kanban", "tips"], ["cooking", "tips"]]
    df, n = document_frequencies(docs)
    assert (dict(df), n) == ({"kanban": 2, "boards": 1, "tips": 2, "cooking": 1}, 3)
    assert idf("kanban", df, n) == math.log(4 / 3) + 1
    w_kanban, w_boards = math.log(4 / 3) + 1, math.log(4 / 2) + 1
    expected = round(w_kanban / math.sqrt(w_kanban ** 2 + w_boards ** 2), 4)
    assert relevance(["kanban", "boards"], ["kanban"], df, n) == expected
    assert relevance(["cooking"], ["kanban"], df, n) == 0.0
    assert relevance([], ["kanban"], df, n) == 0.0
    assert cosine({"a": 1.0}, {"a": 2.0}) == 1.0
