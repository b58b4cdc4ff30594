/*  cs_prompt: the Chat Completions request that asks an LLM for the insights of one call, or of
    one chunk of a long call (DESIGN.md section 4).

    The system message sets the task (a product manager reading a customer conversation), lists
    the workspace's themes and states the rules that cs_insights_parse then enforces: only the
    customer's requests count, never the vendor's pitch or promises; every request's quote is
    the customer's verbatim words (a request without one is dropped), and when the customer
    only agrees to a rep's restatement the quote is the agreement and the context the
    restatement; what is not a request (a capability question the rep answers yes, sales
    process, logistics, pricing, scheduling, small talk, setup descriptions), with short
    examples; a confidence 0..1 that an item is a real request for something the product
    lacks; titles in English naming the thing asked for, 2 to 8 words, whatever the call's
    language, with the quote kept in the original language; the call's language as an ISO
    639-1 code; every feature's theme is one of the listed names, else the default theme;
    urgency follows a stated rubric; nothing is invented.

    Order, for prompt caching: what never changes comes first (the role, the rules, the answer's
    shape: the same bytes for every call of every workspace, over 1,024 tokens, the length
    from which OpenAI caches a prompt's prefix), then the workspace's themes and the rule that
    names its default theme, then the user message with the call. A request thus shares its
    longest possible prefix with the requests before it, and the provider's prompt cache
    charges that prefix at its cached-input price (cs_llm_cached_tokens).

    The user message carries the call: its title and customer ("Customer: Acme Corp (MRR:
    $12,500/month)") and the transcript, one line per utterance, each speaker's side as
    cs_speakers resolves it (customer, vendor, or unknown for a speaker on neither side):

        [mm:ss] Maya Okafor (customer): We really need a Salesforce sync.

    between the lines "<<<TRANSCRIPT" and "TRANSCRIPT>>>". The transcript is data, never
    instructions: the model is told to ignore instructions inside the block, every line is one
    line (newlines and control characters become spaces), and a run of three or more '<' or
    '>' inside any text from the call becomes '‹' or '›' characters, so nothing a speaker says
    can close the block early or open a fake one: each delimiter appears exactly once in the
    user message. After the block comes a short reminder of the task (instructions placed
    after untrusted text are followed more reliably than ones only before it).

    Long calls are cut into chunks (cs_prompt_chunks) that each fit an input budget and overlap
    a little, so that a request spoken across a cut is seen whole by one chunk; the chunks'
    answers are merged with cs_insights_merge. */
#ifndef CS_PROMPT_H
#define CS_PROMPT_H

#include <stdbool.h>

#include <jansson.h>

#define CS_PROMPT_OPEN               "<<<TRANSCRIPT"
#define CS_PROMPT_CLOSE              "TRANSCRIPT>>>"
#define CS_PROMPT_DEFAULT_MAX_TOKENS 2000
#define CS_PROMPT_MAX_BYTES          (16u << 20) /* the request's text; more is refused */
#define CS_PROMPT_MAX_THEMES         200 /* themes listed and in the enum; the rest left out */
#define CS_PROMPT_MIN_CHUNK_TOKENS   64  /* a smaller chunk budget is raised to this */
#define CS_PROMPT_NAME_BYTES         64  /* a speaker's name is cut to this in lines */
#define CS_PROMPT_LINE_TOKENS        6   /* tokens of a line besides text and name */

typedef struct {
    const json_t *themes;   /* [{name, description, is_default}] borrowed; may be NULL */
    const json_t *call;     /* the call record the utterances come from, borrowed, or NULL:
                               its parties tell the speakers' sides (cs_speakers); NULL: the
                               utterances' own affiliations only */
    const json_t *customer; /* {name, mrr, domain} borrowed, or NULL */
    const char *title;      /* call title or NULL */
    const char *model;      /* NULL or "": CS_LLM_DEFAULT_MODEL (cs_llm.h) */
    double temperature;     /* 0.3 in the seed; clamped to [0, 2] */
    bool json_schema;       /* true: response_format json_schema (strict) with
                               cs_prompt_schema; false: {"type": "json_object"} */
    int max_output_tokens;  /* max_tokens; <= 0: CS_PROMPT_DEFAULT_MAX_TOKENS */
} cs_prompt_opts_t;

/* The request body for the chunk `utterances` (borrowed: an array of transcript utterances
   {speaker_id, speaker, affiliation, start_ms, text}; NULL is an empty transcript):

     {model, temperature, max_tokens, response_format, messages: [system, user]}

   `chunk_index` counts from 0, of `chunk_count` chunks; with chunk_count > 1 the user message
   says "part 2 of 3" (for index 1) and asks for what this part says only. Returns a new
   reference the caller releases with json_decref; NULL when `opts` is NULL, the request
   would be over CS_PROMPT_MAX_BYTES, or out of memory. */
json_t *cs_prompt_extraction(const cs_prompt_opts_t *opts, const json_t *utterances,
                             int chunk_index, int chunk_count);

/* The JSON schema of the answer, for response_format json_schema with strict true: every
   object has additionalProperties false and lists every property as required (strict mode
   demands it; optional values are typed ["string", "null"]); no numeric bounds (strict mode
   does not take them everywhere: the 0..1 of a confidence is in its description and enforced
   by cs_insights_parse); a feature request's properties come quote first, then speaker,
   context, title, description, urgency, theme, confidence (the model writes them in that
   order); the root has the call's language; urgency, severity and overall are enums; a feature's
   theme is an enum of the names of `themes` (borrowed; may be NULL), each once, plus null when
   there is no default theme, or just null when there are no themes. Returns a new reference the
   caller releases with json_decref; NULL when out of memory. */
json_t *cs_prompt_schema(const json_t *themes);

/* Cut `transcript` (borrowed array of utterances) into chunks of at most `max_input_tokens`
   (as cs_prompt_estimate_tokens counts them; raised to CS_PROMPT_MIN_CHUNK_TOKENS), each
   chunk starting with the last `overlap_utterances` utterances of the one before (fewer when
   they would leave no room for a new utterance, and at most half of the previous chunk).
   Utterances are kept whole, except one that alone is over the budget: it is cut into pieces
   at UTF-8 boundaries (at a space when there is one near the cut), each a copy of the
   utterance with part of its text. Items that are not objects with a string text are left
   out. Returns a new array of arrays of utterances (the transcript's own objects, referenced)
   the caller releases with json_decref: one chunk when everything fits, none for an empty or
   NULL transcript. NULL when `transcript` is not an array, or out of memory. */
json_t *cs_prompt_chunks(const json_t *transcript, int max_input_tokens, int overlap_utterances);

/* The estimated prompt tokens of the transcript lines of `utterances` (borrowed array): per
   utterance ceil((text bytes + speaker name bytes) / 4) + CS_PROMPT_LINE_TOKENS, the name cut
   at CS_PROMPT_NAME_BYTES as in the lines. 0 for NULL or an empty array; INT_MAX at most. */
int cs_prompt_estimate_tokens(const json_t *utterances);

#endif
