/*  cs_prompt_focus: the part of a transcript an extraction prompt needs. Requests, bugs and
    pain points are the customer's words; the vendor's lines matter only where the customer
    answers them (a rep's restatement the customer agrees to, a question the customer replies
    to) or where they answer the customer ("not yet", "it's on the roadmap", "yes, that's in
    Settings"). The rest of the vendor's talk (the pitch, the demo, the long walk through a
    screen) costs tokens and tells the model nothing it may use.

    So the prompt keeps every customer's and every unplaced speaker's sentence (cs_speakers:
    an unplaced speaker may be the customer), and the vendor's sentences within `context`
    sentences of one of them, before or after; each run of vendor sentences left out becomes one
    line in its place, said by the first of them: "(12 more sentences of the vendor's, left
    out)", so the model knows the conversation went on. An internal meeting (no customer
    speaks) is not asked at all (cs_extract_openai.c); this is for the calls that are. */
#ifndef CS_PROMPT_FOCUS_H
#define CS_PROMPT_FOCUS_H

#include <jansson.h>

#include "cs_speakers.h"

/* The vendor sentences kept on each side of a customer's sentence by default
   (--vendor-context). */
#define CS_PROMPT_FOCUS_DEFAULT_CONTEXT 3

/* The transcript (borrowed array of utterances {speaker_id, speaker, affiliation, start_ms,
   text}) as the prompt should carry it: a new array of the kept utterances (the transcript's
   own objects, referenced) and, for each run of left-out vendor sentences, a new utterance of
   the run's first speaker and start saying how many were left out. context < 0 keeps
   everything (a new reference to `transcript` itself). *left_out (may be NULL) is set to the
   number of sentences left out. NULL when `transcript` is not an array or out of memory. */
json_t *cs_prompt_focus(const json_t *transcript, const cs_speakers_t *sp, int context,
                        int *left_out);

#endif
