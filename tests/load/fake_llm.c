/*  callsift-fake-llm: the fake OpenAI server (tests/fakes/fake_openai.h) in load mode, as a
    process, so that the pipeline's speed and LLM cost can be measured without a real LLM.

    callsift-fake-llm --truth truth.json [--port P] [--latency-ms 1000] [--jitter-ms 200]
                      [--rpm 0] [--tpm 0] [--embeddings-rpm RPM] [--embeddings-tpm TPM]
                      [--shared-limit] [--rpm-window 60] [--no-limit-headers] [--dims 512]

    The first line on stdout is "listening on http://127.0.0.1:P/v1" (a free port when --port
    is 0, the default): point the stages' --openai-base-url at it. Answers follow the truth
    file (extraction: each call's true requests; the judge: duplicates by the truth, a low
    runner_up_confidence unless the truth makes another candidate the same request too;
    embeddings: close vectors for the wordings of one request); --rpm limits the requests
    per sliding minute (0: no limit; refused requests count against it too, as OpenAI's do),
    the others get 429 with Retry-After, and every
    answer names the limit in x-ratelimit-limit-requests as OpenAI's do, with what is left of it
    across all clients (x-ratelimit-remaining-requests) and when it is back to its initial state
    (x-ratelimit-reset-requests) (--no-limit-headers: none of them, as a provider that sends no
    such header); --tpm likewise limits the tokens per minute (estimated from each request's
    body) with the x-ratelimit-*-tokens headers;
    --rpm-window S enforces them over S seconds instead (rpm * S / 60 requests per S seconds), as
    OpenAI enforces its per-minute limits over shorter periods. As OpenAI's, the limits are
    per model: each model named by the requests (their "model") has its own window, and an
    answer's x-ratelimit-* headers describe the model it answers. --rpm and --tpm are each chat
    model's limits, --embeddings-rpm and --embeddings-tpm each embeddings model's (default: the
    same as --rpm and --tpm, in a window of their own; 0: no limit); --shared-limit counts every
    model against one window of --rpm and --tpm instead (harsher than OpenAI). It runs
    until SIGTERM or SIGINT, then prints one JSON line of counters on stdout (requests by kind,
    429s sent, tokens) and exits 0. Exit status 1 when it can't start, 2 on bad arguments. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_openai.h"

static void s_usage(FILE *out)
{
    fprintf(out, "usage: callsift-fake-llm --truth FILE [--port P] [--latency-ms MS] "
                 "[--jitter-ms MS] [--rpm N] [--tpm N] [--embeddings-rpm N] [--embeddings-tpm N] "
                 "[--shared-limit] [--rpm-window S] [--no-limit-headers] [--dims D]\n");
}

/* A whole number from lo to hi; false when text is not one. */
static bool s_int_arg(const char *text, long lo, long hi, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

int main(int argc, char **argv)
{
    static const struct option LONG[] = {
        {"truth", required_argument, NULL, 't'},
        {"port", required_argument, NULL, 'p'},
        {"latency-ms", required_argument, NULL, 'l'},
        {"jitter-ms", required_argument, NULL, 'j'},
        {"rpm", required_argument, NULL, 'r'},
        {"tpm", required_argument, NULL, 'k'},
        {"embeddings-rpm", required_argument, NULL, 'R'},
        {"embeddings-tpm", required_argument, NULL, 'K'},
        {"shared-limit", no_argument, NULL, 's'},
        {"rpm-window", required_argument, NULL, 'w'},
        {"dims", required_argument, NULL, 'd'},
        {"no-limit-headers", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    fake_openai_load_opts_t opts = {.latency_ms = 1000, .jitter_ms = 200, .dims = 512};
    int c, idx = 0;
    bool ok = true;
    while (ok && (c = getopt_long(argc, argv, "", LONG, &idx)) != -1) {
        switch (c) {
        case 't':
            opts.truth_path = optarg;
            break;
        case 'p':
            ok = s_int_arg(optarg, 0, 65535, &opts.port);
            break;
        case 'l':
            ok = s_int_arg(optarg, 0, 600000, &opts.latency_ms);
            break;
        case 'j':
            ok = s_int_arg(optarg, 0, 600000, &opts.jitter_ms);
            break;
        case 'r':
            ok = s_int_arg(optarg, 0, 1000000, &opts.rpm);
            break;
        case 'k':
            ok = s_int_arg(optarg, 0, 1000000000, &opts.tpm);
            break;
        case 'R':
            ok = s_int_arg(optarg, 0, 1000000, &opts.embeddings_rpm);
            opts.embeddings_rpm = opts.embeddings_rpm ? opts.embeddings_rpm : -1; /* 0: none */
            break;
        case 'K':
            ok = s_int_arg(optarg, 0, 1000000000, &opts.embeddings_tpm);
            opts.embeddings_tpm = opts.embeddings_tpm ? opts.embeddings_tpm : -1;
            break;
        case 's':
            opts.shared_limit = true;
            break;
        case 'w':
            ok = s_int_arg(optarg, 1, 60, &opts.window_s);
            break;
        case 'q':
            opts.no_limit_headers = true;
            break;
        case 'd':
            ok = s_int_arg(optarg, 1, 4096, &opts.dims);
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            ok = false;
            break;
        }
        if (!ok && c != '?')
            fprintf(stderr, "callsift-fake-llm: bad value '%s' for --%s\n", optarg, LONG[idx].name);
    }
    if (!ok || optind < argc || !opts.truth_path) {
        if (ok && !opts.truth_path)
            fprintf(stderr, "callsift-fake-llm: --truth is required\n");
        s_usage(stderr);
        return 2;
    }

    /* SIGTERM and SIGINT are taken by sigwait() below; the server's threads inherit the mask */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    fake_openai_t *f = fake_openai_start_load(&opts, err, sizeof err);
    if (!f) {
        fprintf(stderr, "callsift-fake-llm: %s\n", err);
        return 1;
    }
    printf("listening on %s\n", fake_openai_url(f));
    fflush(stdout);
    fprintf(stderr,
            "callsift-fake-llm: truth %s, latency %d +/- %d ms, rpm %d, tpm %d (0: no limit), "
            "embeddings rpm %d, tpm %d (0: as the chat models, -1: no limit), %s, %d "
            "dimensions\n",
            opts.truth_path, opts.latency_ms, opts.jitter_ms, opts.rpm, opts.tpm,
            opts.embeddings_rpm, opts.embeddings_tpm,
            opts.shared_limit ? "one window for every model" : "a window per model", opts.dims);

    int sig = 0;
    sigwait(&stop, &sig);
    char *line = fake_openai_load_stats_json(f);
    fake_openai_stop(&f);
    printf("%s\n", line ? line : "{}");
    fflush(stdout);
    free(line);
    return 0;
}
