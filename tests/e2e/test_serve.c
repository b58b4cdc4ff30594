/* `callsift serve` as a process, over real HTTP through libcurl: who may see and change what
   (the token, the login, the session cookie, CSRF, bearer clients), the security headers, every
   value from a call escaped, downloads, the curation forms and the review band doing what the
   CLI does, and a slow client not starving the others. The browser's view of the same pages is
   tests/browser/test_console.py.

   The data (committed by cs_writer_commit, as the pipeline commits it):
     c1  Globex kickoff  Globex ($5000)   C Salesforce sync (sure 0.9)  C CSV export (0.3)
     c2  a hostile title Globex           L Salesforce sync, a hostile quote
     c3  Hooli discovery Hooli ($300)     C Dark mode (0.95) */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "cs_record.h"
#include "cs_testcli.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testhttp.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_writer.h"

#define TOKEN         "serve-test-token-0123456789"
#define HOSTILE_TITLE "<script>alert(\"t\")</script> Q3 \"><img src=x onerror=alert(1)>"
#define HOSTILE_QUOTE "We need <script>alert(2)</script> sync \"><img onerror=alert(3) src=x>"

static char ws[CS_UUID_LEN], salesforce[CS_UUID_LEN], csv_export[CS_UUID_LEN];
static char dark_mode[CS_UUID_LEN];
static cs_testproc_t server;
static char base[64];

/* ---- an HTTP client with a cookie jar ---------------------------------------------------- */

typedef struct {
    long status;
    char *body, *headers;
} reply_t;

static size_t s_add(char *data, size_t size, size_t n, void *userp)
{
    char **buf = userp;
    size_t old = *buf ? strlen(*buf) : 0, len = size * n;
    char *p = realloc(*buf, old + len + 1);
    cr_assert(p);
    memcpy(p + old, data, len);
    p[old + len] = '\0';
    *buf = p;
    return len;
}

/* GET (form NULL) or POST the url-encoded form to path, with curl's cookies (NULL: none) and an
   Authorization header (NULL: none); redirects are not followed. */
static reply_t fetch(CURL *jar, const char *path, const char *form, const char *auth)
{
    CURL *c = jar ? jar : curl_easy_init();
    cr_assert(c);
    char url[512];
    snprintf(url, sizeof url, "%s%s", base, path);
    reply_t r = {0};
    struct curl_slist *h = NULL;
    if (auth)
        h = curl_slist_append(h, auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_add);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s_add);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_POST, form ? 1L : 0L);
    if (form)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    else
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    CURLcode rc = curl_easy_perform(c);
    cr_assert_eq(rc, CURLE_OK, "%s: %s", path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    if (!jar)
        curl_easy_cleanup(c);
    if (!r.body)
        r.body = strdup("");
    return r;
}

static void reply_free(reply_t *r)
{
    free(r->body);
    free(r->headers);
}

/* The value="..." of the first input named `name` in html (a hex token: no escaping). */
static char *input_value(const char *html, const char *name)
{
    char needle[64];
    snprintf(needle, sizeof needle, "name=\"%s\" value=\"", name);
    const char *p = strstr(html, needle);
    cr_assert(p, "no input %s in the page", name);
    p += strlen(needle);
    return strndup(p, strcspn(p, "\""));
}

/* A browser's session: a cookie jar logged in as `who`; its CSRF token into csrf. */
static CURL *login(const char *who, char **csrf)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
    reply_t page = fetch(c, "/features", NULL, NULL);
    cr_assert_eq(page.status, 401);
    char *nonce = input_value(page.body, "login_nonce");
    reply_t first = fetch(c, "/login", NULL, NULL); /* the login page sets its own nonce */
    free(nonce);
    nonce = input_value(first.body, "login_nonce");
    /* a browser asks for more while the form is open (an icon, another tab): the form's nonce
       must stay valid */
    reply_t icon = fetch(c, "/favicon.ico", NULL, NULL);
    reply_t other = fetch(c, "/review", NULL, NULL);
    cr_expect_eq(other.status, 401);
    reply_free(&icon);
    reply_free(&other);
    char *name = curl_easy_escape(c, who, 0);
    char form[512];
    snprintf(form, sizeof form, "login_nonce=%s&next=%%2Ffeatures&token=%s&name=%s", nonce, TOKEN,
             name);
    reply_t in = fetch(c, "/login", form, NULL);
    cr_assert_eq(in.status, 303, "login answered %ld: %s", in.status, in.body);
    reply_t features = fetch(c, "/features", NULL, NULL);
    cr_assert_eq(features.status, 200);
    *csrf = input_value(features.body, "csrf");
    curl_free(name);
    free(nonce);
    reply_free(&page);
    reply_free(&first);
    reply_free(&in);
    reply_free(&features);
    return c;
}

/* ---- the data and the server ------------------------------------------------------------- */

static void request(json_t *rec, const char *action, const char *feature_id, const char *title,
                    const char *quote, double sure)
{
    cs_testdata_add(rec, action, feature_id, NULL, title, "high");
    json_t *ds = json_object_get(rec, "decisions");
    json_t *d = json_array_get(ds, json_array_size(ds) - 1);
    json_object_set_new(d, "quote", json_string(quote));
    json_object_set_new(d, "speaker", json_string("Dana"));
    json_object_set_new(d, "method", json_string("embedding"));
    json_object_set_new(d, "confidence", json_real(0.8));
    json_object_set_new(d, "request_confidence", json_real(sure));
    json_object_set_new(d, "reasoning", json_string("Score 0.80."));
}

static void commit(cs_db_t *db, json_t *rec)
{
    char err[1024] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "test record invalid: %s", err);
    cr_assert_eq(cs_writer_commit(db, rec, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s", err);
    json_decref(rec);
}

static json_t *call(const char *id, const char *title, const char *at, const char *customer,
                    const char *domain)
{
    json_t *rec = cs_testdata_call(ws, id, at, customer, domain);
    json_object_set_new(rec, "title", json_string(title));
    json_object_set_new(rec, "url", json_string("javascript:alert(4)"));
    return cs_testdata_decision(rec);
}

static void populate(void)
{
    char *id = cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Acme", NULL));
    cs_strlcpy(ws, id, sizeof ws);
    free(id);
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Globex", "--domain", "globex.com", "--mrr", "5000",
                                            NULL)));
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Hooli", "--domain", "hooli.com", "--mrr", "300",
                                            NULL)));
    char m[CS_UUID_LEN];
    cs_uuid_message_id(ws, "replay", "c1", m);
    cs_uuid_feature_id(m, 0, salesforce);
    cs_uuid_feature_id(m, 1, csv_export);
    cs_uuid_message_id(ws, "replay", "c3", m);
    cs_uuid_feature_id(m, 0, dark_mode);
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *rec = call("c1", "Globex kickoff", "2025-09-01T15:00:00Z", "Globex", "globex.com");
    request(rec, "create", NULL, "Salesforce sync", "We need Salesforce sync", 0.9);
    request(rec, "create", NULL, "CSV export", "Maybe CSV export", 0.3);
    commit(db, rec);
    rec = call("c2", HOSTILE_TITLE, "2025-10-05T15:00:00Z", "Globex", "globex.com");
    request(rec, "link", salesforce, "Salesforce", HOSTILE_QUOTE, 0.9);
    commit(db, rec);
    rec = call("c3", "Hooli discovery", "2025-10-15T15:00:00Z", "Hooli", "hooli.com");
    request(rec, "create", NULL, "Dark mode", "Dark mode for night shifts", 0.95);
    commit(db, rec);
    cs_db_destroy(&db);
}

static void start_server(void)
{
    cs_testcli_setup_migrated();
    populate();
    int port = cs_testhttp_free_port();
    char listen[64], env_db[1024], env_token[128];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    snprintf(env_db, sizeof env_db, "%s", cs_testcli_env_db());
    snprintf(env_token, sizeof env_token, "CALLSIFT_UI_TOKEN=%s", TOKEN);
    char *argv[] = {(char *)cs_testproc_bin("callsift"), "serve", "--listen", listen, NULL};
    char *env[] = {env_db, env_token, NULL};
    cs_testproc_start(&server, argv, env);
    cr_assert(cs_testproc_wait_log(&server, "Console listening on", 10000), "no start: %s",
              cs_testproc_log(&server));
}

static void stop_server(void)
{
    cs_testproc_stop(&server, 5000);
    cs_testcli_teardown();
}

TestSuite(serve, .init = start_server, .fini = stop_server, .timeout = 120);
TestSuite(serve_usage, .timeout = 60);

/* ---- who may see and change what --------------------------------------------------------- */

Test(serve, refuses_without_a_session_and_serves_the_login_form)
{
    reply_t r = fetch(NULL, "/features", NULL, NULL);
    cr_expect_eq(r.status, 401);
    cr_expect(strstr(r.body, "<form id=\"login\""), "%s", r.body);
    cr_expect(!strstr(r.body, "Salesforce"), "a page leaked without login");
    reply_free(&r);
    r = fetch(NULL, "/features", NULL, "Authorization: Bearer not-the-token-at-all");
    cr_expect_eq(r.status, 401);
    reply_free(&r);
    r = fetch(NULL, "/features/x/merge", "into=y", NULL);
    cr_expect_eq(r.status, 401);
    reply_free(&r);
    r = fetch(NULL, "/static/console.css", NULL, NULL);
    cr_expect_eq(r.status, 200, "the stylesheet must load on the login page");
    reply_free(&r);
}

Test(serve, a_bearer_token_reads_pages_and_every_answer_has_the_security_headers)
{
    reply_t r = fetch(NULL, "/features", NULL, "Authorization: Bearer " TOKEN);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(strstr(r.body, "Salesforce sync"));
    cr_expect(strstr(r.headers, "Content-Security-Policy: default-src 'none'; script-src 'self'"),
              "%s", r.headers);
    cr_expect(!strstr(r.headers, "unsafe-inline"));
    cr_expect(strstr(r.headers, "X-Content-Type-Options: nosniff"));
    cr_expect(strstr(r.headers, "Cache-Control: no-store"));
    cr_expect(!strstr(r.body, "<script>") && !strstr(r.body, " style="),
              "pages carry no inline script or style");
    reply_free(&r);
}

Test(serve, a_login_gives_an_httponly_strict_cookie_and_a_wrong_token_none)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
    reply_t page = fetch(c, "/login", NULL, NULL);
    cr_assert_eq(page.status, 200);
    char *nonce = input_value(page.body, "login_nonce");
    char form[512];
    snprintf(form, sizeof form, "login_nonce=%s&token=wrong-token-wrong-token&name=Eve", nonce);
    reply_t bad = fetch(c, "/login", form, NULL);
    cr_expect_eq(bad.status, 401);
    cr_expect(!strstr(bad.headers, "cs_session="), "a wrong token got a session");
    snprintf(form, sizeof form, "login_nonce=%s&token=%s&name=Eve%%0Aforged+log+line", nonce,
             TOKEN);
    reply_t control = fetch(c, "/login", form, NULL);
    cr_expect_eq(control.status, 401, "a name with a line break must be refused");
    cr_expect(!strstr(control.headers, "cs_session="));
    reply_free(&control);
    snprintf(form, sizeof form, "login_nonce=forged&token=%s&name=Eve", TOKEN);
    reply_t forged = fetch(c, "/login", form, NULL);
    cr_expect_eq(forged.status, 401, "a login without the form's nonce must be refused");
    free(nonce);
    reply_free(&page);
    page = fetch(c, "/login", NULL, NULL);
    nonce = input_value(page.body, "login_nonce");
    snprintf(form, sizeof form, "login_nonce=%s&token=%s&name=Pat&next=//evil.example/", nonce,
             TOKEN);
    reply_t good = fetch(c, "/login", form, NULL);
    cr_expect_eq(good.status, 303);
    cr_expect(strstr(good.headers, "Location: /features"),
              "an off-site next= must not be "
              "followed: %s",
              good.headers);
    const char *cookie = strstr(good.headers, "Set-Cookie: cs_session=");
    cr_assert(cookie, "%s", good.headers);
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(cookie, "\r\n"), cookie);
    cr_expect(strstr(line, "HttpOnly") && strstr(line, "SameSite=Strict"), "%s", line);
    free(nonce);
    reply_free(&page);
    reply_free(&bad);
    reply_free(&forged);
    reply_free(&good);
    curl_easy_cleanup(c);
}

Test(serve, a_post_without_the_csrf_token_is_refused_and_changes_nothing)
{
    char *csrf;
    CURL *c = login("Pat", &csrf);
    char path[128];
    snprintf(path, sizeof path, "/features/%s/rename", dark_mode);
    reply_t r = fetch(c, path, "name=Hijacked", NULL);
    cr_expect_eq(r.status, 403);
    reply_free(&r);
    r = fetch(c, path, "name=Hijacked&csrf=0000", NULL);
    cr_expect_eq(r.status, 403);
    reply_free(&r);
    char *name = cs_testcli_query("SELECT name FROM features WHERE id = $1", dark_mode, NULL);
    cr_expect_str_eq(name, "Dark mode");
    free(name);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM curation_actions", NULL, NULL), 0);
    char form[256];
    snprintf(form, sizeof form, "name=Dark+theme&csrf=%s", csrf);
    r = fetch(c, path, form, NULL);
    cr_expect_eq(r.status, 303);
    reply_free(&r);
    name = cs_testcli_query("SELECT name || '|' || (SELECT by_name FROM curation_actions"
                            " ORDER BY id DESC LIMIT 1) FROM features WHERE id = $1",
                            dark_mode, NULL);
    cr_expect_str_eq(name, "Dark theme|Pat", "the rename is recorded with the login's name");
    free(name);
    snprintf(form, sizeof form, "csrf=%s", csrf);
    r = fetch(c, "/logout", form, NULL);
    cr_expect_eq(r.status, 303);
    reply_free(&r);
    r = fetch(c, "/features", NULL, NULL);
    cr_expect_eq(r.status, 401, "the session must end at logout");
    reply_free(&r);
    free(csrf);
    curl_easy_cleanup(c);
}

/* ---- what the pages show ----------------------------------------------------------------- */

Test(serve, text_from_calls_is_escaped_and_links_are_only_http)
{
    char path[128];
    snprintf(path, sizeof path, "/features/%s", salesforce);
    reply_t r = fetch(NULL, path, NULL, "Authorization: Bearer " TOKEN);
    cr_assert_eq(r.status, 200);
    cr_expect(!strstr(r.body, "<script>alert"), "raw script from a call");
    cr_expect(!strstr(r.body, "<img"), "raw img from a call");
    cr_expect(strstr(r.body, "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; Q3 &quot;&gt;"
                             "&lt;img src=x onerror=alert(1)&gt;"),
              "the title is shown as text");
    cr_expect(strstr(r.body, "We need &lt;script&gt;alert(2)&lt;/script&gt; sync"));
    cr_expect(!strstr(r.body, "javascript:"), "a javascript: URL reached an href");
    cr_expect(!strstr(r.body, "class=\"gong\""), "a call without an http(s) URL has no link");
    reply_free(&r);
    r = fetch(NULL, "/calls", NULL, "Authorization: Bearer " TOKEN);
    cr_expect(!strstr(r.body, "<script>alert") && !strstr(r.body, "<img"));
    reply_free(&r);
}

Test(serve, the_features_page_ranks_filters_and_downloads)
{
    reply_t r = fetch(NULL, "/features", NULL, "Authorization: Bearer " TOKEN);
    const char *sf = strstr(r.body, "Salesforce sync"), *dm = strstr(r.body, "Dark mode");
    cr_assert(sf && dm, "%s", r.body);
    cr_expect(sf < dm, "2 mentions rank above 1");
    cr_expect(!strstr(r.body, ">CSV export<"), "a mention below 0.5 does not count");
    /* Dark mode: 1 mention in the 4 weeks to the latest call, none in the 8 before */
    const char *change = strstr(dm, "<td class=\"change num up\"");
    cr_expect(change && strstr(change, ">+0.25</td>"), "the change a week: %.300s", dm);
    reply_free(&r);
    r = fetch(NULL, "/features?customer=Hooli", NULL, "Authorization: Bearer " TOKEN);
    cr_expect(strstr(r.body, "Dark mode") && !strstr(r.body, "Salesforce sync"));
    reply_free(&r);
    r = fetch(NULL, "/features?q=night+shift", NULL, "Authorization: Bearer " TOKEN);
    cr_expect(strstr(r.body, "Dark mode") && !strstr(r.body, "Salesforce sync"),
              "a quote's words find its feature");
    reply_free(&r);
    r = fetch(NULL, "/features?to=2025-09-30", NULL, "Authorization: Bearer " TOKEN);
    cr_expect(strstr(r.body, "Salesforce sync") && !strstr(r.body, "Dark mode"));
    reply_free(&r);
    r = fetch(NULL, "/features?from=2025-13-01", NULL, "Authorization: Bearer " TOKEN);
    cr_expect_eq(r.status, 400);
    reply_free(&r);
    r = fetch(NULL, "/features?format=csv", NULL, "Authorization: Bearer " TOKEN);
    cr_expect_eq(r.status, 200);
    const char *header = "rank,id,feature,theme,mentions,customers,mrr,";
    cr_expect(strncmp(r.body, header, strlen(header)) == 0, "%s", r.body);
    cr_expect(strstr(r.headers, "attachment; filename=\"features.csv\""));
    reply_free(&r);
    r = fetch(NULL, "/features?format=markdown&customer=Hooli", NULL,
              "Authorization: Bearer " TOKEN);
    cr_expect(strstr(r.body, "| rank |") && strstr(r.body, "Dark mode") &&
                  !strstr(r.body, "Salesforce"),
              "%s", r.body);
    reply_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/features/%s?format=csv", salesforce);
    r = fetch(NULL, path, NULL, "Authorization: Bearer " TOKEN);
    cr_expect(strncmp(r.body, "call_id,quote,", 14) == 0 && strstr(r.body, "\r\nc2,"),
              "a feature downloads its mentions: %s", r.body);
    reply_free(&r);
    r = fetch(NULL, "/review?format=markdown", NULL, "Authorization: Bearer " TOKEN);
    cr_expect(strstr(r.body, "| id | kind |") && strstr(r.body, "Maybe CSV export"), "%s", r.body);
    reply_free(&r);
    r = fetch(NULL, "/features?format=xml", NULL, "Authorization: Bearer " TOKEN);
    cr_expect_eq(r.status, 400);
    reply_free(&r);
}

/* ---- changes through the forms ----------------------------------------------------------- */

Test(serve, a_merge_through_the_form_moves_the_mentions_and_undo_brings_them_back)
{
    char *csrf;
    CURL *c = login("Robin", &csrf);
    char path[128], form[256];
    snprintf(path, sizeof path, "/features/%s/merge", dark_mode);
    snprintf(form, sizeof form, "into=%s&csrf=%s", salesforce, csrf);
    reply_t r = fetch(c, path, form, NULL);
    cr_expect_eq(r.status, 303);
    cr_expect(strstr(r.headers, salesforce), "back to the target: %s", r.headers);
    reply_free(&r);
    cr_expect_eq(
        cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", salesforce, NULL),
        3);
    snprintf(path, sizeof path, "/features/%s", salesforce);
    r = fetch(c, path, NULL, NULL);
    cr_expect(strstr(r.body, "class=\"flash ok\""), "the merge is confirmed");
    cr_expect(strstr(r.body, "under 'Dark mode', merged into this one"),
              "the merged feature's decisions show on its target: %s",
              strstr(r.body, "id=\"decisions\""));
    cr_expect(strstr(r.body, "<b id=\"mentions-counted\">3</b>"), "3 mentions count now");
    char *action =
        cs_testcli_query("SELECT id FROM curation_actions WHERE action = 'merge'", NULL, NULL);
    char undo[64];
    snprintf(undo, sizeof undo, "action=\"/actions/%s/undo\"", action);
    cr_expect(strstr(r.body, undo), "the history offers the undo");
    reply_free(&r);
    snprintf(path, sizeof path, "/actions/%s/undo", action);
    snprintf(form, sizeof form, "csrf=%s", csrf);
    r = fetch(c, path, form, NULL);
    cr_expect_eq(r.status, 303);
    reply_free(&r);
    cr_expect_eq(
        cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", salesforce, NULL),
        2);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM features WHERE id = $1"
                                     " AND merged_into IS NULL",
                                     dark_mode, NULL),
                 1);
    free(action);
    free(csrf);
    curl_easy_cleanup(c);
}

Test(serve, a_refused_action_says_why_and_changes_nothing)
{
    char *csrf;
    CURL *c = login("Robin", &csrf);
    char path[128], form[256];
    snprintf(path, sizeof path, "/features/%s/merge", dark_mode);
    snprintf(form, sizeof form, "into=%s&csrf=%s", dark_mode, csrf);
    reply_t r = fetch(c, path, form, NULL);
    cr_expect_eq(r.status, 303);
    reply_free(&r);
    snprintf(path, sizeof path, "/features/%s", dark_mode);
    r = fetch(c, path, NULL, NULL);
    cr_expect(strstr(r.body, "class=\"flash error\""), "%s", r.body);
    reply_free(&r);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM curation_actions", NULL, NULL), 0);
    free(csrf);
    curl_easy_cleanup(c);
}

Test(serve, approving_a_band_labels_its_pending_items_as_the_cli_does)
{
    char *csrf;
    CURL *c = login("Sam", &csrf);
    reply_t r = fetch(c, "/review", NULL, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect(strstr(r.body, "Maybe CSV export"), "the unsure request waits for review");
    cr_expect(strstr(r.body, "<tr class=\"band\" data-lo=\"0.8\"><td>0.8 to 0.9</td>"
                             "<td class=\"num pending\">4</td>"),
              "the band's row counts what approving it labels: %s", r.body);
    reply_free(&r);
    char form[256];
    snprintf(form, sizeof form, "lo=0.8&hi=0.9&verdict=approve&csrf=%s", csrf);
    r = fetch(c, "/review", form, NULL);
    cr_expect_eq(r.status, 303);
    reply_free(&r);
    /* the embedding matches at 0.8 of c1 and c3 (creates) and c2 (link) */
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM review_labels WHERE verdict ="
                                     " 'approve' AND by_name = 'Sam'",
                                     NULL, NULL),
                 4);
    r = fetch(c, "/review", NULL, NULL);
    cr_expect(strstr(r.body, "Approved 4 items"), "%s", r.body);
    reply_free(&r);
    snprintf(form, sizeof form, "lo=0.9&hi=0.8&verdict=approve&csrf=%s", csrf);
    r = fetch(c, "/review", form, NULL);
    reply_free(&r);
    r = fetch(c, "/review", NULL, NULL);
    cr_expect(strstr(r.body, "Nothing labelled"), "an empty band is refused with a reason");
    reply_free(&r);
    free(csrf);
    curl_easy_cleanup(c);
}

/* ---- clients that misbehave -------------------------------------------------------------- */

Test(serve, a_slow_client_does_not_starve_the_others)
{
    int port = atoi(strrchr(base, ':') + 1);
    int slow[8];
    for (int i = 0; i < 8; i++) {
        slow[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        cr_assert_eq(connect(slow[i], (struct sockaddr *)&a, sizeof a), 0);
        const char *half = "GET /features HTTP/1.1\r\nHost: x\r\nAuthor";
        cr_assert(write(slow[i], half, strlen(half)) > 0);
    }
    for (int i = 0; i < 5; i++) {
        reply_t r = fetch(NULL, "/features", NULL, "Authorization: Bearer " TOKEN);
        cr_expect_eq(r.status, 200, "request %d behind 8 stalled clients", i);
        reply_free(&r);
    }
    for (int i = 0; i < 8; i++)
        close(slow[i]);
}

Test(serve, a_huge_form_is_refused)
{
    size_t n = 1u << 20;
    char *form = malloc(n + 1);
    memset(form, 'a', n);
    memcpy(form, "name=", 5);
    form[n] = '\0';
    char path[128];
    snprintf(path, sizeof path, "/features/%s/rename", dark_mode);
    reply_t r = fetch(NULL, path, form, "Authorization: Bearer " TOKEN);
    cr_expect_eq(r.status, 413);
    reply_free(&r);
    free(form);
}

/* ---- the command ------------------------------------------------------------------------- */

Test(serve_usage, refuses_to_start_without_a_token)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift"), "serve", "--database-url",
                    "postgresql:///nowhere", NULL};
    cs_testrun_t run = cs_testproc_run(argv, NULL, NULL, 10000);
    cr_expect_eq(run.status, 1);
    cr_expect(strstr(run.err, "CALLSIFT_UI_TOKEN"), "%s", run.err);
    cs_testrun_free(&run);
    char *env[] = {"CALLSIFT_UI_TOKEN=short", NULL};
    run = cs_testproc_run(argv, env, NULL, 10000);
    cr_expect_eq(run.status, 1);
    cr_expect(strstr(run.err, "at least 16 characters"), "%s", run.err);
    cr_expect(!strstr(run.err, "short"), "the token must not be printed: %s", run.err);
    cs_testrun_free(&run);
}

Test(serve_usage, help_documents_the_console)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift"), "serve", "--help", NULL};
    cs_testrun_t run = cs_testproc_run(argv, NULL, NULL, 10000);
    cr_expect_eq(run.status, 0);
    const char *needles[] = {"--listen", "127.0.0.1:8080", "CALLSIFT_UI_TOKEN",
                             "Bearer",   "CSRF",           "HttpOnly"};
    for (size_t i = 0; i < CS_ARRAY_LEN(needles); i++)
        cr_expect(strstr(run.out, needles[i]), "--help lacks %s:\n%s", needles[i], run.out);
    cs_testrun_free(&run);
}
