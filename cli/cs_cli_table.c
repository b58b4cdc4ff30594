#include "cs_cli_table.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs_text.h"
#include "cs_util.h"

/* Longest cell of the table format, in characters, "..." included. */
#define CELL_MAX   60
#define COLUMN_GAP "  "
/* Lines of a CS_CLI_COL_LINES column start this far right of the second column. */
#define LINES_INDENT 2

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
    else if (strcmp(name, "markdown") == 0)
        *fmt = CS_CLI_FORMAT_MARKDOWN;
    else
        return -1;
    return 0;
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
    size_t n = cs_text_utf8_chars(text, strlen(text));
    return n < CELL_MAX ? n : CELL_MAX;
}

/* Write text cut to CELL_MAX characters (control characters shown as '?'), padded with spaces
   to width unless it is the last column. */
static void s_put_cell(FILE *out, const char *text, size_t width, bool right, bool last)
{
    size_t shown = s_cell_width(text);
    bool cut = cs_text_utf8_chars(text, strlen(text)) > CELL_MAX;
    if (right)
        for (size_t i = shown; i < width; i++)
            fputc(' ', out);
    size_t budget = cut ? CELL_MAX - 3 : shown;
    const char *p = text;
    for (size_t chars = 0; *p && chars < budget; chars++)
        for (size_t n = cs_text_utf8_seq_len((unsigned char)*p); n > 0 && *p; n--, p++)
            fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
    if (cut)
        fputs("...", out);
    if (!right && !last)
        for (size_t i = shown; i < width; i++)
            fputc(' ', out);
}

static bool s_is_number(cs_cli_coltype_t type)
{
    return type == CS_CLI_COL_INT || type == CS_CLI_COL_DECIMAL;
}

/* The lines of a CS_CLI_COL_LINES cell under its row: "name: " before the first, the others
   aligned with it, control characters shown as '?'. Empty text prints nothing. */
static void s_put_lines(FILE *out, const char *name, const char *text, size_t indent)
{
    if (!text[0])
        return;
    size_t label = strlen(name) + 2;
    for (size_t i = 0; i < indent; i++)
        fputc(' ', out);
    fprintf(out, "%s: ", name);
    for (const char *p = text; *p; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;
        if (*p == '\n') {
            fputc('\n', out);
            for (size_t i = 0; i < indent + label; i++)
                fputc(' ', out);
            continue;
        }
        fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
    }
    fputc('\n', out);
}

static int s_print_table(FILE *out, const cs_cli_column_t *cols, int ncols, const PGresult *res,
                         char *err, size_t errlen)
{
    size_t *widths = calloc((size_t)ncols, sizeof *widths);
    if (!widths)
        return cs_fail(err, errlen, "out of memory");
    int nrows = PQntuples(res), last = -1, shown = 0;
    size_t indent = 0; /* where the second shown column starts */
    for (int c = 0; c < ncols; c++) {
        if (cols[c].type == CS_CLI_COL_LINES)
            continue;
        widths[c] = strlen(cols[c].name);
        for (int r = 0; r < nrows; r++) {
            size_t w = s_cell_width(s_table_text(res, r, c, cols[c].type));
            if (w > widths[c])
                widths[c] = w;
        }
        if (shown++ == 0)
            indent = widths[c] + strlen(COLUMN_GAP) + LINES_INDENT;
        last = c;
    }
    for (int c = 0, n = 0; c < ncols; c++) {
        if (cols[c].type == CS_CLI_COL_LINES)
            continue;
        char header[64];
        size_t i = 0;
        for (; cols[c].name[i] && i + 1 < sizeof header; i++)
            header[i] = (char)toupper((unsigned char)cols[c].name[i]);
        header[i] = '\0';
        if (n++ > 0)
            fputs(COLUMN_GAP, out);
        s_put_cell(out, header, widths[c], s_is_number(cols[c].type), c == last);
    }
    fputc('\n', out);
    for (int r = 0; r < nrows; r++) {
        for (int c = 0, n = 0; c < ncols; c++) {
            if (cols[c].type == CS_CLI_COL_LINES)
                continue;
            if (n++ > 0)
                fputs(COLUMN_GAP, out);
            s_put_cell(out, s_table_text(res, r, c, cols[c].type), widths[c],
                       s_is_number(cols[c].type), c == last);
        }
        fputc('\n', out);
        for (int c = 0; c < ncols; c++)
            if (cols[c].type == CS_CLI_COL_LINES)
                s_put_lines(out, cols[c].name, s_table_text(res, r, c, cols[c].type), indent);
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
    case CS_CLI_COL_JSON:
        return json_loads(v, JSON_DECODE_ANY, NULL); /* NULL when it is not JSON */
    case CS_CLI_COL_TEXT:
    case CS_CLI_COL_LINES:
        break;
    }
    return json_string(v); /* NULL when v is not UTF-8 */
}

json_t *cs_cli_json_rows(const cs_cli_column_t *cols, int ncols, const PGresult *res, char *err,
                         size_t errlen)
{
    assert(ncols == PQnfields(res));
    json_t *rows = json_array();
    if (!rows) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *obj = json_object();
        if (!obj || json_array_append_new(rows, obj) != 0) {
            cs_fail(err, errlen, "out of memory");
            json_decref(rows);
            return NULL;
        }
        for (int c = 0; c < ncols; c++) {
            json_t *value = s_json_value(res, r, c, cols[c].type);
            if (!value || json_object_set_new(obj, cols[c].name, value) != 0) {
                cs_fail(err, errlen, "row %d, column %s: cannot be written as JSON", r + 1,
                        cols[c].name);
                json_decref(rows);
                return NULL;
            }
        }
    }
    return rows;
}

static int s_print_json(FILE *out, const cs_cli_column_t *cols, int ncols, const PGresult *res,
                        char *err, size_t errlen)
{
    json_t *rows = cs_cli_json_rows(cols, ncols, res, err, errlen);
    if (!rows)
        return -1;
    int rc = 0;
    /* amounts have at most 14 significant digits: 15 prints them exactly and without noise */
    if (json_dumpf(rows, out, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) != 0)
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

static int s_print_csv(FILE *out, const cs_cli_column_t *cols, int ncols, const PGresult *res,
                       bool sheet)
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
            bool text = cols[c].type == CS_CLI_COL_TEXT || cols[c].type == CS_CLI_COL_LINES;
            if (sheet && text && v[0] && strchr("=+-@\t\r", v[0])) {
                char *safe = cs_strdup_printf("'%s", v);
                s_put_csv_field(out, safe ? safe : "");
                free(safe);
                continue;
            }
            s_put_csv_field(out, v);
        }
        fputs("\r\n", out);
    }
    return 0;
}

/* ---- markdown ----------------------------------------------------------------------------- */

/* One cell: '|' and '\' escaped (a text ending in '\' must not escape the '|' closing its
   cell), a line break as <br>, other control characters as spaces. */
static void s_put_markdown_cell(FILE *out, const char *text)
{
    fputc(' ', out);
    for (const char *p = text; *p; p++) {
        if (*p == '|' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\r' && p[1] == '\n')
            continue;
        else if (*p == '\n' || *p == '\r')
            fputs("<br>", out);
        else
            fputc((unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
    }
    fputs(" |", out);
}

static int s_print_markdown(FILE *out, const cs_cli_column_t *cols, int ncols, const PGresult *res)
{
    fputc('|', out);
    for (int c = 0; c < ncols; c++)
        s_put_markdown_cell(out, cols[c].name);
    fputs("\n|", out);
    for (int c = 0; c < ncols; c++)
        fputs(s_is_number(cols[c].type) ? " ---: |" : " --- |", out);
    fputc('\n', out);
    for (int r = 0; r < PQntuples(res); r++) {
        fputc('|', out);
        for (int c = 0; c < ncols; c++)
            s_put_markdown_cell(out, s_table_text(res, r, c, cols[c].type));
        fputc('\n', out);
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
    case CS_CLI_FORMAT_CSV_SHEET:
        rc = s_print_csv(out, cols, ncols, res, fmt == CS_CLI_FORMAT_CSV_SHEET);
        break;
    case CS_CLI_FORMAT_MARKDOWN:
        rc = s_print_markdown(out, cols, ncols, res);
        break;
    }
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = cs_fail(err, errlen, "cannot write output: %s", strerror(errno));
    return rc;
}
