/*  cs_pages: the console's pages and actions, one module each (cs_page_<name>.c), and the
    route table cs_serve.c dispatches with. A GET renders a page; a POST changes something and
    redirects (303) to the page that shows the result, with a flash message saying what was
    done or why it was refused. Every handler has the cs_web_handler_t shape (cs_web.h). */
#ifndef CS_PAGES_H
#define CS_PAGES_H

#include "cs_web.h"

/* Features: the ranked catalogue (cs_page_features.c). */
int cs_page_features(cs_web_req_t *req, cs_web_resp_t *resp);

/* One feature, and its actions (cs_page_feature.c, cs_page_actions.c). */
int cs_page_feature(cs_web_req_t *req, cs_web_resp_t *resp);
int cs_action_feature(cs_web_req_t *req, cs_web_resp_t *resp); /* POST /features/ID/VERB */
int cs_action_undo(cs_web_req_t *req, cs_web_resp_t *resp);    /* POST /actions/ID/undo */

/* The review queue (cs_page_review.c). */
int cs_page_review(cs_web_req_t *req, cs_web_resp_t *resp);
int cs_action_review(cs_web_req_t *req, cs_web_resp_t *resp); /* POST /review */

/* Themes and trends (cs_page_trends.c). */
int cs_page_themes(cs_web_req_t *req, cs_web_resp_t *resp);
int cs_page_trends(cs_web_req_t *req, cs_web_resp_t *resp);

/* Customers and calls (cs_page_customers.c, cs_page_calls.c). */
int cs_page_customers(cs_web_req_t *req, cs_web_resp_t *resp);
int cs_page_calls(cs_web_req_t *req, cs_web_resp_t *resp);

typedef struct {
    const char *method;  /* "GET" or "POST" */
    const char *pattern; /* "/features/ID": each "*" in it stands for one path segment */
    cs_web_handler_t run;
} cs_route_t;

extern const cs_route_t cs_routes[];
extern const size_t cs_routes_len;

#endif
