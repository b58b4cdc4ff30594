/*  cs_delivery: moves calls from the ledger onto the calls socket and acks from the acks socket
    back into the ledger. One step sends everything the window allows and the extractors have
    room for (the calls socket's queues are small, CS_SOCK_WORK_HWM, so that a call goes to an
    extractor that can take it), then waits a little for acks, or for room. The fetcher's poll
    loop is a loop of steps. */
#ifndef CS_DELIVERY_H
#define CS_DELIVERY_H

#include <stdbool.h>

#include <czmq.h>

#include "cs_ledger.h"

typedef struct {
    zsock_t *push;       /* calls out (borrowed) */
    zsock_t *sub;        /* acks in, subscribed to our workspace (borrowed) */
    cs_ledger_t *ledger; /* borrowed */
    zhashx_t *done; /* external ids known stored; acked ids are added (borrowed, may be NULL) */
    long sent;      /* sends, first or not */
    long bad_acks;  /* acks that failed to decode */
    bool blocked;   /* calls are waiting and no extractor has room */
    int64_t blocked_since; /* since when (cs_now_ms), for the warning */
    bool warned;           /* "no extractor is taking calls" was said */
} cs_delivery_t;

/* Send what the ledger lets go, then take acks for at most wait_ms (less when a redelivery
   falls due sooner). Failures reported by the writer are logged here. */
void cs_delivery_step(cs_delivery_t *self, int wait_ms);

#endif
