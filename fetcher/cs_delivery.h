/*  cs_delivery: moves calls from the ledger onto the calls socket and acks from the acks socket
    back into the ledger, and sizes the ledger's window from the acks (cs_window.h). One step
    sends everything the window allows and the extractors have
    room for (the calls socket's queues are small, CS_SOCK_WORK_HWM, so that a call goes to an
    extractor that can take it), then waits a little for acks, or for room. The fetcher's poll
    loop is a loop of steps.

    An ack settles a call only when its workspace, source and external id are those of a call
    this run sent. Any other ack (forged, meant for another source or run) is counted in
    `ignored` (the fetcher exports it as callsift_acks_ignored_total), and warned about at most
    every
    CS_DELIVERY_IGNORED_WARN_MS; a repeated ack for a call already settled is not counted.

    When calls are in flight and no ack has come for stall_ms, a step logs one WARNING per
    stall_ms period saying how many calls wait, whether an extractor is taking calls, how long
    since the last ack, and what to check. */
#ifndef CS_DELIVERY_H
#define CS_DELIVERY_H

#include <stdbool.h>

#include <czmq.h>

#include "cs_ledger.h"
#include "cs_window.h"

#define CS_DELIVERY_IGNORED_WARN_MS 10000

typedef struct {
    zsock_t *push;            /* calls out (borrowed) */
    zsock_t *sub;             /* acks in, subscribed to our workspace (borrowed) */
    cs_ledger_t *ledger;      /* borrowed */
    const char *workspace_id; /* the workspace and source of every call sent (borrowed) */
    const char *source;
    zhashx_t *done;     /* external ids known stored; acked ids are added (borrowed, may be NULL) */
    int64_t stall_ms;   /* warn after this long without an ack while calls are out; 0: never */
    cs_window_t window; /* sets the ledger's window from the acks (cs_window_init); all zero:
                           the ledger's window is left as it is */
    long sent;          /* sends, first or not */
    long bad_acks;      /* acks that failed to decode */
    long ignored;       /* acks that matched no call this run sent */
    bool blocked;       /* calls are waiting and no extractor has room */
    int64_t blocked_since;   /* since when (cs_now_ms), for the warning */
    bool warned;             /* "no extractor is taking calls" was said */
    int64_t last_ack_ms;     /* when an ack last settled a call; 0: none yet */
    int64_t quiet_since;     /* start of the current wait for an ack (cs_now_ms); 0: none out */
    int64_t last_sent_ms;    /* when an extractor last took a call; 0: never */
    int64_t stall_warned;    /* when the last stall warning was logged */
    long stall_warnings;     /* how many were logged */
    int64_t ignored_warned;  /* when ignored acks were last warned about */
    long ignored_unreported; /* ignored since that warning */
} cs_delivery_t;

/* Send what the ledger lets go, then take acks for at most wait_ms (less when a redelivery
   falls due sooner). Failures reported by the writer are logged here. */
void cs_delivery_step(cs_delivery_t *self, int wait_ms);

#endif
