#include "cs_delivery.h"

#include <string.h>

#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_util.h"

/* Extractors busy this long, with calls waiting, is worth a warning: none may be running. */
#define BLOCKED_WARN_MS 5000

static void s_send_ready(cs_delivery_t *self)
{
    json_t *rec;
    while ((rec = cs_ledger_next(self->ledger, cs_now_ms())) != NULL) {
        char err[256] = "none connected, or every one busy";
        /* no extractor with room (or none connected): never block in the send; take acks and
           wait for room instead */
        if (!(zsock_events(self->push) & ZMQ_POLLOUT) ||
            cs_sock_send_record(self->push, rec, NULL, err, sizeof err) != 0) {
            cs_ledger_unsend(self->ledger, cs_rec_str(rec, "external_id"));
            int64_t now = cs_now_ms();
            if (!self->blocked) {
                self->blocked = true;
                self->blocked_since = now;
            } else if (!self->warned && now - self->blocked_since >= BLOCKED_WARN_MS) {
                cs_warn("No extractor is taking calls yet (none took one for %d s: %s); waiting",
                        BLOCKED_WARN_MS / 1000, err);
                self->warned = true;
            }
            return;
        }
        if (self->warned)
            cs_info("An extractor is taking calls");
        self->blocked = self->warned = false;
        self->sent++;
        cs_metrics_add("callsift_records_sent_total", NULL, 1);
        if (cs_rec_int(rec, "attempt", 1) > 1)
            cs_info("Resending call %s (attempt %lld): no ack in time",
                    cs_rec_str(rec, "external_id"), cs_rec_int(rec, "attempt", 1));
    }
    self->blocked = false; /* nothing the window lets go is waiting */
}

static void s_take_ack(cs_delivery_t *self)
{
    char err[256];
    json_t *ack = cs_sock_recv_record(self->sub, NULL, err, sizeof err);
    if (!ack) {
        self->bad_acks++;
        cs_metrics_add("callsift_records_malformed_total", NULL, 1);
        cs_log_limited("malformed-ack", CS_LOG_WARNING, "Ignored a malformed ack: %s", err);
        return;
    }
    const char *id = cs_rec_str(ack, "external_id");
    const char *status = cs_rec_str(ack, "status");
    cs_metrics_add("callsift_records_received_total", NULL, 1);
    int64_t sent_at = cs_ledger_sent_at(self->ledger, id);
    if (cs_record_kind(ack) == CS_KIND_ACK &&
        cs_ledger_ack(self->ledger, id, status, cs_rec_str(ack, "error")) == 1) {
        if (sent_at >= 0)
            cs_metrics_observe("callsift_ack_wait_seconds", NULL,
                               (double)(cs_now_ms() - sent_at) / 1000.0);
        if (strcmp(status, "failed") == 0)
            cs_error("The writer could not store call %s: %s", id,
                     cs_rec_str(ack, "error") ? cs_rec_str(ack, "error") : "no reason given");
        else if (self->done)
            zhashx_insert(self->done, id, (void *)1);
    }
    json_decref(ack);
}

void cs_delivery_step(cs_delivery_t *self, int wait_ms)
{
    s_send_ready(self);
    int64_t due = cs_ledger_wait_ms(self->ledger, cs_now_ms());
    if (due >= 0 && due < wait_ms)
        wait_ms = (int)due;
    /* wait for the first ack (or, when calls wait for an extractor, for room to send), then
       take every ack that is there without waiting again */
    zmq_pollitem_t items[2] = {
        {.socket = zsock_resolve(self->sub), .events = ZMQ_POLLIN},
        {.socket = zsock_resolve(self->push), .events = ZMQ_POLLOUT},
    };
    for (int timeout = wait_ms;; timeout = 0) {
        int nitems = self->blocked ? 2 : 1;
        if (zmq_poll(items, nitems, timeout) <= 0)
            break;
        if (items[0].revents & ZMQ_POLLIN)
            s_take_ack(self);
        if (nitems == 2 && (items[1].revents & ZMQ_POLLOUT))
            s_send_ready(self);
    }
}
