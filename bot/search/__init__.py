"""Fuzzy search over posts and passages, in memory: forgiving of typos, accents and plurals.

How a query runs (see `SearchIndex.search` in `index`):

1. Each non-stop query word is expanded against the vocabulary (`vocabulary`): the word
   itself, its plural/singular forms (`bot.text.stem`) and its near spellings, one typo
   forgiven from 4 letters and two from 9 (rapidfuzz OSA distance over length and letter
   buckets of the vocabulary). An inverted index maps each vocabulary word to passage slots.
2. Candidates are the passages holding (an expansion of) every query word, or all but one
   for longer queries, narrowed by the filters (source, dates, exclusions, quoted phrases)
   (`candidates`; the syntax is parsed in `query`).
3. Up to RERANK candidates (titles and the best-spelled matches first) are scored 0-100 by
   `ranking`: IDF-weighted coverage of the query words (fuzzy matches count for less),
   proximity of the matched words, an exact phrase bonus and a title bonus. Anything under
   `MIN_SCORE` is dropped: a query that matches nothing gives no result, not noise
   (`scoring` picks the shortlist and ranks the posts).
4. Posts take their best passage's score (plus a little for more matching passages); the
   snippet is that passage cut around the match (`snippet`), with the match's offsets for
   bolding (`highlight`).

Quotes (`quotes`) rerank matching passages for quoting; `persistence` saves and loads the
index. All `SearchIndex` methods are synchronous and thread safe (one lock), so callers can
use asyncio.to_thread. The modules inside are private: import from `bot.search`.
"""

from bot.search.index import SearchIndex
from bot.search.results import QuoteHit, QuoteResponse, SearchHit, SearchResponse

__all__ = ["QuoteHit", "QuoteResponse", "SearchHit", "SearchIndex", "SearchResponse"]
