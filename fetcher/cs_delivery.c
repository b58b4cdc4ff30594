#include "cs_delivery.h"

#include <errno.h>
#include <string.h>

#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_util.h"

/* Extractors busy this long, with calls waiting, is worth a warning: none may be running. */
#define BLOCKED_WARN_MS 5000

/* Send one record: its frame when the ledger holds one (the replay's, cs_ledger_add_frame),
   else the record encoded now. 0, or -1 with the reason in err. */
static int s_send(cs_delivery_t *self, const json_t *rec, char *err, size_t errlen)
{
    size_t len;
    const char *frame = cs_ledger_frame(self->ledger, rec, &len);
    if (!frame)
        return cs_sock_send_record(self->push, rec, NULL, err, errlen);
    if (zmq_send(zsock_resolve(self->push), frame, len, 0) == -1)
        return cs_fail(err, errlen, "send failed: %s", zmq_strerror(errno));
    return 0;
}

static void s_send_ready(cs_delivery_t *self)
{
    if (self->window.ceiling > 0) {
        int window = cs_window_size(&self->window, cs_now_ms());
        cs_ledger_set_window(self->ledger, window);
        cs_metrics_set("callsift_calls_window", NULL, window);
    }
    json_t *rec;
    while ((rec = cs_ledger_next(self->ledger, cs_now_ms())) != NULL) {
        char err[256] = "none connected, or every one busy";
        /* no extractor with room (or none connected): never block in the send; take acks and
           wait for room instead */
        if (!(zsock_events(self->push) & ZMQ_POLLOUT) || s_send(self, rec, err, sizeof err) != 0) {
            cs_ledger_unsend(self->ledger, rec);
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
        self->last_sent_ms = cs_now_ms();
        cs_metrics_add("callsift_records_sent_total", NULL, 1);
        if (cs_rec_int(rec, "attempt", 1) > 1)
            cs_info("Resending call %s (attempt %lld): no ack in time",
                    cs_rec_str(rec, "external_id"), cs_rec_int(rec, "attempt", 1));
    }
    self->blocked = false; /* nothing the window lets go is waiting */
}

/* An ack that settles nothing: counted, and warned about now and then. A repeated ack for a
   call this run already saw stored is no news and not counted. */
static void s_ignore(cs_delivery_t *self, const json_t *ack, const char *why)
{
    const char *id = cs_rec_str(ack, "external_id");
    if (!why && id && self->done && zhashx_lookup(self->done, id)) {
        cs_debug("Ack for call %s again: already settled", id);
        return;
    }
    self->ignored++;
    self->ignored_unreported++;
    int64_t now = cs_now_ms();
    if (self->ignored_warned && now - self->ignored_warned < CS_DELIVERY_IGNORED_WARN_MS)
        return;
    cs_warn("Ignored %ld ack%s that match%s no call this run sent (last: call %.64s, source "
            "%.32s%s%s)",
            self->ignored_unreported, self->ignored_unreported == 1 ? "" : "s",
            self->ignored_unreported == 1 ? "es" : "", id ? id : "?",
            cs_rec_str(ack, "source") ? cs_rec_str(ack, "source") : "none", why ? ": " : "",
            why ? why : "");
    self->ignored_warned = now;
    self->ignored_unreported = 0;
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
    cs_metrics_add("callsift_records_received_total", NULL, 1);
    const char *id = cs_rec_str(ack, "external_id");
    const char *status = cs_rec_str(ack, "status");
    const char *ws = cs_rec_str(ack, "workspace_id");
    const char *source = cs_rec_str(ack, "source");
    int64_t sent_at = cs_ledger_sent_at(self->ledger, ack);
    if (cs_record_kind(ack) != CS_KIND_ACK) {
        s_ignore(self, ack, "not an ack");
    } else if (self->workspace_id && (!ws || strcmp(ws, self->workspace_id) != 0)) {
        s_ignore(self, ack, "another workspace");
    } else if (self->source && (!source || strcmp(source, self->source) != 0)) {
        s_ignore(self, ack, "another source");
    } else if (cs_ledger_ack(self->ledger, ack) != 1) {
        s_ignore(self, ack, NULL);
    } else {
        self->last_ack_ms = cs_now_ms();
        self->quiet_since = self->last_ack_ms;
        if (sent_at >= 0) {
            cs_metrics_observe("callsift_ack_wait_seconds", NULL,
                               (double)(cs_now_ms() - sent_at) / 1000.0);
            cs_window_acked(&self->window, self->last_ack_ms - sent_at, self->last_ack_ms);
        }
        if (strcmp(status, "failed") == 0)
            cs_error("The writer could not store call %s: %s", id,
                     cs_rec_str(ack, "error") ? cs_rec_str(ack, "error") : "no reason given");
        else if (self->done)
            zhashx_insert(self->done, id, (void *)1);
    }
    json_decref(ack);
}

/* Calls out and no ack for stall_ms: say so, once per period, with what is known. */
static void s_check_stall(cs_delivery_t *self)
{
    cs_ledger_counts_t n;
    cs_ledger_counts(self->ledger, &n);
    int64_t now = cs_now_ms();
    if (n.in_flight == 0 && !self->blocked) {
        self->quiet_since = 0;
        return;
    }
    if (self->quiet_since == 0)
        self->quiet_since = now;
    if (self->stall_ms <= 0 || now - self->quiet_since < self->stall_ms ||
        (self->stall_warned && now - self->stall_warned < self->stall_ms))
        return;
    char extractors[160], last_ack[96];
    if (self->blocked && now - self->blocked_since >= 1000)
        snprintf(extractors, sizeof extractors,
                 "no extractor has taken a call for %lld s (is one running and connected?)",
                 (long long)((now - self->blocked_since) / 1000));
    else if (self->last_sent_ms)
        snprintf(extractors, sizeof extractors, "an extractor took the last call %lld s ago",
                 (long long)((now - self->last_sent_ms) / 1000));
    else
        snprintf(extractors, sizeof extractors, "no extractor has taken a call yet");
    if (self->last_ack_ms)
        snprintf(last_ack, sizeof last_ack, "the last ack came %lld s ago",
                 (long long)((now - self->last_ack_ms) / 1000));
    else
        snprintf(last_ack, sizeof last_ack, "no ack has come yet in this run");
    cs_warn("The pipeline looks stuck: no ack for %lld s with %ld calls in flight and %ld "
            "waiting; %s; %s. Check the extractor's, matcher's and writer's logs and their "
            "/healthz (the writer needs PostgreSQL)",
            (long long)((now - self->quiet_since) / 1000), n.in_flight, n.waiting, extractors,
            last_ack);
    self->stall_warned = now;
    self->stall_warnings++;
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
    s_check_stall(self);
}
