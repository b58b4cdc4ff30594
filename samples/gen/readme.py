"""Renders samples/README.md from the counts check.stats() made, so the two never disagree."""


def set_line(name, h):
    """One sentence of a pool set's counts, as counts.json holds them."""
    return (f"\nThe {name} set as last generated: {h['calls']} calls "
            f"({h['internal_calls']} internal meetings, "
            f"{sum(n for k, n in h['languages'].items() if k != 'en')} not in English),\n"
            f"{h['mentions']} request mentions of {h['distinct_requests']} requests, "
            f"{sum(h['negative_patterns'].values())} planted negatives, "
            f"{h['bytes']:,} bytes.")


def render(s, truth, heldout=None, test=None):
    titles = truth["requests"]
    rows = "\n".join(
        f"| `{key}` | {titles[key]['title']} | {titles[key]['theme']} | {n} |"
        for key, n in s["mentions_per_request"].items())
    extra = s["mentions_incl_private"] - s["mentions"]
    pattern_rows = "\n".join(f"| `{k}` | {n} |" for k, n in s["request_patterns"].items())
    negative_rows = "\n".join(f"| `{k}` | {n} |" for k, n in s["negative_patterns"].items())
    if heldout:
        heldout_text = set_line("held-out", heldout)
    else:
        heldout_text = "\nThe held-out set has not been generated in this checkout."
    if test:
        test_text = set_line("test", test)
    else:
        test_text = "\nThe test set has not been generated in this checkout."
    return f"""# Sample calls

Fictional sales and success calls between **Helpdeskly** (a made-up shared-inbox and help-desk
SaaS) and the six customers of the demo workspace that `scripts/demo/demo.sh` creates (Northwind
Logistics, Globex Health, Initech Software, Umbrella Retail, Hooli Travel, Vandelay Imports), for
running callsift end to end without a Gong account. Every name, company, e-mail address and number
in here is invented; the `.example` domains do not exist.

| File | What it is |
|------|------------|
| `calls.jsonl` | The replay file: one Gong call per line, as `/v2/calls/extensive` returns it (`metaData`, `parties`, `context` on two calls) plus `transcript`, the call's element of `/v2/calls/transcript`'s `callTranscripts` (DESIGN.md section 2, "the replay file"). |
| `truth.json` | What a perfect pipeline finds: the canonical requests, and per call id its customer, the requests voiced (with the exact sentence), the bugs reported, and whether it is private or internal. |
| `heldout/` | The held-out set (`calls.jsonl`, `truth.json`, `counts.json`): same customers and patterns, other words. |
| `test/` | The test set (the same three files): same customers and patterns, words of its own, and a few requests of its own. |
| `generate_calls.py`, `gen/` | The generator. |

## Generating

    python3 samples/generate_calls.py                 # the development set: calls.jsonl, truth.json, README.md
    python3 samples/generate_calls.py --set heldout   # the held-out set: heldout/
    python3 samples/generate_calls.py --set test      # the test set: test/

Python 3 standard library only, deterministic (fixed seeds, no clock): the same run gives the
same bytes. It writes the files, then reads them back and checks that every line parses, call
ids are unique, every sentence's speaker is one of the call's parties, monologues alternate
speakers, sentence times increase, every truth request and bug sentence is said by a customer
in its call (External, or Unknown as the customer side), every restatement context by
Helpdeskly, every negative is in its call, internal meetings have no customer voice and no
requests, and every canonical title is good by its own terms. The held-out run also checks that
no sentence of four words or more is in the development set too; the test run, that none is in
the development set or the held-out set (naming only how many for the held-out set).

**Three sets.** `calls.jsonl` is the development set: the demo replays it, and the offline
extractor is tuned on it. `heldout/` is for measuring only: built from
`gen/heldout_phrasings.py`, whose phrasings (requests, questions, negatives, filler) are a pool
disjoint from the development one (`gen/requests.py`, `gen/patterns.py`, `gen/smalltalk.py`,
`gen/sales.py`), arranged with another seed. Do not tune on it, and do not read its phrasings
when changing the extractor.
{heldout_text}

`test/` is for reporting figures only, on a set nobody has tuned against: built from
`gen/test_phrasings.py`, a third pool disjoint from both others, arranged with a third seed,
with the canonical requests and a few of its own (its `NEW_REQUESTS`, in its `truth.json`).
Never tune on it, never read its phrasings or sentences; report only its aggregate figures.
{test_text}

The generator is split by concern: `gen/people.py` (Helpdeskly staff, customers and their
contacts), `gen/requests.py` (the canonical requests, several wordings each, and the bugs),
`gen/smalltalk.py` and `gen/sales.py` (greetings, small talk, demo lines, roadmap pitches, pricing,
renewal, the internal and private calls), `gen/longcall.py` (planning talk for the long call),
`gen/plan.py` (which call carries which requests and bugs), `gen/build.py` and `gen/assemble.py`
(conversations and calls), `gen/patterns.py` (the development set's pattern calls, built by
`gen/episodes.py`), `gen/heldout_phrasings.py` (the held-out set), `gen/test_phrasings.py` (the
test set), `gen/gong.py` (Gong's JSON shapes and timings), `gen/check.py` (checks, counts and the
good-title rule), `gen/readme.py` (this file).

## What is in it

| | |
|---|---|
| Calls | {s['calls']} ({s['customer_calls']} with customers, {s['internal_calls']} internal meetings); 40 planned calls in October, the pattern calls in November |
| Calls with a party Gong marks Unknown | {s['unknown_calls']} |
| Calls not in English | {sum(n for k, n in s['languages'].items() if k != 'en')} ({', '.join(k for k in s['languages'] if k != 'en')}) |
| Customers | {s['customers']} |
| Distinct feature requests | {s['distinct_requests']} ({len(titles)} canonical), across the 4 demo themes |
| Request mentions | {s['mentions']} in {s['calls_with_requests'] - s['private_calls']} shareable calls (+{extra} in the private call) |
| Bug reports | {s['bug_reports']}, in {s['bug_calls']} calls |
| Customer calls with no request | {s['no_request_calls']} (pricing, renewal, small talk) |
| Private calls (`isPrivate: true`) | {s['private_calls']} |
| Calls with Salesforce CRM context | {s['crm_context_calls']} |
| Sentences | {s['sentences']} |
| Longest call | {s['longest_call']['sentences']} sentences, {s['longest_call']['minutes']} minutes, requests buried in it |
| `calls.jsonl` size | {s['bytes']:,} bytes |

## Patterns

Every request mention in `truth.json` has a `pattern`; the sentence is always the customer's.

| Pattern | What it is |
|---------|------------|
| `explicit` | The customer asks for it ("We really need...", "Is there any way to..."). |
| `question-no` | A capability question the rep answers not yet, roadmap or workaround ("you'd need Zapier"): a gap, so a request; the sentence is the question. |
| `need` | A need stated as a problem, with no request phrase ("two agents end up replying to the same email"). |
| `restatement` | The rep restates the ask, the customer agrees: the sentence is the customer's agreement, `context` the rep's restatement. |
| `unknown-speaker` | Said by a party Gong marks `Unknown`: one with an e-mail on the customer's domain next to an External contact, or one with no e-mail in a call whose External contacts are silent (a room system). |
| `churn` | A reason the customer may leave, on a renewal call, stated as a problem. |

Request mentions per pattern (shareable calls):

| Pattern | Mentions |
|---------|----------|
{pattern_rows}

Each call also lists `negatives`, the traps planted in it (`sentence`, `pattern`); none is a
request:

| Pattern | What it is | Planted |
|---------|------------|---------|
{negative_rows}

(`question-yes`: a capability question the rep answers yes; `sales-process`: recordings,
proposals, seats, pilots, scheduling, pricing, paperwork; `small-talk`; `setup`: how the
customer works today; `internal`: staff of Helpdeskly voicing wishes in their own meetings;
`rep-pitch`: Helpdeskly's roadmap plugs.)

## Truth format

    {{"requests": {{KEY: {{"title", "theme", "terms": [[word, ...], ...]}}}},
     "calls": {{CALL_ID: {{"customer", "language", "private", "internal", "bugs": [sentence],
                         "requests": [{{"key", "sentence", "pattern", "context"?}}],
                         "negatives": [{{"sentence", "pattern"}}]}}}}}}

`language` is an ISO 639-1 code ("en" unless the call is in another language; its
`metaData.language` says so too). `terms` defines a good title for the request: 2 to 8 words,
and for every list one of its words (case-insensitive, whole words; plurals are listed; a
hyphenated word counts whole and by its parts). `gen/check.py`'s `title_good` is the rule.

## Requests

Mentions per request (shareable calls; no two mentions use the same words):

| Key | Title | Theme | Mentions |
|-----|-------|-------|----------|
{rows}

Things to trip over, on purpose:

* Helpdeskly's people pitch their roadmap in many calls ("We're also adding an AI assistant next
  quarter...", "...voice, so phone calls will live in the same inbox"). Those are not customer
  requests and are not in `truth.json`.
* Customers ask about features that already exist ("Is there an API?"); answered, not requests.
* Bug reports ("The CSV export on the reports page times out...") are bugs, not requests, even when
  a request for the same area comes up in the same call.
* One call is private (`metaData.isPrivate: true`); its truth lists what was said, with
  `"private": true`, but a pipeline that honours privacy should not extract it.
* Three calls are internal meetings: one with every party `Internal` (`scope: "Internal"`), two
  where Gong marks some of Helpdeskly's staff `Unknown` (with a helpdeskly.example address, or
  with none while everyone else is Internal; `scope: "Unknown"`). Staff say things that sound
  like requests ("we really need a better forecast sheet"); the truth has none.
* One call (Vandelay, in German) is not in English; its requests are in the truth, and the
  offline extractor should mark the call as not extracted rather than find nothing.
* Calls with CRM context carry the Salesforce Account with `AnnualRevenue` (12 x MRR); the others
  identify the customer only by the participants' e-mail domains.

## Replaying

With a workspace set up as `scripts/demo/demo.sh` does (`$ws` its id):

    callsift-fetcher --workspace-id "$ws" --replay samples/calls.jsonl

Every line is replayed unless `--limit` is given; `--rate N` paces it to N calls a second.
"""
