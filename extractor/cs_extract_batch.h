/*  cs_extract_batch: the extractor's --llm-batch mode: its options, and the Batch API client
    (cs_batch.h) it gives the engine (cs_extract_opts_t.batch). In that mode every extraction
    request (invalid answers asked again included) goes into a batch instead of
    /chat/completions; the answers take the same validation path (cs_extract_openai.c). A
    request's custom_id is made of the call's workspace, source and external id, the chunk and
    the attempt, so the same call sent again by the fetcher (its ack timed out, or the extractor
    restarted) finds its request already in a batch and is not sent twice. Batch tokens are
    priced at CS_BATCH_PRICE_FACTOR of the model's prices and counted apart (totals batch_*). */
#ifndef CS_EXTRACT_BATCH_H
#define CS_EXTRACT_BATCH_H

#include <stddef.h>

#include <jansson.h>

#include "cs_batch.h"
#include "cs_config.h"
#include "cs_extract.h"

#define CS_EXTRACT_BATCH_OPTIONS                                                                   \
    {"llm-batch",                                                                                  \
     "CALLSIFT_LLM_BATCH",                                                                         \
     CS_OPT_FLAG,                                                                                  \
     "false",                                                                                      \
     "send the LLM requests through OpenAI's Batch API (half price, answers within 24 h; set "     \
     "the fetcher's --ack-timeout above 86400)",                                                   \
     0},                                                                                           \
        {"batch-size",                                                                             \
         "CALLSIFT_BATCH_SIZE",                                                                    \
         CS_OPT_INT,                                                                               \
         "1000",                                                                                   \
         "--llm-batch: requests per batch (at most 50000)",                                        \
         CS_OPT_POSITIVE},                                                                         \
        {"batch-wait",                                                                             \
         "CALLSIFT_BATCH_WAIT",                                                                    \
         CS_OPT_DOUBLE,                                                                            \
         "60",                                                                                     \
         "--llm-batch: seconds a request waits for its batch to fill before it is sent",           \
         CS_OPT_POSITIVE},                                                                         \
        {"batch-poll",                                                                             \
         "CALLSIFT_BATCH_POLL",                                                                    \
         CS_OPT_DOUBLE,                                                                            \
         "60",                                                                                     \
         "--llm-batch: seconds between two looks at a batch sent",                                 \
         CS_OPT_POSITIVE},                                                                         \
        {"batch-open",                                                                             \
         "CALLSIFT_BATCH_OPEN",                                                                    \
         CS_OPT_INT,                                                                               \
         "4",                                                                                      \
         "--llm-batch: batches' worth of calls an extractor holds at once (filling, sent, "        \
         "waiting for their answers)",                                                             \
         CS_OPT_POSITIVE},                                                                         \
        {"batch-rounds",                                                                           \
         "CALLSIFT_BATCH_ROUNDS",                                                                  \
         CS_OPT_INT,                                                                               \
         "3",                                                                                      \
         "--llm-batch: batches a failed or expired request goes through before the call is "       \
         "stored unprocessed",                                                                     \
         CS_OPT_POSITIVE},                                                                         \
        {"batch-keep",                                                                             \
         "CALLSIFT_BATCH_KEEP",                                                                    \
         CS_OPT_DOUBLE,                                                                            \
         "48",                                                                                     \
         "--llm-batch: hours an ended batch's answers wait for calls that never come back "        \
         "(acked by another extractor) before they leave the state file",                          \
         CS_OPT_POSITIVE},                                                                         \
    {                                                                                              \
        "batch-state", "CALLSIFT_BATCH_STATE", CS_OPT_STRING, NULL,                                \
            "--llm-batch: file that keeps the batches sent across restarts (one per extractor, "   \
            "on "                                                                                  \
            "a volume that outlives the container); required with --llm-batch",                    \
            0                                                                                      \
    }

/* With --llm-batch: the client into opts->batch (the caller destroys it with cs_batch_destroy
   after the engine), for the openai provider only. 0 (also when the flag is off), or -1 with
   the reason. */
int cs_extract_batch_open(const cs_config_t *cfg, cs_extract_opts_t *opts, char *err,
                          size_t errlen);

/* The custom_id of chunk `chunk` of `nchunks`, attempt `attempt`, of call record `call`
   (malloc'd; NULL when out of memory). */
char *cs_extract_batch_id(const json_t *call, int chunk, int nchunks, int attempt);

#endif
