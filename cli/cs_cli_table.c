#include "cs_cli_table.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs_util.h"

/* Longest cell of the table format, in characters, "..." included. */
#define CELL_MAX   60
#define COLUMN_GAP "  "

int cs_cli_format_parse(const char *name, cs_cli_format_t *fmt)
{
    if (!name)
        return -1;
    if (strcmp(name, "table") == 0)
        *fmt = CS_CLI_FORMAT_TABLE;
    else if (strcmp(name, "json") == 0)
        *fmt = CS_CLI_FORMAT_JSON;
    else if (strcmp(name, "csv") == 0)
        *fmt = CS_CLI_FORMAT_CSV;
    else
        return -1;
    return 0;
}

size_t cs_cli_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static bool s_is_true(const char *pg_bool)
{
    return pg_bool[0] == 't';
}

/* ---- table -------------------------------------------------------------------------------- */

/* The text a cell shows before cutting. */
static const char *s_table_text(const PGresult *res, int row, int col, cs_cli_coltype_t type)
{
    if (PQgetisnull(res, row, col))
        return "";
    const char *v = PQgetvalue(res, row, col);
    if (type == CS_CLI_COL_BOOL)
        return s_is_true(v) ? "yes" : "no";
    return v;
}

static size_t s_cell_width(const char *text)
{
    size_t n = cs_cli_utf8_len(text);
    return n < CELL_MAX ? n : CELL_MAX;
}

/* Write text cut to CELL_MAX characters (control characters shown as '?'), padded with spaces
   to width unless it is the last column. */
static void s_put_cell(FILE *out, const char *text, size_t width, bool right, bool last)
{
    size_t shown = s_cell_width(text);
    bool cut = cs_cli_utf8_len(text) > CELL_MAX;
    if (right)
        for (size_t i = shown; i < width; i++)
            fputc(' ', out);
    size_t budget = cut ? CELL_MAX - 3 : shown, chars = 0;
    for (const char *p = text; *p; p++) {
        bool starts_char = ((unsigned char)*p & 0xC0) != 0x80;
        if (starts_char && chars++ == budget)
            break;
        fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
    }
    if (cut)
        fputs("...", out);
    if (!right && !last)
        for (size_t i = shown; i < width; i++)
            fputc(' ', out);
}

static int s_print_table(FILE *out, const cs_cli_column_t *cols, int ncols, const PGresult *res,
                         char *err, size_t errlen)
{
    size_t *widths = calloc((size_t)ncols, sizeof *widths);
    if (!widths)
        return cs_fail(err, errlen, "out of memory");
    int nrows = PQntuples(res);
    for (int c = 0; c < ncols; c++) {
        widths[c] = strlen(cols[c].name);
        for (int r = 0; r < nrows; r++) {
            size_t w = s_cell_width(s_table_text(res, r, c, cols[c].type));
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (int c = 0; c < ncols; c++) {
        char header[64];
        size_t i = 0;
        for (; cols[c].name[i] && i + 1 < sizeof header; i++)
            header[i] = (char)toupper((unsigned char)cols[c].name[i]);
        header[i] = '\0';
        bool right = cols[c].type == CS_CLI_COL_INT || cols[c].type == CS_CLI_COL_DECIMAL;
        if (c > 0)
            fputs(COLUMN_GAP, out);
        s_put_cell(out, header, widths[c], right, c == ncols - 1);
    }
    fputc('\n', out);
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            bool right = cols[c].type == CS_CLI_COL_INT || cols[c].type == CS_CLI_COL_DECIMAL;
            if (c > 0)
                fputs(COLUMN_GAP, out);
            s_put_cell(out, s_table_text(res, r, c, cols[c].type), widths[c], right,
                       c == ncols - 1);
        }
        fputc('\n', out);
    }
    free(widths);
    return 0;
}

/* ---- json --------------------------------------------------------------------------------- */

static json_t *s_json_value(const PGresult *res, int row, int col, cs_cli_coltype_t type)
{
    if (PQgetisnull(res, row, col))
        return json_null();
    const char *v = PQgetvalue(res, row, col);
    switch (type) {
    case CS_CLI_COL_INT:
        return json_integer(strtoll(v, NULL, 10));
    case CS_CLI_COL_DECIMAL:
        return json_real(strtod(v, NULL));
    case CS_CLI_COL_BOOL:
        return json_boolean(s_is_true(v));
    case CS_CLI_COL_TEXT:
        break;
    }
    return json_string(v); /* NULL when v is not UTF-8 */
}

static int s_print_json(FILE *out, const cs_cli_column_t *cols, int ncols, const PGresult *res,
                        char *err, size_t errlen)
{
    json_t *rows = json_array();
    if (!rows)
        return cs_fail(err, errlen, "out of memory");
    int rc = 0;
    for (int r = 0; r < PQntuples(res) && rc == 0; r++) {
        json_t *obj = json_object();
        for (int c = 0; c < ncols && obj; c++) {
            json_t *value = s_json_value(res, r, c, cols[c].type);
            if (!value || json_object_set_new(obj, cols[c].name, value) != 0) {
                json_decref(obj);
                obj = NULL;
                rc = cs_fail(err, errlen, "row %d, column %s: cannot be written as JSON", r + 1,
                             cols[c].name);
            }
        }
        if (obj && json_array_append_new(rows, obj) != 0)
            rc = cs_fail(err, errlen, "out of memory");
    }
    /* amounts have at most 14 significant digits: 15 prints them exactly and without noise */
    if (rc == 0 && json_dumpf(rows, out, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) != 0)
        rc = cs_fail(err, errlen, "cannot write output");
    if (rc == 0)
        fputc('\n', out);
    json_decref(rows);
    return rc;
}

/* ---- csv ---------------------------------------------------------------------------------- */

static void s_put_csv_field(FILE *out, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static int s_print_csv(FILE *out, const cs_cli_column_t *cols, int ncols, const PGresult *res)
{
    for (int c = 0; c < ncols; c++) {
        if (c > 0)
            fputc(',', out);
        s_put_csv_field(out, cols[c].name);
    }
    fputs("\r\n", out);
    for (int r = 0; r < PQntuples(res); r++) {
        for (int c = 0; c < ncols; c++) {
            if (c > 0)
                fputc(',', out);
            if (PQgetisnull(res, r, c))
                continue;
            const char *v = PQgetvalue(res, r, c);
            if (cols[c].type == CS_CLI_COL_BOOL)
                v = s_is_true(v) ? "true" : "false";
            s_put_csv_field(out, v);
        }
        fputs("\r\n", out);
    }
    return 0;
}

int cs_cli_print(FILE *out, cs_cli_format_t fmt, const cs_cli_column_t *cols, int ncols,
                 const PGresult *res, char *err, size_t errlen)
{
    assert(ncols == PQnfields(res)); /* the column table and the SQL are written together */
    int rc = 0;
    switch (fmt) {
    case CS_CLI_FORMAT_TABLE:
        rc = s_print_table(out, cols, ncols, res, err, errlen);
        break;
    case CS_CLI_FORMAT_JSON:
        rc = s_print_json(out, cols, ncols, res, err, errlen);
        break;
    case CS_CLI_FORMAT_CSV:
        rc = s_print_csv(out, cols, ncols, res);
        break;
    }
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = cs_fail(err, errlen, "cannot write output: %s", strerror(errno));
    return rc;
}
