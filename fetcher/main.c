/*  callsift-fetcher: the pipeline's entrance. Fetches calls from Gong (or reads a replay
    file), sends each as a `call` record to the extractors, and keeps it until the writer acks
    it (DESIGN.md section 3). A run ends when every call is acked or has failed, and says which.

    Flow: configuration -> workspace, done set and customers from PostgreSQL (read only) ->
    sockets -> a source (Gong or replay) feeding the ledger -> delivery steps until the ledger
    is idle -> summary. With --interval the Gong source runs again every N seconds; with
    --webhook-listen Gong's webhooks feed the ledger too, until a stop. */
#include "cs_config.h"
#include "cs_curve.h"
#include "cs_fetch.h"
#include "cs_gongjwt.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_util.h"

static const cs_option_t OPTIONS[] = {
    {"workspace-id", "CALLSIFT_WORKSPACE_ID", CS_OPT_STRING, NULL,
     "callsift workspace to ingest into", CS_OPT_REQUIRED},
    {"limit", "CALLSIFT_LIMIT", CS_OPT_INT, "100",
     "maximum number of calls to fetch (replay: all unless set)", 0},
    {"days-back", "CALLSIFT_DAYS_BACK", CS_OPT_INT, "7", "how many days back to fetch calls", 0},
    {"from", NULL, CS_OPT_STRING, NULL,
     "start of the window (inclusive; overrides --days-back): 2026-01-01, 2026-01-01T09:30[:00] "
     "or '2026-01-01 09:30', with Z or an offset such as +05:30 (none means the workspace's time "
     "zone)",
     0},
    {"to", NULL, CS_OPT_STRING, NULL,
     "end of the window (exclusive; default now), in the same forms as --from", 0},
    {"gong-workspace", "GONG_WORKSPACE_ID", CS_OPT_STRING, NULL, "Gong's own workspaceId filter",
     0},
    {"no-transcripts", NULL, CS_OPT_FLAG, "false",
     "skip transcript fetching (faster, but no AI extraction)", 0},
    {"no-extract-features", NULL, CS_OPT_FLAG, "false", "skip AI feature extraction", 0},
    {"interval", "CALLSIFT_INTERVAL", CS_OPT_INT, "0",
     "keep polling Gong every SECONDS for new calls (0: one run)", 0},
    {"replay", NULL, CS_OPT_STRING, NULL,
     "read calls from this JSON Lines file instead of Gong ('-': stdin)", 0},
    {"rate", NULL, CS_OPT_DOUBLE, "0",
     "replay: calls per second (0: as fast as the pipeline takes them)", 0},
    {"record", NULL, CS_OPT_STRING, NULL,
     "save the calls fetched from Gong to this JSON Lines file", 0},
    {"reprocess", NULL, CS_OPT_FLAG, "false",
     "send again only the calls stored unprocessed (their extraction failed; see 'callsift calls "
     "--unprocessed'): from Gong by id, whatever their dates, or from the --replay file",
     0},
    {"max-in-flight", "CALLSIFT_MAX_IN_FLIGHT", CS_OPT_INT, "1024",
     "the most calls sent and not yet acked: the window starts at 64 and follows what the "
     "pipeline takes (twice its rate times its round trip) up to this",
     CS_OPT_POSITIVE},
    {"ack-timeout", "CALLSIFT_ACK_TIMEOUT", CS_OPT_DOUBLE, "300",
     "seconds to wait for a call's ack before sending it again", CS_OPT_POSITIVE},
    {"max-attempts", "CALLSIFT_MAX_ATTEMPTS", CS_OPT_INT, "3",
     "sends of one call before it is reported failed", CS_OPT_POSITIVE},
    {"stall-warning", "CALLSIFT_STALL_WARNING", CS_OPT_DOUBLE, "60",
     "warn when calls are in flight and no ack has come for SECONDS (0: never)", 0},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL,
     "PostgreSQL URL (read only: done calls, customers)", CS_OPT_SECRET | CS_OPT_REQUIRED},
    {"gong-base-url", "GONG_BASE_URL", CS_OPT_STRING, "https://api.gong.io",
     "Gong API base URL (OAuth customers have their own)", 0},
    {"gong-access-key", "GONG_ACCESS_KEY", CS_OPT_STRING, NULL, "Gong access key (Basic auth)",
     CS_OPT_SECRET},
    {"gong-access-key-secret", "GONG_ACCESS_KEY_SECRET", CS_OPT_STRING, NULL,
     "Gong access key secret", CS_OPT_SECRET},
    {"gong-bearer-token", "GONG_BEARER_TOKEN", CS_OPT_STRING, NULL,
     "Gong OAuth token (instead of the access key)", CS_OPT_SECRET},
    {"gong-max-rps", "GONG_MAX_RPS", CS_OPT_DOUBLE, "3",
     "requests per second to Gong (Gong allows 3)", CS_OPT_POSITIVE},
    {"webhook-listen", "CALLSIFT_WEBHOOK_LISTEN", CS_OPT_STRING, NULL,
     "also receive Gong's automation-rule webhooks on ADDR:PORT (e.g. 0.0.0.0:8443); the run "
     "then lasts until stopped, polling only with --interval",
     0},
    {"webhook-url", "CALLSIFT_WEBHOOK_URL", CS_OPT_STRING, NULL,
     "the public URL entered in Gong's rule, without the key (its path is the path served)", 0},
    {"webhook-key-file", "CALLSIFT_WEBHOOK_KEY_FILE", CS_OPT_STRING, NULL,
     "file holding the URL key: Gong's rule URL is then --webhook-url/KEY", 0},
    {"webhook-spool", "CALLSIFT_WEBHOOK_SPOOL", CS_OPT_STRING, NULL,
     "directory where each accepted webhook call is kept until it is stored, so that a fetcher "
     "killed in between sends it after its restart",
     0},
    {"webhook-public-key", "CALLSIFT_WEBHOOK_PUBLIC_KEY", CS_OPT_STRING, NULL,
     "file holding the public key shown in Gong's rule editor (with or without PEM lines): "
     "deliveries must carry Gong's signed JWT",
     0},
    CS_SOCK_OPTION_CALLS,
    CS_SOCK_OPTION_ACKS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* Start the webhook listener of --webhook-listen into f->webhook. */
static int s_webhook(cs_fetch_t *f, char *err, size_t errlen)
{
    char *key = NULL, *pem = NULL;
    const char *key_file = cs_config_str(f->cfg, "webhook-key-file");
    const char *pem_file = cs_config_str(f->cfg, "webhook-public-key");
    if (key_file && !(key = cs_webhook_read_key(key_file, err, errlen)))
        return -1;
    if (pem_file && !(pem = cs_gongjwt_pem_file(pem_file, err, errlen))) {
        cs_free_secret(key);
        return -1;
    }
    cs_webhook_opts_t opts = {
        .listen = cs_config_str(f->cfg, "webhook-listen"),
        .url = cs_config_str(f->cfg, "webhook-url"),
        .key = key,
        .public_pem = pem,
        .spool_dir = cs_config_str(f->cfg, "webhook-spool"),
    };
    f->webhook = cs_webhook_start(&opts, err, errlen);
    cs_free_secret(key);
    free(pem);
    return f->webhook ? 0 : -1;
}

int main(int argc, char **argv)
{
    int status = 1;
    cs_fetch_t f = {.total = -1};
    f.cfg = cs_stage_begin(
        "fetcher", "callsift-fetcher --workspace-id UUID [OPTIONS]",
        "Fetches calls and transcripts from Gong (or a replay file) and sends them through the "
        "pipeline; exits when the writer has acknowledged every call. Exit status: 0 every call "
        "stored and processed (or stored without extraction as asked, or nothing new); 1 some "
        "calls not stored (failed, or unreadable input) or a fatal error; 2 a usage error, "
        "found before any work; 3 every call stored, some without insights because their "
        "extraction failed (send them again with --reprocess).",
        OPTIONS, CS_CURVE_BINDS | CS_CURVE_CONNECTS, cs_fetch_check, argc, argv, &status);
    if (!f.cfg)
        return status;
    char err[1024];
    zsock_t *push = NULL, *sub = NULL;
    f.source = cs_config_str(f.cfg, "replay") ? "replay" : "gong";
    cs_info("Starting %s call ingestion", cs_config_str(f.cfg, "replay") ? "replayed" : "Gong");
    cs_info("Workspace ID: %s", cs_config_str(f.cfg, "workspace-id"));
    const char *parts[] = {"sockets", NULL};
    if (cs_stage_serve(f.cfg, parts) != 0)
        goto done;
    f.db = cs_db_connect(cs_config_str(f.cfg, "database-url"), 10, err, sizeof err);
    if (!f.db ||
        cs_fetchdb_workspace(f.db, cs_config_str(f.cfg, "workspace-id"), &f.ws, err, sizeof err) !=
            0 ||
        !(f.done = cs_fetchdb_done(f.db, f.ws.workspace_id, f.source, err, sizeof err)) ||
        !(f.customers = cs_fetchdb_customers(f.db, f.ws.workspace_id, err, sizeof err)) ||
        !(f.vendor_domains = cs_fetchdb_vendor_domains(f.db, f.ws.workspace_id, err, sizeof err)) ||
        (cs_config_flag(f.cfg, "reprocess") &&
         !(f.redo = cs_fetchdb_unprocessed(f.db, f.ws.workspace_id, f.source, err, sizeof err)))) {
        cs_error("%s", err);
        goto done;
    }
    if (f.redo) {
        cs_info("Reprocessing: %zu calls are stored unprocessed", zhashx_size(f.redo));
        if (zhashx_size(f.redo) == 0) {
            cs_info("No unprocessed calls to send again");
            status = 0;
            goto done;
        }
    }
    if (cs_config_str(f.cfg, "record") &&
        !(f.recorder = cs_recorder_open(cs_config_str(f.cfg, "record"), err, sizeof err))) {
        cs_error("--record: %s", err);
        goto done;
    }
    push =
        cs_sock_new_work(ZMQ_PUSH, cs_config_str(f.cfg, "calls-endpoint"), true, err, sizeof err);
    if (push)
        sub = cs_sock_new(ZMQ_SUB, cs_config_str(f.cfg, "acks-endpoint"), false, err, sizeof err);
    if (!sub) {
        cs_error("%s", err);
        goto done;
    }
    zsock_set_unsubscribe(sub, "");
    zsock_set_subscribe(sub, f.ws.workspace_id);
    cs_metrics_health("sockets", true);
    int max_in_flight = (int)cs_config_int(f.cfg, "max-in-flight");
    f.ledger = cs_ledger_new(max_in_flight < CS_WINDOW_FLOOR ? max_in_flight : CS_WINDOW_FLOOR,
                             (int64_t)(cs_config_double(f.cfg, "ack-timeout") * 1000),
                             (int)cs_config_int(f.cfg, "max-attempts"));
    if (cs_config_str(f.cfg, "webhook-listen") && s_webhook(&f, err, sizeof err) != 0) {
        cs_error("%s", err);
        goto done;
    }
    f.delivery = (cs_delivery_t){
        .push = push,
        .sub = sub,
        .ledger = f.ledger,
        .workspace_id = f.ws.workspace_id,
        .source = f.source,
        .done = f.done,
        .stall_ms = (int64_t)(cs_config_double(f.cfg, "stall-warning") * 1000),
    };
    cs_window_init(&f.delivery.window, max_in_flight);
    status = cs_fetch_run(&f);
done:
    cs_webhook_stop(&f.webhook);
    cs_recorder_close(&f.recorder);
    cs_ledger_destroy(&f.ledger);
    zsock_destroy(&sub);
    zsock_destroy(&push);
    zhashx_destroy(&f.done);
    zhashx_destroy(&f.redo);
    json_decref(f.customers);
    json_decref(f.vendor_domains);
    cs_db_destroy(&f.db);
    cs_stage_end(&f.cfg);
    return status;
}
