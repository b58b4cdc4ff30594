#include "cs_pages.h"

int cs_page_calls(cs_web_req_t *req, cs_web_resp_t *resp)
{
    return cs_web_fail(req, resp, 501, "this page is not built yet");
}
