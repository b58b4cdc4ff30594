"""Renders samples/README.md from the counts check.stats() made, so the two never disagree."""


def render(s, truth, heldout=None):
    titles = truth["requests"]
    rows = "\n".join(
        f"| `{key}` | {titles[key]['title']} | {titles[key]['theme']} | {n} |"
        for key, n in s["mentions_per_request"].items())
    extra = s["mentions_incl_private"] - s["mentions"]
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
| `generate_calls.py`, `gen/` | The generator. |

## Generating

    python3 samples/generate_calls.py

Python 3 standard library only, deterministic (`random.Random(42)`, no clock): the same run gives
the same bytes. It writes the three files, then reads them back and checks that every line parses,
call ids are unique, every sentence's speaker is one of the call's parties, monologues alternate
speakers, sentence times increase, and every truth sentence is said by a customer in its call.

The generator is split by concern: `gen/people.py` (Helpdeskly staff, customers and their
contacts), `gen/requests.py` (the canonical requests, several wordings each, and the bugs),
`gen/smalltalk.py` and `gen/sales.py` (greetings, small talk, demo lines, roadmap pitches, pricing,
renewal, the internal and private calls), `gen/longcall.py` (planning talk for the long call),
`gen/plan.py` (which call carries which requests and bugs), `gen/build.py` and `gen/assemble.py`
(conversations and calls), `gen/gong.py` (Gong's JSON shapes and timings), `gen/check.py` (checks
and counts), `gen/readme.py` (this file).

## What is in it

| | |
|---|---|
| Calls | {s['calls']} ({s['customer_calls']} with customers, {s['internal_calls']} internal-only) |
| Customers | {s['customers']} |
| Distinct feature requests | {s['distinct_requests']}, across the 4 demo themes |
| Request mentions | {s['mentions']} in {s['calls_with_requests'] - s['private_calls']} shareable calls (+{extra} in the private call) |
| Bug reports | {s['bug_reports']}, in {s['bug_calls']} calls |
| Customer calls with no request | {s['no_request_calls']} (pricing, renewal, small talk) |
| Private calls (`isPrivate: true`) | {s['private_calls']} |
| Calls with Salesforce CRM context | {s['crm_context_calls']} |
| Sentences | {s['sentences']} |
| Longest call | {s['longest_call']['sentences']} sentences, {s['longest_call']['minutes']} minutes, requests buried in it |
| `calls.jsonl` size | {s['bytes']:,} bytes |

Mentions per request (shareable calls; no two mentions use the same words):

| Key | Title | Theme | Calls |
|-----|-------|-------|-------|
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
* One call is internal-only (every party `Internal`, `scope: "Internal"`): staff discussing
  accounts and the roadmap, no customer requests.
* Calls with CRM context carry the Salesforce Account with `AnnualRevenue` (12 x MRR); the others
  identify the customer only by the participants' e-mail domains.

## Replaying

With a workspace set up as `scripts/demo/demo.sh` does (`$ws` its id):

    callsift-fetcher --workspace-id "$ws" --replay samples/calls.jsonl

Every line is replayed unless `--limit` is given; `--rate N` paces it to N calls a second.
"""
