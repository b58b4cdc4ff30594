/*  bench_matcher: the matcher against a large catalogue (docs/BENCHMARKS.md).

    bench_matcher [--features N] [--themes T] [--queries Q] [--cross-queries C] [--dims D]
                  [--seed S] [--json]

    Builds a synthetic workspace of N features spread over T themes (names and descriptions
    made from word lists, deterministic by seed; no data from the evaluation sets) and measures,
    in this process, with no network and no database:
      1. offline (sparse) catalogue: cs_vec_offline_feature + cs_catalog_add for every feature,
         resident memory, the first queries (they compute the cached IDF-weighted vectors), then
         Q top-5 queries in the query's theme and C across every theme;
      2. the decision engine offline (cs_match, similarity alone, the matcher's offline
         thresholds): Q extraction records of 1 to 3 feature requests each, against that
         catalogue (creates grow it);
      3. dense (provider-like) catalogue: N random unit vectors of D dimensions, its memory, Q
         top-5 queries in a theme and C across themes, next to a reference scan of the same
         vectors (8 float accumulators; not the matcher's code) that shows what memory allows.
    With --cost URL it measures instead what matching costs as the catalogue grows: for each
    size in --cost-sizes (default 100,1000,10000,100000), a catalogue of that many features and
    Q extraction records through the decision engine with an LLM judge at URL (the fake LLM
    server, tests/load/fake_llm.c): judge requests and prompt tokens per extracted feature, next
    to what the seed's strategy (one judge request per feature with every feature of its theme
    in the prompt) would have sent for the same stream; one JSON object on stdout.
    With --index sparse|dense it measures instead the candidate index (matcher/cs_index.h) at
    scale, one kind per run so that each has its own peak memory (VmHWM): N features (offline
    vectors, or D-dimension vectors near 2,000 random cluster centres), the build time, Q top-5
    queries in the query's theme and C across themes through the index (p50, p99), the memory
    after them, then the first E of the theme queries and E/4 of the cross ones again scanning
    every feature (--exact E, default 200): the recall of the scan's top-5 among the index's,
    how often the first hit and the decision (the offline rule of docs/QUALITY.md: link and
    target, or new) are the same. --cap, --budget, --shortlist and --nprobe override the
    index's bounds (cs_index_opts_t). It also reports the catalogue's bytes by structure; with
    --float-check (dense) it keeps its own float copy of every vector (more memory) and says how
    often the index and the catalogue's scan (both on int8 codes) make the float scan's decision.
    Defaults: N 100000, T 20, Q 2000, C 200 (a scan of everything is slow: C keeps the run to
    minutes), D 1536, seed 1. Themes are skewed like real ones: theme t gets a share
    proportional to 1/sqrt(t + 1). Progress goes to stderr, the report (or with --json one JSON
    object) to stdout. Exit status 0; 1 on a failure (out of memory, an invalid record); 2 on
    bad arguments. */
#include <malloc.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cs_catalog.h"
#include "cs_judge.h"
#include "cs_llm.h"
#include "cs_log.h"
#include "cs_match.h"
#include "cs_record.h"
#include "cs_uuid.h"
#include "cs_vec.h"

#define K          5 /* candidates, as the matcher's default */
#define MAX_TITLE  512
#define MAX_DESC   512
#define NAME_TRIES 200

/* ---- randomness (splitmix64: small, fast, the same on every machine) ----------------------- */

static uint64_t s_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static size_t s_below(uint64_t *s, size_t n)
{
    return (size_t)(s_rand(s) % n);
}

static double s_uniform(uint64_t *s)
{
    return (double)(s_rand(s) >> 11) * 0x1.0p-53;
}

#define PICK(rng, list) (list)[s_below(rng, sizeof(list) / sizeof *(list))]

/* ---- word lists ------------------------------------------------------------------------------ */

typedef struct {
    const char *one, *many;
} noun_t;

typedef struct {
    const char *name;
    noun_t nouns[8];
} theme_words_t;

static const theme_words_t THEMES[] = {
    {"Billing & Payments",
     {{"invoice", "invoices"},
      {"payment", "payments"},
      {"subscription", "subscriptions"},
      {"refund", "refunds"},
      {"credit note", "credit notes"},
      {"tax rate", "tax rates"},
      {"coupon", "coupons"},
      {"receipt", "receipts"}}},
    {"Reporting & Analytics",
     {{"report", "reports"},
      {"chart", "charts"},
      {"dashboard widget", "dashboard widgets"},
      {"KPI", "KPIs"},
      {"forecast", "forecasts"},
      {"metric", "metrics"},
      {"scorecard", "scorecards"},
      {"pivot table", "pivot tables"}}},
    {"CRM",
     {{"contact", "contacts"},
      {"account", "accounts"},
      {"lead", "leads"},
      {"deal", "deals"},
      {"opportunity", "opportunities"},
      {"pipeline stage", "pipeline stages"},
      {"company record", "company records"},
      {"activity", "activities"}}},
    {"Security & Compliance",
     {{"audit log", "audit logs"},
      {"access policy", "access policies"},
      {"API key", "API keys"},
      {"session", "sessions"},
      {"login attempt", "login attempts"},
      {"SSO setting", "SSO settings"},
      {"retention rule", "retention rules"},
      {"consent record", "consent records"}}},
    {"User Management",
     {{"user", "users"},
      {"team", "teams"},
      {"role", "roles"},
      {"guest account", "guest accounts"},
      {"user group", "user groups"},
      {"invitation", "invitations"},
      {"seat", "seats"},
      {"profile", "profiles"}}},
    {"Notifications",
     {{"notification", "notifications"},
      {"alert rule", "alert rules"},
      {"email digest", "email digests"},
      {"push message", "push messages"},
      {"reminder", "reminders"},
      {"mention", "mentions"},
      {"notification preference", "notification preferences"},
      {"status update", "status updates"}}},
    {"Calendar & Scheduling",
     {{"meeting", "meetings"},
      {"calendar event", "calendar events"},
      {"booking", "bookings"},
      {"availability slot", "availability slots"},
      {"recurring event", "recurring events"},
      {"time zone setting", "time zone settings"},
      {"meeting room", "meeting rooms"},
      {"agenda", "agendas"}}},
    {"Documents",
     {{"document", "documents"},
      {"file", "files"},
      {"folder", "folders"},
      {"attachment", "attachments"},
      {"signature request", "signature requests"},
      {"contract", "contracts"},
      {"document template", "document templates"},
      {"page", "pages"}}},
    {"Projects & Tasks",
     {{"task", "tasks"},
      {"project", "projects"},
      {"milestone", "milestones"},
      {"checklist", "checklists"},
      {"subtask", "subtasks"},
      {"sprint", "sprints"},
      {"board", "boards"},
      {"task dependency", "task dependencies"}}},
    {"Support",
     {{"ticket", "tickets"},
      {"macro", "macros"},
      {"SLA policy", "SLA policies"},
      {"canned response", "canned responses"},
      {"escalation", "escalations"},
      {"CSAT survey", "CSAT surveys"},
      {"support queue", "support queues"},
      {"chat transcript", "chat transcripts"}}},
    {"Call Recording",
     {{"call recording", "call recordings"},
      {"transcript", "transcripts"},
      {"call summary", "call summaries"},
      {"talk track", "talk tracks"},
      {"call score", "call scores"},
      {"highlight", "highlights"},
      {"playlist", "playlists"},
      {"speaker label", "speaker labels"}}},
    {"Marketing",
     {{"campaign", "campaigns"},
      {"email sequence", "email sequences"},
      {"landing page", "landing pages"},
      {"segment", "segments"},
      {"newsletter", "newsletters"},
      {"audience", "audiences"},
      {"form submission", "form submissions"},
      {"UTM link", "UTM links"}}},
    {"Inventory",
     {{"product", "products"},
      {"SKU", "SKUs"},
      {"warehouse", "warehouses"},
      {"stock level", "stock levels"},
      {"purchase order", "purchase orders"},
      {"supplier", "suppliers"},
      {"shipment", "shipments"},
      {"price list", "price lists"}}},
    {"HR",
     {{"employee", "employees"},
      {"time-off request", "time-off requests"},
      {"timesheet", "timesheets"},
      {"performance review", "performance reviews"},
      {"onboarding checklist", "onboarding checklists"},
      {"payslip", "payslips"},
      {"job posting", "job postings"},
      {"org chart", "org charts"}}},
    {"Developer Platform",
     {{"API token", "API tokens"},
      {"webhook", "webhooks"},
      {"rate limit", "rate limits"},
      {"SDK", "SDKs"},
      {"sandbox", "sandboxes"},
      {"OAuth app", "OAuth apps"},
      {"event log", "event logs"},
      {"schema", "schemas"}}},
    {"Data Management",
     {{"dataset", "datasets"},
      {"data source", "data sources"},
      {"field mapping", "field mappings"},
      {"import job", "import jobs"},
      {"duplicate record", "duplicate records"},
      {"backup", "backups"},
      {"data model", "data models"},
      {"sync log", "sync logs"}}},
    {"Mobile",
     {{"push notification", "push notifications"},
      {"offline draft", "offline drafts"},
      {"home screen widget", "home screen widgets"},
      {"photo upload", "photo uploads"},
      {"location check-in", "location check-ins"},
      {"biometric login", "biometric logins"},
      {"QR code", "QR codes"},
      {"barcode scan", "barcode scans"}}},
    {"Collaboration",
     {{"comment", "comments"},
      {"thread", "threads"},
      {"shared workspace", "shared workspaces"},
      {"whiteboard", "whiteboards"},
      {"note", "notes"},
      {"reaction", "reactions"},
      {"channel", "channels"},
      {"shared link", "shared links"}}},
    {"AI Assistant",
     {{"AI summary", "AI summaries"},
      {"suggested reply", "suggested replies"},
      {"smart tag", "smart tags"},
      {"AI draft", "AI drafts"},
      {"prompt template", "prompt templates"},
      {"action item", "action items"},
      {"sentiment score", "sentiment scores"},
      {"auto-classification", "auto-classifications"}}},
    {"Localization & Accessibility",
     {{"translation", "translations"},
      {"language pack", "language packs"},
      {"currency format", "currency formats"},
      {"date format", "date formats"},
      {"screen reader label", "screen reader labels"},
      {"high contrast theme", "high contrast themes"},
      {"font size setting", "font size settings"},
      {"locale", "locales"}}},
};
#define NBASE ((int)(sizeof THEMES / sizeof *THEMES))

static const char *const VERBS[] = {
    "Export", "Import", "Sync",    "Share",   "Archive",   "Duplicate",  "Schedule",
    "Merge",  "Tag",    "Filter",  "Search",  "Download",  "Print",      "Restore",
    "Lock",   "Assign", "Approve", "Preview", "Bulk edit", "Comment on",
};
static const char *const QUALIFIERS[] = {
    "audit",   "archived", "filtered", "recurring", "draft",    "shared",         "custom",
    "team",    "private",  "monthly",  "overdue",   "pinned",   "starred",        "deleted",
    "flagged", "imported", "linked",   "default",   "regional", "multi-currency",
};
static const char *const TARGETS[] = {
    "CSV",       "Excel",     "PDF",      "Google Sheets", "JSON",
    "S3",        "Slack",     "email",    "Dropbox",       "SFTP",
    "BigQuery",  "Snowflake", "Notion",   "Jira",          "Microsoft Teams",
    "a webhook", "Zapier",    "OneDrive", "Box",           "Looker",
};
static const char *const INTEGRATIONS[] = {
    "Salesforce", "HubSpot",         "Zendesk",         "Jira",
    "Slack",      "Microsoft Teams", "Google Calendar", "Outlook",
    "Intercom",   "Stripe",          "QuickBooks",      "Xero",
    "Okta",       "Azure AD",        "Workday",         "Pipedrive",
    "Marketo",    "Asana",           "Trello",          "GitHub",
};
static const char *const SYNC_MODES[] = {"Two-way", "Real-time", "Scheduled", "One-click"};
static const char *const CAPABILITIES[] = {
    "search",
    "filters",
    "sorting",
    "bulk actions",
    "templates",
    "version history",
    "reminders",
    "notifications",
    "permissions",
    "dark mode",
    "keyboard shortcuts",
    "offline mode",
    "analytics",
    "alerts",
    "approval flow",
    "audit trail",
    "comments",
    "custom fields",
    "tagging",
    "webhooks",
};
static const char *const SURFACES[] = {
    "mobile app",        "web app",     "admin console", "dashboard", "public API",
    "browser extension", "desktop app", "sidebar",       "inbox",     "command palette",
};
static const char *const FREQUENCIES[] = {"Daily", "Weekly", "Monthly", "Hourly", "Real-time"};
static const char *const DIGESTS[] = {"digest", "summary", "report", "snapshot"};
static const char *const CHANNELS[] = {"email", "Slack", "Microsoft Teams", "SMS", "push"};

static const char *const PERSONAS[] = {
    "Finance teams",
    "Admins",
    "Sales reps",
    "Support agents",
    "Team leads",
    "Enterprise customers",
    "Operations managers",
    "Account executives",
    "New users",
    "Power users",
    "Customer success managers",
    "IT administrators",
};
static const char *const ASKS[] = {"keep asking for", "need", "asked for", "would pay for",
                                   "are blocked without"};
static const char *const PURPOSES[] = {
    "month-end close takes hours instead of days",
    "they stop switching between three tools",
    "reporting to leadership takes minutes",
    "nothing falls through the cracks during handovers",
    "auditors get what they ask for without engineering help",
    "they can work from the field with a bad connection",
    "large accounts can roll it out to every team",
    "they see problems before the customer does",
};
static const char *const PAINS[] = {
    "today they copy rows into a spreadsheet by hand",
    "the workaround is a nightly script one engineer maintains",
    "they currently export everything and filter it in Excel",
    "it came up on two renewal calls this quarter",
    "a competitor demoed it last week",
    "without it they lose track of changes",
    "the current screen times out on large accounts",
    "they asked for it in the last three quarterly reviews",
};
/* Things no theme's words cover: requests about them are new features. */
static const noun_t NOVEL[] = {
    {"gift card", "gift cards"},
    {"loyalty point", "loyalty points"},
    {"carbon footprint estimate", "carbon footprint estimates"},
    {"drone flight log", "drone flight logs"},
    {"IoT sensor reading", "IoT sensor readings"},
    {"voice command", "voice commands"},
    {"AR product preview", "AR product previews"},
    {"crypto payout", "crypto payouts"},
    {"podcast episode", "podcast episodes"},
    {"satellite image", "satellite images"},
    {"parking permit", "parking permits"},
    {"vaccination record", "vaccination records"},
    {"fleet vehicle", "fleet vehicles"},
    {"classroom roster", "classroom rosters"},
    {"recipe card", "recipe cards"},
    {"insurance claim photo", "insurance claim photos"},
};
static const char *const PARAPHRASE[] = {"Please add ", "Support for ", "We need ", "Would love "};

/* ---- the synthetic workspace ----------------------------------------------------------------- */

typedef struct {
    int themes;
    char (*theme_ids)[CS_UUID_LEN];
    char **theme_names;
    double *theme_cum; /* cumulative share of themes 0..t */
    size_t n;
    char (*ids)[CS_UUID_LEN];
    char **names, **descs;
    int *theme; /* of each feature */
    size_t *theme_size;
    size_t duplicates; /* names that stayed equal to an earlier one after NAME_TRIES draws */
    char workspace_id[CS_UUID_LEN];
} world_t;

/* A set of 64-bit hashes (of normalised names): open addressing, 0 is empty. */
typedef struct {
    uint64_t *slot;
    size_t cap;
} set_t;

static uint64_t s_fnv64(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211u;
    return h ? h : 1;
}

/* Adds h; false when it was there already. */
static bool s_set_add(set_t *set, uint64_t h)
{
    size_t i = (size_t)(h * 0x9e3779b97f4a7c15u) & (set->cap - 1);
    while (set->slot[i]) {
        if (set->slot[i] == h)
            return false;
        i = (i + 1) & (set->cap - 1);
    }
    set->slot[i] = h;
    return true;
}

static int s_pick_theme(const world_t *w, uint64_t *rng)
{
    double u = s_uniform(rng) * w->theme_cum[w->themes - 1];
    int lo = 0, hi = w->themes - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (w->theme_cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void s_capitalise(char *s)
{
    if (s[0] >= 'a' && s[0] <= 'z')
        s[0] = (char)(s[0] - 'a' + 'A');
}

/* A feature name of theme t into buf ("Export overdue invoices to CSV"). */
static void s_gen_name(uint64_t *rng, int t, char *buf, size_t len)
{
    const noun_t *nn = &THEMES[t % NBASE].nouns[s_below(rng, 8)];
    double u = s_uniform(rng);
    if (u < 0.30)
        snprintf(buf, len, "%s %s %s to %s", PICK(rng, VERBS), PICK(rng, QUALIFIERS), nn->many,
                 PICK(rng, TARGETS));
    else if (u < 0.40)
        snprintf(buf, len, "%s %s %s sync", PICK(rng, SYNC_MODES), PICK(rng, INTEGRATIONS),
                 nn->one);
    else if (u < 0.55)
        snprintf(buf, len, "%s %s %s", PICK(rng, QUALIFIERS), nn->one, PICK(rng, CAPABILITIES));
    else if (u < 0.70)
        snprintf(buf, len, "%s %s from %s", PICK(rng, VERBS), nn->many, PICK(rng, INTEGRATIONS));
    else if (u < 0.95)
        snprintf(buf, len, "%s for %s %s in the %s", PICK(rng, CAPABILITIES), PICK(rng, QUALIFIERS),
                 nn->many, PICK(rng, SURFACES));
    else
        snprintf(buf, len, "%s %s %s by %s", PICK(rng, FREQUENCIES), nn->one, PICK(rng, DIGESTS),
                 PICK(rng, CHANNELS));
    s_capitalise(buf);
}

/* A short description of a request about `things` ("invoices"). */
static void s_gen_desc(uint64_t *rng, const char *things, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s better handling of %s so that %s; %s.", PICK(rng, PERSONAS),
             PICK(rng, ASKS), things, PICK(rng, PURPOSES), PICK(rng, PAINS));
}

static const char *s_theme_things(uint64_t *rng, int t)
{
    return THEMES[t % NBASE].nouns[s_below(rng, 8)].many;
}

static void s_world_free(world_t *w)
{
    for (size_t i = 0; w->names && i < w->n; i++) {
        free(w->names[i]);
        free(w->descs[i]);
    }
    for (int t = 0; w->theme_names && t < w->themes; t++)
        free(w->theme_names[t]);
    free(w->theme_ids);
    free(w->theme_names);
    free(w->theme_cum);
    free(w->ids);
    free(w->names);
    free(w->descs);
    free(w->theme);
    free(w->theme_size);
    *w = (world_t){0};
}

static char *s_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* N features over T themes, distinct names (as far as the word lists allow). 0 or -1 (OOM). */
static int s_world_new(world_t *w, size_t n, int themes, uint64_t *rng)
{
    *w = (world_t){0};
    w->themes = themes;
    w->n = n;
    cs_uuid_v5("bench/workspace", w->workspace_id);
    w->theme_ids = calloc((size_t)themes, sizeof *w->theme_ids);
    w->theme_names = calloc((size_t)themes, sizeof *w->theme_names);
    w->theme_cum = calloc((size_t)themes, sizeof *w->theme_cum);
    w->theme_size = calloc((size_t)themes, sizeof *w->theme_size);
    w->ids = calloc(n, sizeof *w->ids);
    w->names = calloc(n, sizeof *w->names);
    w->descs = calloc(n, sizeof *w->descs);
    w->theme = calloc(n, sizeof *w->theme);
    set_t seen = {0};
    seen.cap = 1024;
    while (seen.cap < 2 * n)
        seen.cap *= 2;
    seen.slot = calloc(seen.cap, sizeof *seen.slot);
    if (!w->theme_ids || !w->theme_names || !w->theme_cum || !w->theme_size || !w->ids ||
        !w->names || !w->descs || !w->theme || !seen.slot) {
        free(seen.slot);
        return -1;
    }
    char buf[MAX_TITLE];
    double cum = 0;
    for (int t = 0; t < themes; t++) {
        snprintf(buf, sizeof buf, "bench/theme/%d", t);
        cs_uuid_v5(buf, w->theme_ids[t]);
        if (t < NBASE)
            snprintf(buf, sizeof buf, "%s", THEMES[t].name);
        else
            snprintf(buf, sizeof buf, "%s %d", THEMES[t % NBASE].name, t / NBASE + 1);
        w->theme_names[t] = s_dup(buf);
        if (!w->theme_names[t]) {
            free(seen.slot);
            return -1;
        }
        cum += 1.0 / sqrt(t + 1.0);
        w->theme_cum[t] = cum;
    }
    for (size_t i = 0; i < n; i++) {
        int t = s_pick_theme(w, rng);
        bool fresh = false;
        for (int tries = 0; tries < NAME_TRIES && !fresh; tries++) {
            s_gen_name(rng, t, buf, sizeof buf);
            char *norm = cs_vec_norm_name(buf);
            if (!norm) {
                free(seen.slot);
                return -1;
            }
            fresh = s_set_add(&seen, s_fnv64(norm));
            free(norm);
        }
        w->duplicates += !fresh;
        w->names[i] = s_dup(buf);
        s_gen_desc(rng, s_theme_things(rng, t), buf, sizeof buf);
        w->descs[i] = s_dup(buf);
        if (!w->names[i] || !w->descs[i]) {
            free(seen.slot);
            return -1;
        }
        w->theme[i] = t;
        w->theme_size[t]++;
        snprintf(buf, sizeof buf, "bench/feature/%zu", i);
        cs_uuid_v5(buf, w->ids[i]);
    }
    free(seen.slot);
    return 0;
}

/* A feature request as a call would voice it: 10% an existing feature's name in lower case,
   30% an existing feature reworded ("Please add ..."), 45% a name freshly drawn from the
   generator (mostly a new combination of known words, sometimes an existing name), 15% about
   something the catalogue has no words for ("Gift card tagging"). A fresh description every
   time. */
static void s_gen_request(const world_t *w, uint64_t *rng, char *title, char *desc, int *theme)
{
    double u = s_uniform(rng);
    const char *things = NULL;
    if (u < 0.4) {
        size_t i = s_below(rng, w->n);
        const char *name = w->names[i];
        *theme = w->theme[i];
        if (u < 0.1) {
            snprintf(title, MAX_TITLE, "%s", name);
            for (char *p = title; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
        } else {
            bool acronym = name[1] >= 'A' && name[1] <= 'Z';
            snprintf(title, MAX_TITLE, "%s%c%s", PICK(rng, PARAPHRASE),
                     name[0] >= 'A' && name[0] <= 'Z' && !acronym ? (char)(name[0] - 'A' + 'a')
                                                                  : name[0],
                     name + 1);
        }
    } else if (u < 0.85) {
        *theme = s_pick_theme(w, rng);
        s_gen_name(rng, *theme, title, MAX_TITLE);
    } else {
        const noun_t *nn = &PICK(rng, NOVEL);
        *theme = s_pick_theme(w, rng);
        things = nn->many;
        if (s_uniform(rng) < 0.5)
            snprintf(title, MAX_TITLE, "%s %s", nn->one, PICK(rng, CAPABILITIES));
        else
            snprintf(title, MAX_TITLE, "%s %s to %s", PICK(rng, VERBS), nn->many,
                     PICK(rng, TARGETS));
        s_capitalise(title);
    }
    s_gen_desc(rng, things ? things : s_theme_things(rng, *theme), desc, MAX_DESC);
}

/* ---- measuring ------------------------------------------------------------------------------- */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: on a busy machine, wall time counts the waits for a core too. */
static double s_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The 1-minute load average, -1 when unknown. */
static double s_load(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf", &load) != 1)
        load = -1;
    if (f)
        fclose(f);
    return load;
}

typedef struct {
    long rss_kb, hwm_kb;
} mem_t;

static mem_t s_mem(void)
{
    mem_t m = {-1, -1};
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            m.rss_kb = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            m.hwm_kb = strtol(line + 6, NULL, 10);
    }
    if (f)
        fclose(f);
    return m;
}

typedef struct {
    int n;
    double mean, p50, p95, p99, max; /* microseconds */
    double per_s;                    /* operations per second of the summed time */
    double cpu_mean;                 /* microseconds of CPU per operation */
} lat_t;

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_rank(const double *sorted, int n, double p)
{
    int i = (int)ceil(p * n) - 1;
    return sorted[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* Latencies in seconds (sorted in place) and the CPU seconds they took in all to microsecond
   figures. */
static lat_t s_lat(double *s, int n, double cpu)
{
    lat_t l = {.n = n};
    if (n <= 0)
        return l;
    qsort(s, (size_t)n, sizeof *s, s_cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += s[i];
    l.mean = sum / n * 1e6;
    l.p50 = s_rank(s, n, 0.50) * 1e6;
    l.p95 = s_rank(s, n, 0.95) * 1e6;
    l.p99 = s_rank(s, n, 0.99) * 1e6;
    l.max = s[n - 1] * 1e6;
    l.per_s = sum > 0 ? n / sum : 0;
    l.cpu_mean = cpu / n * 1e6;
    return l;
}

static json_t *s_lat_json(const lat_t *l)
{
    return json_pack("{s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "n", l->n, "mean_us", l->mean,
                     "p50_us", l->p50, "p95_us", l->p95, "p99_us", l->p99, "max_us", l->max,
                     "per_s", l->per_s, "cpu_mean_us", l->cpu_mean);
}

static void s_lat_row(const char *what, const lat_t *l)
{
    printf("  %-34s %6d %10.1f %10.1f %10.1f %10.1f %10.1f %10.0f %10.1f\n", what, l->n, l->mean,
           l->p50, l->p95, l->p99, l->max, l->per_s, l->cpu_mean);
}

static void s_lat_header(void)
{
    printf("  %-34s %6s %10s %10s %10s %10s %10s %10s %10s\n", "wall-clock latency (us)", "n",
           "mean", "p50", "p95", "p99", "max", "per s", "CPU mean");
}

/* ---- the parts ------------------------------------------------------------------------------- */

typedef struct {
    size_t n, themes, largest_theme, smallest_theme, duplicates;
    /* sparse */
    double s_build_s, s_build_cpu, s_mean_nnz, s_name_nnz;
    mem_t s_before, s_built, s_weighted;
    double s_cold_theme_us, s_cold_cross_us, s_walk_us;
    size_t s_cold_theme_size;
    lat_t s_theme, s_cross;
    /* engine */
    long e_extractions, e_decisions, e_created, e_linked, e_exact, e_embedding, e_rechecks;
    long e_merged;
    long e_invalid;
    size_t e_size_before, e_size_after;
    double e_total_s;
    lat_t e_lat;
    mem_t e_after;
    /* dense */
    int d_dims;
    double d_build_s, d_build_cpu;
    double load_start, load_end;
    mem_t d_before, d_built;
    lat_t d_theme, d_cross, d_ref;
} result_t;

static int s_add_themes(cs_catalog_t *cat, const world_t *w)
{
    for (int t = 0; t < w->themes; t++)
        if (cs_catalog_add_theme(cat, w->theme_ids[t], w->theme_names[t], t == 0) != 0)
            return -1;
    return 0;
}

/* Part 1: the offline catalogue (left in *cat_p for part 2). */
static int s_sparse(const world_t *w, int queries, int cross, uint64_t *rng, cs_catalog_t **cat_p,
                    result_t *r)
{
    cs_catalog_t *cat = cs_catalog_new(w->workspace_id, true);
    *cat_p = cat;
    if (!cat || s_add_themes(cat, w) != 0)
        return -1;
    fprintf(stderr, "bench_matcher: sparse catalogue of %zu features...\n", w->n);
    r->s_before = s_mem();
    double c0 = s_cpu(), t0 = s_now();
    for (size_t i = 0; i < w->n; i++) {
        cs_vec_t v;
        if (cs_vec_offline_feature(w->names[i], w->descs[i], &v) != 0)
            return -1;
        if (!cs_catalog_add(cat, w->ids[i], w->theme_ids[w->theme[i]], w->names[i], w->descs[i], &v,
                            false)) {
            cs_vec_free(&v);
            return -1;
        }
    }
    r->s_build_s = s_now() - t0;
    r->s_build_cpu = s_cpu() - c0;
    r->s_built = s_mem();
    double nnz = 0;
    for (size_t i = 0; i < w->n; i++)
        nnz += cs_catalog_at(cat, i)->vec.n;
    r->s_mean_nnz = nnz / (double)w->n;
    /* how much of that the name is, on a sample (the rest comes from the description) */
    size_t sample = w->n < 10000 ? w->n : 10000;
    nnz = 0;
    for (size_t i = 0; i < sample; i++) {
        cs_vec_t v;
        if (cs_vec_offline(w->names[i], &v) != 0)
            return -1;
        nnz += v.n;
        cs_vec_free(&v);
    }
    r->s_name_nnz = nnz / (double)sample;

    /* the query vectors and themes, made before the clock runs */
    cs_vec_t *qv = calloc((size_t)queries, sizeof *qv);
    cs_vec_t *qw = calloc((size_t)queries, sizeof *qw); /* their words, for the lexical score */
    int *qt = calloc((size_t)queries, sizeof *qt);
    double *lat = calloc((size_t)(queries > cross ? queries : cross), sizeof *lat);
    int rc = -1;
    if (!qv || !qw || !qt || !lat)
        goto done;
    for (int i = 0; i < queries; i++) {
        char title[MAX_TITLE], desc[MAX_DESC];
        s_gen_request(w, rng, title, desc, &qt[i]);
        if (cs_vec_offline_feature(title, desc, &qv[i]) != 0 || cs_vec_words(title, &qw[i]) != 0)
            goto done;
    }
    cs_hit_t hits[K];
    /* the first query of a theme weighs that theme's features by the current IDF; the first
       across themes weighs all the others */
    t0 = s_now();
    cs_catalog_top(cat, w->theme_ids[qt[0]], &qv[0], &qw[0], K, hits, 0);
    r->s_cold_theme_us = (s_now() - t0) * 1e6;
    r->s_cold_theme_size = w->theme_size[qt[0]];
    t0 = s_now();
    cs_catalog_top(cat, NULL, &qv[0], &qw[0], K, hits, 0);
    r->s_cold_cross_us = (s_now() - t0) * 1e6;
    r->s_weighted = s_mem();

    c0 = s_cpu();
    for (int i = 0; i < queries; i++) {
        t0 = s_now();
        cs_catalog_top(cat, w->theme_ids[qt[i]], &qv[i], &qw[i], K, hits, 0);
        lat[i] = s_now() - t0;
    }
    r->s_theme = s_lat(lat, queries, s_cpu() - c0);
    c0 = s_cpu();
    for (int i = 0; i < cross; i++) {
        t0 = s_now();
        cs_catalog_top(cat, NULL, &qv[i % queries], &qw[i % queries], K, hits, 0);
        lat[i] = s_now() - t0;
    }
    r->s_cross = s_lat(lat, cross, s_cpu() - c0);

    /* the floor of a theme query: visiting every feature to look at its theme */
    size_t in_theme = 0;
    t0 = s_now();
    for (size_t i = 0; i < cs_catalog_size(cat); i++)
        in_theme += cs_catalog_at(cat, i)->theme == qt[0];
    r->s_walk_us = (s_now() - t0) * 1e6;
    if (in_theme != w->theme_size[qt[0]])
        fprintf(stderr, "bench_matcher: theme %d holds %zu features, expected %zu\n", qt[0],
                in_theme, w->theme_size[qt[0]]);
    rc = 0;
done:
    for (int i = 0; qv && i < queries; i++)
        cs_vec_free(&qv[i]);
    for (int i = 0; qw && i < queries; i++)
        cs_vec_free(&qw[i]);
    free(qv);
    free(qw);
    free(qt);
    free(lat);
    return rc;
}

typedef struct {
    json_t **out;
    int n;
} sink_t;

static void s_on_decision(void *arg, json_t *decision, long tokens_used)
{
    sink_t *sink = arg;
    (void)tokens_used; /* offline: always 0 */
    sink->out[sink->n++] = decision;
}

/* One extraction record (new reference) of 1 to 3 feature requests. */
static json_t *s_extraction(const world_t *w, uint64_t *rng, int i)
{
    json_t *reqs = json_array();
    int nreq = 1 + (int)s_below(rng, 3);
    for (int j = 0; j < nreq; j++) {
        char title[MAX_TITLE], desc[MAX_DESC];
        int t;
        s_gen_request(w, rng, title, desc, &t);
        json_array_append_new(reqs,
                              json_pack("{s:s, s:s, s:s, s:s}", "title", title, "description", desc,
                                        "urgency", "medium", "theme", w->theme_names[t]));
    }
    char ext[32], title[64];
    snprintf(ext, sizeof ext, "q%d", i);
    snprintf(title, sizeof title, "Customer call %d", i);
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:o, s:[], s:{s:s, s:f}, s:s}}", "v",
                     CS_RECORD_VERSION, "kind", "extraction", "workspace_id", w->workspace_id,
                     "source", "replay", "external_id", ext, "title", title, "started_at",
                     "2025-10-20T17:27:28Z", "insights", "feature_requests", reqs, "bug_reports",
                     "sentiment", "overall", "neutral", "score", 0.0, "summary",
                     "The customer walked through their requests.");
}

/* Part 2: the decision engine offline, against the catalogue of part 1. */
static int s_engine(const world_t *w, int queries, uint64_t *rng, cs_catalog_t *cat, result_t *r)
{
    fprintf(stderr, "bench_matcher: %d extractions through the decision engine...\n", queries);
    json_t **recs = calloc((size_t)queries, sizeof *recs);
    sink_t sink = {calloc((size_t)queries, sizeof *sink.out), 0};
    double *lat = calloc((size_t)queries, sizeof *lat);
    cs_match_opts_t o = {.link_above = 0.55,
                         .new_below = 0.45,
                         .band_margin = 0.15,
                         .cross_theme = true,
                         .threshold = 0.7,
                         .candidates = K,
                         .max_attempts = 3,
                         .quiet = true};
    cs_match_t *m = cs_match_new(&o, s_on_decision, &sink);
    int rc = -1;
    char err[256];
    if (!recs || !sink.out || !lat || !m)
        goto done;
    for (int i = 0; i < queries; i++) {
        recs[i] = s_extraction(w, rng, i);
        if (!recs[i])
            goto done;
        if (cs_record_validate(recs[i], err, sizeof err) != 0) {
            fprintf(stderr, "bench_matcher: extraction %d is invalid: %s\n", i, err);
            goto done;
        }
    }
    r->e_size_before = cs_catalog_size(cat);
    double total = 0, c0 = s_cpu();
    for (int i = 0; i < queries; i++) {
        json_t *rec = recs[i];
        recs[i] = NULL;
        double t0 = s_now();
        cs_match_submit(m, rec, cat); /* offline: decided before it returns */
        lat[i] = s_now() - t0;
        total += lat[i];
    }
    r->e_total_s = total;
    r->e_lat = s_lat(lat, queries, s_cpu() - c0);
    r->e_size_after = cs_catalog_size(cat);
    r->e_after = s_mem();
    cs_match_totals_t t;
    cs_match_totals(m, &t);
    r->e_extractions = t.extractions;
    r->e_decisions = t.created + t.linked;
    r->e_created = t.created;
    r->e_linked = t.linked;
    r->e_exact = t.by_exact;
    r->e_embedding = t.by_embedding;
    r->e_rechecks = t.rechecks;
    r->e_merged = t.merged;
    for (int i = 0; i < sink.n; i++)
        if (cs_record_validate(sink.out[i], err, sizeof err) != 0 && r->e_invalid++ == 0)
            fprintf(stderr, "bench_matcher: decision %d is invalid: %s\n", i, err);
    rc = sink.n == queries && r->e_invalid == 0 && cs_match_pending(m) == 0 ? 0 : -1;
    if (sink.n != queries)
        fprintf(stderr, "bench_matcher: %d decisions for %d extractions\n", sink.n, queries);
done:
    for (int i = 0; recs && i < queries; i++)
        json_decref(recs[i]);
    for (int i = 0; i < sink.n; i++)
        json_decref(sink.out[i]);
    free(recs);
    free(sink.out);
    free(lat);
    cs_match_destroy(&m);
    return rc;
}

static void s_random_unit(uint64_t *rng, double *v, int dims)
{
    for (int j = 0; j < dims; j++)
        v[j] = 2 * s_uniform(rng) - 1;
}

/* Part 3: a dense catalogue of random unit vectors. */
static int s_dense(const world_t *w, int dims, int queries, int cross, uint64_t *rng, result_t *r)
{
    fprintf(stderr, "bench_matcher: dense catalogue of %zu x %d...\n", w->n, dims);
    cs_catalog_t *cat = cs_catalog_new(w->workspace_id, false);
    int nq = queries > cross ? queries : cross;
    double *v = calloc((size_t)dims, sizeof *v);
    cs_vec_t *qv = calloc((size_t)nq, sizeof *qv);
    int *qt = calloc((size_t)nq, sizeof *qt);
    double *lat = calloc((size_t)nq, sizeof *lat);
    int rc = -1;
    if (!cat || !v || !qv || !qt || !lat || s_add_themes(cat, w) != 0)
        goto done;
    r->d_dims = dims;
    malloc_trim(0); /* give back what the sparse catalogue freed, so RSS shows this one */
    r->d_before = s_mem();
    double spent = 0, cpu = 0; /* drawing random numbers is not timed */
    for (size_t i = 0; i < w->n; i++) {
        s_random_unit(rng, v, dims);
        double t0 = s_now(), c0 = s_cpu();
        cs_vec_t dv;
        if (cs_vec_dense(v, dims, &dv) != 0)
            goto done;
        if (!cs_catalog_add(cat, w->ids[i], w->theme_ids[w->theme[i]], w->names[i], w->descs[i],
                            &dv, false)) {
            cs_vec_free(&dv);
            goto done;
        }
        spent += s_now() - t0;
        cpu += s_cpu() - c0;
    }
    r->d_build_s = spent;
    r->d_build_cpu = cpu;
    r->d_built = s_mem();
    for (int i = 0; i < nq; i++) {
        s_random_unit(rng, v, dims);
        qt[i] = s_pick_theme(w, rng);
        if (cs_vec_dense(v, dims, &qv[i]) != 0)
            goto done;
    }
    cs_hit_t hits[K];
    double c0 = s_cpu();
    for (int i = 0; i < queries; i++) {
        double t0 = s_now();
        cs_catalog_top(cat, w->theme_ids[qt[i]], &qv[i], NULL, K, hits, 0);
        lat[i] = s_now() - t0;
    }
    r->d_theme = s_lat(lat, queries, s_cpu() - c0);
    c0 = s_cpu();
    for (int i = 0; i < cross; i++) {
        double t0 = s_now();
        cs_catalog_top(cat, NULL, &qv[i], NULL, K, hits, 0);
        lat[i] = s_now() - t0;
    }
    r->d_cross = s_lat(lat, cross, s_cpu() - c0);
    double sink = 0;
    c0 = s_cpu();
    for (int i = 0; i < cross; i++) {
        double t0 = s_now();
        double best = -2;
        for (size_t j = 0; j < cs_catalog_size(cat); j++) {
            /* the vectors as the catalogue keeps them: int8 codes from the index's size on */
            double sim = cs_catalog_similarity(cat, cs_catalog_at(cat, j), &qv[i]);
            if (sim > best)
                best = sim;
        }
        lat[i] = s_now() - t0;
        sink += best;
    }
    r->d_ref = s_lat(lat, cross, s_cpu() - c0);
    if (sink > cross) /* keeps the reference scan from being optimised away; never true */
        fprintf(stderr, "bench_matcher: impossible similarity\n");
    rc = 0;
done:
    for (int i = 0; qv && i < nq; i++)
        cs_vec_free(&qv[i]);
    free(qv);
    free(qt);
    free(lat);
    free(v);
    cs_catalog_destroy(&cat);
    return rc;
}

/* ---- the report ------------------------------------------------------------------------------ */

#ifdef __OPTIMIZE__
#define BUILD_NOTE "optimised build"
#else
#define BUILD_NOTE "NOT an optimised build (-O0): these figures say little"
#endif

typedef struct {
    int queries, cross;
    uint64_t seed;
} config_t;

static double s_mb(long kb)
{
    return (double)kb / 1024.0;
}

static void s_print(const result_t *r, const config_t *c)
{
    printf("bench_matcher: %zu features in %zu themes (largest %zu, smallest %zu), %d queries, "
           "%d across themes, seed %llu; %s\n",
           r->n, r->themes, r->largest_theme, r->smallest_theme, c->queries, c->cross,
           (unsigned long long)c->seed, BUILD_NOTE);
    printf("  load average (1 min) %.2f at the start, %.2f at the end; %s\n", r->load_start,
           r->load_end,
           "where CPU mean is well under wall-clock mean, other processes had the cores");
    if (r->duplicates)
        printf("  (%zu names repeat an earlier one: the word lists ran out)\n", r->duplicates);

    printf("\n1. Offline (sparse) catalogue\n");
    printf("  build (cs_vec_offline_feature + cs_catalog_add): %.2f s (CPU %.2f s), %.0f "
           "features/s\n",
           r->s_build_s, r->s_build_cpu, (double)r->n / r->s_build_s);
    printf("  non-zero entries per vector: %.1f (mean; %.1f from the name alone), %.0f bytes "
           "each as stored and again IDF-weighted\n",
           r->s_mean_nnz, r->s_name_nnz, r->s_mean_nnz * 8);
    printf("  RSS: %.1f MB before, %.1f MB built (+%.1f), %.1f MB once the IDF-weighted vectors "
           "are cached (+%.1f); peak %.1f MB\n",
           s_mb(r->s_before.rss_kb), s_mb(r->s_built.rss_kb),
           s_mb(r->s_built.rss_kb - r->s_before.rss_kb), s_mb(r->s_weighted.rss_kb),
           s_mb(r->s_weighted.rss_kb - r->s_built.rss_kb), s_mb(r->s_weighted.hwm_kb));
    printf("  first query in a theme of %zu features (weighs them by IDF): %.1f ms\n",
           r->s_cold_theme_size, r->s_cold_theme_us / 1000);
    printf("  then the first query across themes (weighs all the others): %.1f ms\n",
           r->s_cold_cross_us / 1000);
    printf("  visiting all features to check their theme (a theme query's floor): %.1f ms\n",
           r->s_walk_us / 1000);
    s_lat_header();
    s_lat_row("top-5 in the query's theme", &r->s_theme);
    s_lat_row("top-5 across themes", &r->s_cross);

    printf("\n2. Decision engine offline (similarity alone, link >= 0.55, new < 0.25, k = 5)\n");
    printf("  %ld extractions, %ld decisions in %.2f s: %.1f decisions/s (%.1f ms each), "
           "%.1f extractions/s\n",
           r->e_extractions, r->e_decisions, r->e_total_s, (double)r->e_decisions / r->e_total_s,
           r->e_total_s * 1000 / (double)r->e_decisions, (double)r->e_extractions / r->e_total_s);
    printf("  created %ld, linked %ld; by method: exact name %ld, similarity %ld; rechecks %ld; "
           "merged %ld\n",
           r->e_created, r->e_linked, r->e_exact, r->e_embedding, r->e_rechecks, r->e_merged);
    printf("  catalogue %zu -> %zu features; RSS %.1f MB, peak %.1f MB; invalid decision "
           "records: %ld\n",
           r->e_size_before, r->e_size_after, s_mb(r->e_after.rss_kb), s_mb(r->e_after.hwm_kb),
           r->e_invalid);
    s_lat_header();
    s_lat_row("one extraction (1-3 requests)", &r->e_lat);

    printf("\n3. Dense catalogue (%d dimensions, random unit vectors)\n", r->d_dims);
    printf("  build (cs_vec_dense + cs_catalog_add): %.2f s (CPU %.2f s), %.0f features/s\n",
           r->d_build_s, r->d_build_cpu, (double)r->n / r->d_build_s);
    printf("  vectors as float32: %.1f MB (%d bytes each; from %d features on the catalogue keeps "
           "int8 codes instead, a quarter); RSS %.1f MB before, %.1f MB built (+%.1f); "
           "peak %.1f MB\n",
           (double)r->n * r->d_dims * 4 / 1048576.0, r->d_dims * 4, CS_INDEX_MIN_FEATURES,
           s_mb(r->d_before.rss_kb), s_mb(r->d_built.rss_kb),
           s_mb(r->d_built.rss_kb - r->d_before.rss_kb), s_mb(r->d_built.hwm_kb));
    s_lat_header();
    s_lat_row("top-5 in the query's theme", &r->d_theme);
    s_lat_row("top-5 across themes", &r->d_cross);
    s_lat_row("reference scan (not the matcher)", &r->d_ref);
}

static json_t *s_mem_json(mem_t m)
{
    return json_pack("{s:I, s:I}", "rss_kb", (json_int_t)m.rss_kb, "hwm_kb", (json_int_t)m.hwm_kb);
}

static json_t *s_json(const result_t *r, const config_t *c)
{
    json_t *o = json_object();
    json_t *cfg = json_pack("{s:I, s:I, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:b}", "features",
                            (json_int_t)r->n, "themes", (json_int_t)r->themes, "queries",
                            c->queries, "cross_queries", c->cross, "dims", r->d_dims, "seed",
                            (json_int_t)c->seed, "largest_theme", (json_int_t)r->largest_theme,
                            "smallest_theme", (json_int_t)r->smallest_theme, "duplicate_names",
                            (json_int_t)r->duplicates, "optimised",
#ifdef __OPTIMIZE__
                            1
#else
                            0
#endif
    );
    json_object_set_new(o, "config", cfg);
    json_object_set_new(o, "load_average",
                        json_pack("{s:f, s:f}", "start", r->load_start, "end", r->load_end));
    json_t *s =
        json_pack("{s:f, s:f, s:f, s:f, s:f, s:I, s:f, s:f}", "build_s", r->s_build_s,
                  "build_cpu_s", r->s_build_cpu, "features_per_s", (double)r->n / r->s_build_s,
                  "mean_nnz", r->s_mean_nnz, "first_theme_query_us", r->s_cold_theme_us,
                  "first_theme_size", (json_int_t)r->s_cold_theme_size, "first_cross_query_us",
                  r->s_cold_cross_us, "theme_walk_us", r->s_walk_us);
    json_object_set_new(s, "name_nnz", json_real(r->s_name_nnz));
    json_object_set_new(s, "mem_before", s_mem_json(r->s_before));
    json_object_set_new(s, "mem_built", s_mem_json(r->s_built));
    json_object_set_new(s, "mem_weighted", s_mem_json(r->s_weighted));
    json_object_set_new(s, "theme", s_lat_json(&r->s_theme));
    json_object_set_new(s, "cross_theme", s_lat_json(&r->s_cross));
    json_object_set_new(o, "sparse", s);
    json_t *e = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f}", "extractions",
        (json_int_t)r->e_extractions, "decisions", (json_int_t)r->e_decisions, "created",
        (json_int_t)r->e_created, "linked", (json_int_t)r->e_linked, "exact",
        (json_int_t)r->e_exact, "embedding", (json_int_t)r->e_embedding, "rechecks",
        (json_int_t)r->e_rechecks, "invalid_records", (json_int_t)r->e_invalid, "catalogue_before",
        (json_int_t)r->e_size_before, "catalogue_after", (json_int_t)r->e_size_after, "total_s",
        r->e_total_s, "decisions_per_s", (double)r->e_decisions / r->e_total_s);
    json_object_set_new(e, "extraction", s_lat_json(&r->e_lat));
    json_object_set_new(e, "mem_after", s_mem_json(r->e_after));
    json_object_set_new(o, "engine", e);
    json_t *d =
        json_pack("{s:i, s:f, s:f, s:f}", "dims", r->d_dims, "build_s", r->d_build_s, "build_cpu_s",
                  r->d_build_cpu, "features_per_s", (double)r->n / r->d_build_s);
    json_object_set_new(d, "mem_before", s_mem_json(r->d_before));
    json_object_set_new(d, "mem_built", s_mem_json(r->d_built));
    json_object_set_new(d, "theme", s_lat_json(&r->d_theme));
    json_object_set_new(d, "cross_theme", s_lat_json(&r->d_cross));
    json_object_set_new(d, "reference_scan", s_lat_json(&r->d_ref));
    json_object_set_new(o, "dense", d);
    return o;
}

/* ---- the candidate index at scale (--index sparse|dense) ------------------------------------ */

/* The offline decision from a top-k (docs/QUALITY.md, "How the offline matcher decides"): the
   target's position, or -1 for a new feature. The dense index is judged by the same rule (its
   band would go to the judge: the rule stands for "the same candidates, the same scores"). */
static long s_decide(const cs_hit_t *hits, int n)
{
    if (n == 0 || hits[0].fused < 0.45)
        return -1;
    double margin = n > 1 ? hits[0].fused - hits[1].fused : hits[0].fused;
    return hits[0].fused >= 0.55 || margin >= 0.15 ? (long)hits[0].feature->pos : -1;
}

typedef struct {
    const char *kind;
    size_t n;
    int dims, queries, cross, exact_theme, exact_cross;
    double build_s, build_cpu;
    mem_t before, built, queried, end;
    size_t index_bytes, stopped;
    lat_t theme, cross_lat, scan_theme, scan_cross;
    /* against the scan: top-5 found, decisions alike, first hits alike */
    long top_total, top_found, decisions, same_decision, same_first;
    long strong_total, strong_found; /* of the scan's hits at 0.45 or more (new-below) */
    /* dense, --float-check: against a scan of the float vectors (the benchmark's own copy) */
    long f_decisions, f_same_index, f_same_scan, f_top_total, f_top_found;
    /* the catalogue by structure (malloc_usable_size + an 8-byte header per block) */
    size_t b_structs, b_strings, b_vectors, b_words, b_aliases, b_blocks;
} idx_result_t;

static bool g_float_check; /* --float-check */
static float *g_floats;    /* dense, --float-check: every feature's float vector, n x dims */

/* What a block of p takes from the heap. */
static size_t s_block(const void *p, size_t *blocks)
{
    if (!p)
        return 0;
    (*blocks)++;
    return malloc_usable_size((void *)p) + 8;
}

/* The catalogue's bytes by structure (its hash tables, themes and the index are not in it). */
static void s_catalog_bytes(cs_catalog_t *cat, idx_result_t *r)
{
    size_t *nb = &r->b_blocks;
    for (size_t i = 0; i < cs_catalog_size(cat); i++) {
        const cs_feature_t *f = cs_catalog_at(cat, i);
        r->b_structs += s_block(f, nb);
        r->b_strings += s_block(f->name, nb) + s_block(f->norm, nb) + s_block(f->description, nb);
        for (int q = 0; q < CS_CATALOG_QUOTES; q++)
            r->b_strings += s_block(f->quotes[q], nb);
        r->b_vectors += s_block(f->vec.idx, nb) + s_block(f->vec.val, nb) +
                        s_block(f->weighted.idx, nb) + s_block(f->weighted.val, nb);
        r->b_words += s_block(f->words.idx, nb) + s_block(f->words.val, nb);
        r->b_aliases += s_block(f->aliases, nb);
        for (int a = 0; a < f->naliases; a++) {
            const cs_alias_t *al = &f->aliases[a];
            r->b_aliases += s_block(al->name, nb) + s_block(al->vec.idx, nb) +
                            s_block(al->vec.val, nb) + s_block(al->words.idx, nb) +
                            s_block(al->words.val, nb);
        }
    }
}

/* The top-k of query q (dense) over the benchmark's float copy, in theme t (-1: any), as the
   scan ranks: positions into pos, cosines into sim; the count. */
static int s_float_top(const world_t *w, const cs_vec_t *q, int t, size_t *pos, double *sim)
{
    int found = 0, d = q->n;
    for (size_t j = 0; j < w->n; j++) {
        if (t >= 0 && w->theme[j] != t)
            continue;
        const float *x = g_floats + j * (size_t)d;
        double s = 0;
        for (int c = 0; c < d; c++)
            s += (double)q->val[c] * x[c];
        if (s <= 0 || (found == K && s <= sim[K - 1]))
            continue;
        int m = found < K ? found++ : K - 1;
        while (m > 0 && sim[m - 1] < s) {
            sim[m] = sim[m - 1];
            pos[m] = pos[m - 1];
            m--;
        }
        sim[m] = s;
        pos[m] = j;
    }
    return found;
}

typedef struct {
    cs_vec_t *vec, *words;
    int *theme; /* -1: across themes */
    int n;
    size_t *top; /* n x K positions of the index's answer, SIZE_MAX past its hits */
    int *ntop;
    long *decision;
} idx_queries_t;

static void s_idx_queries_free(idx_queries_t *q)
{
    for (int i = 0; q->vec && i < q->n; i++) {
        cs_vec_free(&q->vec[i]);
        if (q->words)
            cs_vec_free(&q->words[i]);
    }
    free(q->vec);
    free(q->words);
    free(q->theme);
    free(q->top);
    free(q->ntop);
    free(q->decision);
}

static int s_idx_queries_new(idx_queries_t *q, int n, bool words)
{
    *q = (idx_queries_t){.n = n};
    q->vec = calloc((size_t)n, sizeof *q->vec);
    q->words = words ? calloc((size_t)n, sizeof *q->words) : NULL;
    q->theme = calloc((size_t)n, sizeof *q->theme);
    q->top = calloc((size_t)n * K, sizeof *q->top);
    q->ntop = calloc((size_t)n, sizeof *q->ntop);
    q->decision = calloc((size_t)n, sizeof *q->decision);
    return q->vec && (!words || q->words) && q->theme && q->top && q->ntop && q->decision ? 0 : -1;
}

/* Queries [lo, hi) timed into lat; with `record`, their answers kept; else compared with the
   kept ones (recall of the index's top-5 against this, the scan's). */
static void s_idx_run(cs_catalog_t *cat, const world_t *w, idx_queries_t *q, int lo, int hi,
                      bool record, idx_result_t *r, lat_t *lat_out)
{
    double *lat = calloc((size_t)(hi - lo), sizeof *lat);
    if (!lat)
        return;
    double c0 = s_cpu();
    for (int i = lo; i < hi; i++) {
        cs_hit_t hits[K];
        const char *theme = q->theme[i] >= 0 ? w->theme_ids[q->theme[i]] : NULL;
        double t0 = s_now();
        int n = cs_catalog_top(cat, theme, &q->vec[i], q->words ? &q->words[i] : NULL, K, hits, 0);
        lat[i - lo] = s_now() - t0;
        long d = s_decide(hits, n);
        if (record) {
            q->ntop[i] = n;
            for (int j = 0; j < n; j++)
                q->top[(size_t)i * K + (size_t)j] = hits[j].feature->pos;
            q->decision[i] = d;
            continue;
        }
        for (int j = 0; j < n; j++) {
            bool found = false;
            for (int m = 0; m < q->ntop[i]; m++)
                found |= q->top[(size_t)i * K + (size_t)m] == hits[j].feature->pos;
            r->top_found += found;
            r->strong_found += found && hits[j].fused >= 0.45;
            r->strong_total += hits[j].fused >= 0.45;
        }
        r->top_total += n;
        r->decisions++;
        if (g_floats) {
            size_t fpos[K];
            double fsim[K];
            int fn = s_float_top(w, &q->vec[i], q->theme[i], fpos, fsim);
            long fd = -1; /* s_decide's rule on the float scores */
            if (fn > 0 && fsim[0] >= 0.45) {
                double margin = fn > 1 ? fsim[0] - fsim[1] : fsim[0];
                fd = fsim[0] >= 0.55 || margin >= 0.15 ? (long)fpos[0] : -1;
            }
            r->f_decisions++;
            r->f_same_index += fd == q->decision[i];
            r->f_same_scan += fd == d;
            for (int j = 0; j < fn; j++)
                for (int m = 0; m < q->ntop[i]; m++)
                    r->f_top_found += q->top[(size_t)i * K + (size_t)m] == fpos[j];
            r->f_top_total += fn;
        }
        r->same_decision += d == q->decision[i];
        r->same_first += (n == 0 && q->ntop[i] == 0) ||
                         (n > 0 && q->ntop[i] > 0 && q->top[(size_t)i * K] == hits[0].feature->pos);
    }
    *lat_out = s_lat(lat, hi - lo, s_cpu() - c0);
    free(lat);
}

/* Index queries (Q in a theme, C across), the peak memory, then the scan on the first of
   them for the recall. */
static void s_idx_measure(cs_catalog_t *cat, const world_t *w, idx_queries_t *q, idx_result_t *r)
{
    int qn = r->queries, cn = r->cross;
    fprintf(stderr, "bench_matcher: %d + %d queries with the index...\n", qn, cn);
    s_idx_run(cat, w, q, 0, qn, true, r, &r->theme);
    s_idx_run(cat, w, q, qn, qn + cn, true, r, &r->cross_lat);
    r->queried = s_mem();
    s_catalog_bytes(cat, r);
    r->index_bytes = cs_index_bytes(cs_catalog_index(cat));
    r->stopped = cs_index_stopped(cs_catalog_index(cat));
    fprintf(stderr, "bench_matcher: %d + %d of them scanning every feature...\n", r->exact_theme,
            r->exact_cross);
    cs_catalog_set_scan(cat, true);
    s_idx_run(cat, w, q, 0, r->exact_theme, false, r, &r->scan_theme);
    s_idx_run(cat, w, q, qn, qn + r->exact_cross, false, r, &r->scan_cross);
    cs_catalog_set_scan(cat, false);
    r->end = s_mem();
}

static cs_index_opts_t g_index_opts; /* --cap, --budget, --shortlist, --nprobe */

static int s_idx_sparse(const world_t *w, uint64_t *rng, idx_result_t *r)
{
    cs_catalog_t *cat = cs_catalog_new(w->workspace_id, true);
    if (cat)
        cs_catalog_set_index(cat, &g_index_opts);
    idx_queries_t q;
    int rc = -1;
    if (!cat || s_add_themes(cat, w) != 0 || s_idx_queries_new(&q, r->queries + r->cross, true))
        goto done;
    fprintf(stderr, "bench_matcher: sparse catalogue of %zu features with its index...\n", w->n);
    r->before = s_mem();
    double c0 = s_cpu(), t0 = s_now();
    for (size_t i = 0; i < w->n; i++) {
        cs_vec_t v;
        if (cs_vec_offline_feature(w->names[i], w->descs[i], &v) != 0)
            goto done;
        if (!cs_catalog_add(cat, w->ids[i], w->theme_ids[w->theme[i]], w->names[i], w->descs[i], &v,
                            false)) {
            cs_vec_free(&v);
            goto done;
        }
    }
    r->build_s = s_now() - t0;
    r->build_cpu = s_cpu() - c0;
    r->built = s_mem();
    for (int i = 0; i < q.n; i++) {
        char title[MAX_TITLE], desc[MAX_DESC];
        s_gen_request(w, rng, title, desc, &q.theme[i]);
        if (i >= r->queries)
            q.theme[i] = -1;
        if (cs_vec_offline_feature(title, desc, &q.vec[i]) != 0 ||
            cs_vec_words(title, &q.words[i]) != 0)
            goto done;
    }
    s_idx_measure(cat, w, &q, r);
    rc = 0;
done:
    s_idx_queries_free(&q);
    cs_catalog_destroy(&cat);
    return rc;
}

#define DENSE_CLUSTERS 2000

/* x = a centre plus Gaussian noise of `spread` per component (Box-Muller). */
static void s_near(uint64_t *rng, const float *centre, int dims, double spread, double *x)
{
    for (int j = 0; j < dims; j++) {
        double u = s_uniform(rng) + 1e-300, v = s_uniform(rng);
        x[j] = (centre ? centre[j] : 0) + spread * sqrt(-2 * log(u)) * cos(2 * M_PI * v);
    }
}

/* Dense: features near DENSE_CLUSTERS random centres (noise 0.8 of a centre's length, so two
   features of a cluster are about 0.6 alike); half the queries an existing feature with
   noise 0.25 (a near duplicate, about 0.95), half a fresh point of a cluster. */
static int s_idx_dense(const world_t *w, uint64_t *rng, idx_result_t *r)
{
    int dims = r->dims;
    cs_catalog_t *cat = cs_catalog_new(w->workspace_id, false);
    if (cat)
        cs_catalog_set_index(cat, &g_index_opts);
    float *centres = malloc((size_t)DENSE_CLUSTERS * (size_t)dims * sizeof *centres);
    double *x = malloc((size_t)dims * sizeof *x);
    idx_queries_t q;
    int rc = -1;
    if (!cat || !centres || !x || s_add_themes(cat, w) != 0 ||
        s_idx_queries_new(&q, r->queries + r->cross, false))
        goto done;
    for (size_t i = 0; i < (size_t)DENSE_CLUSTERS * (size_t)dims; i++) {
        double v[1];
        s_near(rng, NULL, 1, 1.0, v);
        centres[i] = (float)v[0];
    }
    double spread = 0.8, dup = 0.25;
    if (g_float_check && !(g_floats = malloc(w->n * (size_t)dims * sizeof *g_floats)))
        goto done;
    fprintf(stderr, "bench_matcher: dense catalogue of %zu x %d with its index...\n", w->n, dims);
    r->before = s_mem();
    double spent = 0, cpu = 0;
    for (size_t i = 0; i < w->n; i++) {
        s_near(rng, centres + s_below(rng, DENSE_CLUSTERS) * (size_t)dims, dims, spread, x);
        double t0 = s_now(), c0 = s_cpu();
        cs_vec_t v;
        if (cs_vec_dense(x, dims, &v) != 0)
            goto done;
        if (g_floats)
            memcpy(g_floats + i * (size_t)dims, v.val, (size_t)dims * sizeof *v.val);
        if (!cs_catalog_add(cat, w->ids[i], w->theme_ids[w->theme[i]], w->names[i], w->descs[i], &v,
                            false)) {
            cs_vec_free(&v);
            goto done;
        }
        spent += s_now() - t0;
        cpu += s_cpu() - c0;
    }
    r->build_s = spent;
    r->build_cpu = cpu;
    r->built = s_mem();
    for (int i = 0; i < q.n; i++) {
        if (i % 2 == 0) {
            size_t f = s_below(rng, w->n);
            cs_vec_t fv;
            if (cs_catalog_vec(cat, cs_catalog_at(cat, f), &fv) != 0)
                goto done;
            s_near(rng, fv.val, dims, dup / sqrt((double)dims), x);
            cs_vec_free(&fv);
            q.theme[i] = w->theme[f];
        } else {
            s_near(rng, centres + s_below(rng, DENSE_CLUSTERS) * (size_t)dims, dims, spread, x);
            q.theme[i] = s_pick_theme(w, rng);
        }
        if (i >= r->queries)
            q.theme[i] = -1;
        if (cs_vec_dense(x, dims, &q.vec[i]) != 0)
            goto done;
    }
    s_idx_measure(cat, w, &q, r);
    rc = 0;
done:
    s_idx_queries_free(&q);
    free(g_floats);
    g_floats = NULL;
    free(centres);
    free(x);
    cs_catalog_destroy(&cat);
    return rc;
}

static void s_idx_print(const idx_result_t *r)
{
    printf("bench_matcher --index %s: %zu features%s; %s\n", r->kind, r->n,
           r->dims ? "" : " (offline vectors)", BUILD_NOTE);
    if (r->dims)
        printf("  %d dimensions: int8 codes + IVF in the index, the catalogue's floats freed from "
               "%d features on\n",
               r->dims, CS_INDEX_MIN_FEATURES);
    printf("  build (vectors + cs_catalog_add, index included): %.1f s (CPU %.1f s)\n", r->build_s,
           r->build_cpu);
    printf("  RSS %.0f MB before, %.0f MB built, %.0f MB after the index queries; peak (VmHWM) "
           "%.0f MB then; index %.0f MB; %zu hashes past the cap\n",
           s_mb(r->before.rss_kb), s_mb(r->built.rss_kb), s_mb(r->queried.rss_kb),
           s_mb(r->queried.hwm_kb), (double)r->index_bytes / 1048576.0, r->stopped);
    printf("  after the scans (they cache every feature's weighted vector): RSS %.0f MB, peak %.0f "
           "MB\n",
           s_mb(r->end.rss_kb), s_mb(r->end.hwm_kb));
    double mb = 1048576.0;
    printf("  the catalogue by structure: feature structs %.0f MB, names/descriptions %.0f MB, "
           "vectors %.0f MB, words %.0f MB, aliases %.0f MB (%zu heap blocks); the rest of "
           "RSS built - before is the id/name lookups, themes and the allocator\n",
           (double)r->b_structs / mb, (double)r->b_strings / mb, (double)r->b_vectors / mb,
           (double)r->b_words / mb, (double)r->b_aliases / mb, r->b_blocks);
    if (r->f_decisions)
        printf("  against a scan of the float vectors (--float-check, %ld queries): same decision "
               "as the index %.4f, as the catalogue's scan %.4f; recall of its top-5 %.4f\n",
               r->f_decisions, (double)r->f_same_index / (double)r->f_decisions,
               (double)r->f_same_scan / (double)r->f_decisions,
               r->f_top_total ? (double)r->f_top_found / (double)r->f_top_total : 1.0);
    s_lat_header();
    s_lat_row("index: top-5 in the query's theme", &r->theme);
    s_lat_row("index: top-5 across themes", &r->cross_lat);
    s_lat_row("scan: top-5 in the query's theme", &r->scan_theme);
    s_lat_row("scan: top-5 across themes", &r->scan_cross);
    printf("  against the scan (%ld queries): recall of its top-5 %.4f (%ld of %ld), same first "
           "hit %.4f, same decision (link and target, or new) %.4f\n",
           r->decisions, r->top_total ? (double)r->top_found / (double)r->top_total : 1.0,
           r->top_found, r->top_total, (double)r->same_first / (double)r->decisions,
           (double)r->same_decision / (double)r->decisions);
    printf("  recall of the scan's hits scoring 0.45 or more (those a decision can turn on): %.4f "
           "(%ld of %ld)\n",
           r->strong_total ? (double)r->strong_found / (double)r->strong_total : 1.0,
           r->strong_found, r->strong_total);
}

static json_t *s_idx_json(const idx_result_t *r)
{
    json_t *o = json_pack(
        "{s:s, s:I, s:i, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I}", "kind", r->kind, "features",
        (json_int_t)r->n, "dims", r->dims, "build_s", r->build_s, "build_cpu_s", r->build_cpu,
        "index_bytes", (json_int_t)r->index_bytes, "stopped_hashes", (json_int_t)r->stopped,
        "compared", (json_int_t)r->decisions, "top_found", (json_int_t)r->top_found, "top_total",
        (json_int_t)r->top_total, "same_decision", (json_int_t)r->same_decision);
    json_object_set_new(o, "same_first", json_integer(r->same_first));
    json_object_set_new(o, "float_compared", json_integer(r->f_decisions));
    json_object_set_new(o, "float_same_index", json_integer(r->f_same_index));
    json_object_set_new(o, "float_same_scan", json_integer(r->f_same_scan));
    json_object_set_new(o, "catalogue_vector_bytes", json_integer((json_int_t)r->b_vectors));
    json_object_set_new(o, "strong_found", json_integer(r->strong_found));
    json_object_set_new(o, "strong_total", json_integer(r->strong_total));
    json_object_set_new(o, "mem_before", s_mem_json(r->before));
    json_object_set_new(o, "mem_built", s_mem_json(r->built));
    json_object_set_new(o, "mem_queried", s_mem_json(r->queried));
    json_object_set_new(o, "mem_end", s_mem_json(r->end));
    json_object_set_new(o, "index_theme", s_lat_json(&r->theme));
    json_object_set_new(o, "index_cross_theme", s_lat_json(&r->cross_lat));
    json_object_set_new(o, "scan_theme", s_lat_json(&r->scan_theme));
    json_object_set_new(o, "scan_cross_theme", s_lat_json(&r->scan_cross));
    return o;
}

/* --index KIND: one kind per run, so that each has its own peak memory. */
static int s_index(const char *kind, size_t n, int themes, int dims, int queries, int cross,
                   int exact, uint64_t seed, bool as_json)
{
    uint64_t rng = seed;
    world_t w;
    bool sparse = strcmp(kind, "sparse") == 0;
    idx_result_t r = {.kind = kind,
                      .n = n,
                      .dims = sparse ? 0 : dims,
                      .queries = queries,
                      .cross = cross,
                      .exact_theme = exact < queries ? exact : queries,
                      .exact_cross = exact / 4 < cross ? exact / 4 : cross};
    int rc = 1;
    fprintf(stderr, "bench_matcher: generating %zu features (%s)...\n", n, BUILD_NOTE);
    if (s_world_new(&w, n, themes, &rng) != 0 ||
        (sparse ? s_idx_sparse(&w, &rng, &r) : s_idx_dense(&w, &rng, &r)) != 0) {
        fprintf(stderr, "bench_matcher: the %s index part failed (out of memory)\n", kind);
        goto done;
    }
    if (as_json) {
        json_t *o = s_idx_json(&r);
        char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(o);
    } else {
        s_idx_print(&r);
    }
    rc = 0;
done:
    s_world_free(&w);
    return rc;
}

/* ---- matching cost as the catalogue grows (--cost URL) ------------------------------------- */

static bool s_int_arg(const char *text, long long lo, long long hi, long long *out);

/* What the seed's strategy would send for one feature: one judge request with every feature of
   the theme in the prompt. Its size is measured with this matcher's own judge request
   (cs_judge_request, json_object), so both strategies are counted in the same words: the
   request with no candidates (`base`), plus for each feature of the theme the characters its
   "N. [id] name / Description" lines add. Tokens are characters / 4, as the fake LLM server
   counts them. */
typedef struct {
    double base_chars;   /* the request without candidates, instructions included */
    double per_feature;  /* the characters one candidate adds besides name, description, id */
    double *theme_chars; /* per theme: the characters its features add */
    int themes;
    const world_t *w;
    double seed_tokens; /* summed over the stream's features */
    long features;      /* decided */
} seed_cost_t;

static double s_request_chars(const json_t *feature, const json_t *candidates)
{
    json_t *body = cs_judge_request("gpt-4o-mini", false, feature, candidates);
    double chars = 0;
    size_t i;
    json_t *msg;
    json_array_foreach(json_object_get(body, "messages"), i, msg) chars +=
        (double)strlen(json_string_value(json_object_get(msg, "content")));
    json_decref(body);
    return chars;
}

static double s_candidate_chars(const seed_cost_t *sc, const char *id, const char *name,
                                const char *desc)
{
    return sc->per_feature + (double)(strlen(id) + strlen(name) + strlen(desc));
}

static int s_theme_index(const world_t *w, const char *theme_id)
{
    for (int t = 0; theme_id && t < w->themes; t++)
        if (strcmp(w->theme_ids[t], theme_id) == 0)
            return t;
    return 0;
}

typedef struct {
    seed_cost_t *seed;
    int done;
} cost_sink_t;

/* Each decided feature costs the seed one request with its whole theme; a created feature
   joins the theme for the requests after it. */
static void s_cost_decision(void *arg, json_t *decision, long tokens_used)
{
    cost_sink_t *sink = arg;
    seed_cost_t *sc = sink->seed;
    (void)tokens_used;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(decision, "decisions"), i, d)
    {
        int t = s_theme_index(sc->w, cs_rec_str(d, "theme_id"));
        const char *name = cs_rec_str(d, "name") ? cs_rec_str(d, "name") : "";
        const char *desc = cs_rec_str(d, "description") ? cs_rec_str(d, "description") : "";
        double chars = sc->base_chars + (double)(strlen(name) + strlen(desc)) + sc->theme_chars[t];
        sc->seed_tokens += chars / 4.0;
        sc->features++;
        if (strcmp(cs_rec_str(d, "action"), "create") == 0)
            sc->theme_chars[t] += s_candidate_chars(sc, cs_rec_str(d, "feature_id"), name, desc);
    }
    sink->done++;
    json_decref(decision);
}

/* One catalogue size: N features, then `queries` extractions through the decision engine with
   the LLM judge at `url` (the fake LLM server). A JSON row, or NULL on a failure. */
static json_t *s_cost_one(const char *url, size_t n, int themes, int queries, uint64_t seed)
{
    uint64_t rng = seed;
    world_t w;
    cs_catalog_t *cat = NULL;
    cs_llm_t *llm = NULL;
    cs_provider_t *judge = NULL;
    cs_match_t *m = NULL;
    json_t *row = NULL;
    char err[256];
    seed_cost_t sc = {.themes = themes, .w = &w};
    fprintf(stderr, "bench_matcher: cost with %zu features...\n", n);
    if (s_world_new(&w, n, themes, &rng) != 0)
        goto done;
    cat = cs_catalog_new(w.workspace_id, true);
    sc.theme_chars = calloc((size_t)themes, sizeof *sc.theme_chars);
    if (!cat || !sc.theme_chars || s_add_themes(cat, &w) != 0)
        goto done;
    json_t *probe = json_pack("{s:s, s:s}", "title", "", "description", "");
    json_t *none = json_array();
    json_t *one = json_pack("[{s:s, s:s, s:s}]", "id", "", "name", "", "description", "");
    sc.base_chars = s_request_chars(probe, none);
    sc.per_feature = s_request_chars(probe, one) - sc.base_chars;
    json_decref(probe);
    json_decref(none);
    json_decref(one);
    for (size_t i = 0; i < w.n; i++) {
        cs_vec_t v;
        if (cs_vec_offline_feature(w.names[i], w.descs[i], &v) != 0)
            goto done;
        if (!cs_catalog_add(cat, w.ids[i], w.theme_ids[w.theme[i]], w.names[i], w.descs[i], &v,
                            false)) {
            cs_vec_free(&v);
            goto done;
        }
        sc.theme_chars[w.theme[i]] += s_candidate_chars(&sc, w.ids[i], w.names[i], w.descs[i]);
    }
    cs_llm_opts_t lo = {.base_url = url, .api_key = "bench", .concurrency = 16};
    llm = cs_llm_new(&lo, err, sizeof err);
    if (!llm) {
        fprintf(stderr, "bench_matcher: %s\n", err);
        goto done;
    }
    if (!(judge = cs_provider_new("openai", llm)))
        goto done;
    cost_sink_t sink = {&sc, 0};
    cs_match_opts_t o = {.judge = judge,
                         .model = "gpt-4o-mini",
                         .json_schema = true,
                         .link_above = 0.55,
                         .new_below = 0.45,
                         .band_margin = 0.15,
                         .judge_margin = 0.2,
                         .threshold = 0.7,
                         .candidates = K,
                         .max_attempts = 3,
                         .quiet = true};
    m = cs_match_new(&o, s_cost_decision, &sink);
    if (!m)
        goto done;
    double t0 = s_now();
    for (int i = 0; i < queries; i++) {
        cs_match_submit(m, s_extraction(&w, &rng, i), cat);
        while (cs_match_pending(m) >= 32)
            cs_match_run(m, 100);
    }
    while (cs_match_pending(m) > 0)
        cs_match_run(m, 100);
    double secs = s_now() - t0;
    cs_match_totals_t t;
    cs_match_totals(m, &t);
    if (sink.done != queries || t.features == 0) {
        fprintf(stderr, "bench_matcher: %d of %d extractions decided\n", sink.done, queries);
        goto done;
    }
    double f = (double)t.features;
    row = json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:f}", "catalogue",
                    (json_int_t)n, "extractions", (json_int_t)queries, "features",
                    (json_int_t)t.features, "judge_calls_per_feature", (double)t.judge_requests / f,
                    "prompt_tokens_per_feature", (double)t.prompt_tokens / f,
                    "completion_tokens_per_feature", (double)t.completion_tokens / f,
                    "seed_calls_per_feature", 1.0, "seed_prompt_tokens_per_feature",
                    sc.seed_tokens / (double)sc.features, "judged", (json_int_t)t.judged,
                    "judge_failures", (json_int_t)t.judge_failures, "llm_decisions",
                    (json_int_t)t.by_llm, "seconds", secs);
    if (row) {
        json_object_set_new(row, "created", json_integer(t.created));
        json_object_set_new(row, "linked", json_integer(t.linked));
        json_object_set_new(row, "by_exact", json_integer(t.by_exact));
        json_object_set_new(row, "by_embedding", json_integer(t.by_embedding));
    }
done:
    cs_llm_destroy(&llm); /* before the engine: no callback into a freed engine */
    cs_provider_destroy(&judge);
    cs_match_destroy(&m);
    cs_catalog_destroy(&cat);
    free(sc.theme_chars);
    s_world_free(&w);
    return row;
}

/* --cost URL: the rows for every size in `sizes` (comma-separated), printed as JSON. */
static int s_cost(const char *url, const char *sizes, int themes, int queries, uint64_t seed)
{
    json_t *rows = json_array();
    char *list = strdup(sizes), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(list, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
        long long n;
        if (!s_int_arg(tok, 1, 10000000, &n)) {
            fprintf(stderr, "bench_matcher: bad size '%s' in --cost-sizes\n", tok);
            rc = 2;
            break;
        }
        json_t *row = s_cost_one(url, (size_t)n, themes, queries, seed);
        if (!row)
            rc = 1;
        else
            json_array_append_new(rows, row);
    }
    if (rc == 0) {
        char *text = json_dumps(json_pack("{s:o}", "cost", json_incref(rows)),
                                JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        printf("%s\n", text ? text : "{}");
        free(text);
    }
    free(list);
    json_decref(rows);
    return rc;
}

/* ---- main ------------------------------------------------------------------------------------ */

static int s_usage(void)
{
    fprintf(stderr, "usage: bench_matcher [--features N] [--themes T] [--queries Q]\n"
                    "                     [--cross-queries C] [--dims D] [--seed S] [--json]\n"
                    "       bench_matcher --cost LLM-URL [--cost-sizes 100,1000,...] [--themes T]\n"
                    "                     [--queries Q] [--seed S]\n"
                    "       bench_matcher --index sparse|dense [--features N] [--themes T]\n"
                    "                     [--queries Q] [--cross-queries C] [--exact E]\n"
                    "                     [--dims D] [--seed S] [--json] [--cap N] [--budget N]\n"
                    "                     [--shortlist N] [--nprobe N] [--float-check]\n");
    return 2;
}

/* The integer value of a flag within [lo, hi]; false when it is not one. */
static bool s_int_arg(const char *text, long long lo, long long hi, long long *out)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    long long features = 100000, themes = 20, queries = 2000, cross = 200, dims = 1536, seed = 1;
    bool as_json = false;
    const char *cost_url = NULL, *cost_sizes = "100,1000,10000,100000", *index = NULL;
    long long exact = 200;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (strcmp(a, "--json") == 0) {
            as_json = true;
            continue;
        }
        if (strcmp(a, "--float-check") == 0) {
            g_float_check = true;
            continue;
        }
        if (!v)
            return s_usage();
        if (strcmp(a, "--features") == 0)
            ok = s_int_arg(v, 1, 10000000, &features);
        else if (strcmp(a, "--themes") == 0)
            ok = s_int_arg(v, 1, 10000, &themes);
        else if (strcmp(a, "--queries") == 0)
            ok = s_int_arg(v, 1, 1000000, &queries);
        else if (strcmp(a, "--cross-queries") == 0)
            ok = s_int_arg(v, 1, 1000000, &cross);
        else if (strcmp(a, "--dims") == 0)
            ok = s_int_arg(v, 1, 65536, &dims);
        else if (strcmp(a, "--seed") == 0)
            ok = s_int_arg(v, 0, INT64_MAX, &seed);
        else if (strcmp(a, "--cost") == 0)
            cost_url = v;
        else if (strcmp(a, "--cost-sizes") == 0)
            cost_sizes = v;
        else if (strcmp(a, "--index") == 0)
            ok = strcmp(v, "sparse") == 0 || strcmp(v, "dense") == 0 ? (index = v) != NULL : false;
        else if (strcmp(a, "--exact") == 0)
            ok = s_int_arg(v, 0, 1000000, &exact);
        else if (strcmp(a, "--cap") == 0 || strcmp(a, "--budget") == 0 ||
                 strcmp(a, "--shortlist") == 0 || strcmp(a, "--nprobe") == 0) {
            long long x;
            ok = s_int_arg(v, 1, INT64_MAX, &x);
            if (a[2] == 'c')
                g_index_opts.sparse_cap = (size_t)x;
            else if (a[2] == 'b')
                g_index_opts.budget = (size_t)x;
            else if (a[2] == 's')
                g_index_opts.shortlist = (size_t)x;
            else
                g_index_opts.nprobe = (int)x;
        } else
            return s_usage();
        if (!ok) {
            fprintf(stderr, "bench_matcher: bad value for %s: '%s'\n", a, v);
            return s_usage();
        }
        i++;
    }
    cs_log_init("bench");
    cs_log_set_level(CS_LOG_WARNING);
    if (index) {
        int rc = s_index(index, (size_t)features, (int)themes, (int)dims, (int)queries, (int)cross,
                         (int)exact, (uint64_t)seed, as_json);
        cs_log_reset();
        return rc;
    }
    if (cost_url) {
        int rc = s_cost(cost_url, cost_sizes, (int)themes, (int)queries, (uint64_t)seed);
        cs_log_reset();
        return rc;
    }
    config_t c = {(int)queries, (int)cross, (uint64_t)seed};
    uint64_t rng = c.seed;
    result_t r = {.n = (size_t)features, .themes = (size_t)themes, .load_start = s_load()};
    world_t w;
    cs_catalog_t *cat = NULL;
    int status = 1;
    fprintf(stderr, "bench_matcher: generating %lld features (%s)...\n", features, BUILD_NOTE);
    if (s_world_new(&w, (size_t)features, (int)themes, &rng) != 0) {
        fprintf(stderr, "bench_matcher: out of memory generating the workspace\n");
        goto done;
    }
    r.duplicates = w.duplicates;
    r.smallest_theme = (size_t)-1;
    for (int t = 0; t < w.themes; t++) {
        if (w.theme_size[t] > r.largest_theme)
            r.largest_theme = w.theme_size[t];
        if (w.theme_size[t] < r.smallest_theme)
            r.smallest_theme = w.theme_size[t];
    }
    if (s_sparse(&w, c.queries, c.cross, &rng, &cat, &r) != 0) {
        fprintf(stderr, "bench_matcher: the sparse catalogue failed (out of memory)\n");
        goto done;
    }
    if (s_engine(&w, c.queries, &rng, cat, &r) != 0) {
        fprintf(stderr, "bench_matcher: the decision engine part failed\n");
        goto done;
    }
    cs_catalog_destroy(&cat);
    if (s_dense(&w, (int)dims, c.queries, c.cross, &rng, &r) != 0) {
        fprintf(stderr, "bench_matcher: the dense catalogue failed (out of memory)\n");
        goto done;
    }
    r.load_end = s_load();
    if (as_json) {
        json_t *o = s_json(&r, &c);
        char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(o);
        if (!text)
            goto done;
    } else {
        s_print(&r, &c);
    }
    status = 0;
done:
    cs_catalog_destroy(&cat);
    s_world_free(&w);
    cs_log_reset();
    return status;
}
