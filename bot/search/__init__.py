"""Fuzzy search over posts and passages, on disk: forgiving of typos, accents and plurals.

How a query runs (see `SearchIndex.search` in `index`):

1. The query's syntax is parsed (`query`). Each non-stop word is resolved against the
   vocabulary (`vocabulary`): the word itself with its plural/singular forms (one stem,
   `bot.text.stem`, one postings list) and its near spellings (a word the index does not
   know: one typo forgiven from 4 letters and two from 9, rapidfuzz OSA distance over
   length and letter buckets of the vocabulary; a known word: only its longer or shorter
   endings), with the postings of each: the slots (a post's title and passages, numbered)
   holding it, where it first stands in each and whether it stands there again
   (`postings` builds them for a batch of passages at once, `index_file` reads them;
   removed posts' slots are masked out). The words, their IDF weights and the query's
   layout make a `ResolvedQuery` (`resolved`).
2. The query's filters (source, dates, exclusions, quoted phrases) become a mask over posts
   (`query_filters`).
3. Every post holding enough of the query words, in its title and passages together, gets
   a cheap score from the postings with numpy (`shortlist`): a BM25F-like score over its
   fields (`kinds`), plus an estimate of its best passage (share of the query, closeness
   of the words, likely phrase, title) read MaxScore-like, only where it can still matter
   (for 3,000 posts at most). The best SHORTLIST posts (never the newest: recency only
   breaks ties) are read.
4. Their best passages are scored 0-100 (`passage_score`: IDF-weighted coverage,
   proximity, exact phrase, title) and the posts ranked (`post_ranking`), words spread over
   passages counting as words far apart; anything under `MIN_SCORE` is dropped. The
   snippet is the best passage, or two passages joined by " … " when the words stand
   apart, with each match's offsets for bolding (`highlight`, `snippet`).

A private message that is conversation rather than words to search (« Bonjour ! »,
« merci », « 👍 », « comment ça marche ? ») is told apart by `small_talk`.
Quotes (`quotes`) rank passages by how closely their wording and order follow the query.
The index lives in a SQLite file of its own (`index_file`: posts, texts, postings by stem
appended in parts, numpy columns saved in chunks by `columns`); `contents` holds what is
kept in memory and applies every update to memory and file in one transaction. All `SearchIndex`
methods are synchronous and thread safe (one lock), so callers can use asyncio.to_thread.
`live.Searcher` keeps an index in step with the store and queries it off the event loop.
The modules inside are private: import from `bot.search`.
"""

from bot.search.index import SearchIndex
from bot.search.live import IndexRebuilding, Searcher
from bot.search.results import QuoteHit, QuoteResponse, SearchHit, SearchResponse
from bot.search.small_talk import small_talk

__all__ = [
    "IndexRebuilding",
    "QuoteHit",
    "QuoteResponse",
    "SearchHit",
    "SearchIndex",
    "SearchResponse",
    "Searcher",
    "small_talk",
]
