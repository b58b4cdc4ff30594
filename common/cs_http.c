#include "cs_http.h"

#include "cs_buf.h"
#include "cs_util.h"

size_t cs_http_on_body(char *data, size_t size, size_t nmemb, void *buf)
{
    cs_buf_t *b = buf;
    size_t n = size * nmemb;
    cs_buf_add(b, data, n);
    return b->failed ? 0 : n;
}

int cs_http_on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                        curl_off_t ulnow)
{
    (void)user;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return cs_stop_requested() ? 1 : 0;
}
