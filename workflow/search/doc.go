// Package search is the platform node's contract index: keyword and filter
// queries over a million contracts and more, newest first, in pages. It is
// the node's own, off chain, and derived: the workflow database is the
// truth and the index can be deleted and rebuilt from it at any time.
//
// # What is indexed
//
// For each contract ([Doc]): the title, the id, each party's display name
// (masked) and verified name (a person's or a company's; sealed in the
// workflow DB) and role, and the template field values,
// as terms (see tokens: words for Latin letters and digits, overlapping
// bigrams for Chinese, as Lucene's and bleve's CJK analysers do); the
// status, the template id and each party's identity id as exact filters;
// the creation time as the sort key. A [Query] matches contracts that hold
// every term of its text and every filter, created in its range.
//
// # Layout and the join
//
// The index is a pebble DB of its own (keys in index.go): one key per
// (term, contract), ordered by the term's hash and then by ^created, so a
// term's posting list reads newest first; a date range is a bound on
// every list. A query seeks through its lists together (leapfrog join)
// and stops once it has a page, so its cost follows the rarest list and
// the page size, not the number of contracts. Measurements against bleve
// (scorch) are in docs/benchmarks.md.
//
// # Protection
//
// Terms are stored only as HMAC-SM3 under a key the caller derives from
// the workflow KEK (workflow.SearchKey), truncated to 64 bits: the files
// hold no title, name, ID number or field value in clear, only contract
// ids, creation times, statuses' and templates' hashes, and how many
// contracts share each (unnamed) term. Someone with the files and not the
// key can test no guess offline. The index is built under one key and
// reads as needing a rebuild under another ([Index.State]).
//
// # Bounds
//
// A query's text is at most [MaxQueryBytes] and [MaxTerms] terms, a page at
// most [MaxLimit]; there are no wildcard, regular expression or fuzzy
// terms; and each query runs under a time limit ([DefaultTimeout]) checked
// as it walks the lists, failing with [ErrTimeout]. The slowest query we
// could build (two frequent terms that never meet) is in docs/benchmarks.md.
package search
