/*  cs_cli_table: the output of every list command, in the four --format choices.

      table     aligned columns under upper-case headers, numbers to the right; long text is cut
                at 60 characters with "..." (the other formats never cut anything)
      json      one JSON array of objects, keys in column order; counts are integers, amounts
                numbers, flags booleans and SQL NULL is null
      csv       a header line, then RFC 4180 records: fields holding a comma, a double quote or a
                line break are quoted, quotes doubled, lines end with CRLF
      markdown  a GitHub-flavoured Markdown table, numbers aligned right, to paste into a
                document: '|' and '\' in a cell are escaped ('\|', '\\'), a line break is <br>

    The rows come straight from a PGresult, so the SQL decides the text of every value (amounts
    with two decimals, timestamps in ISO-8601 UTC). */
#ifndef CS_CLI_TABLE_H
#define CS_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

#include <jansson.h>

typedef enum {
    CS_CLI_FORMAT_TABLE,
    CS_CLI_FORMAT_JSON,
    CS_CLI_FORMAT_CSV,
    CS_CLI_FORMAT_MARKDOWN,
    CS_CLI_FORMAT_CSV_SHEET, /* csv for a spreadsheet (the console's downloads): a text cell
                                that starts with = + - @ or a tab or CR gets a leading ' so
                                that no spreadsheet runs text from a call as a formula */
} cs_cli_format_t;

typedef enum {
    CS_CLI_COL_TEXT,    /* shown as is; a JSON string */
    CS_CLI_COL_INT,     /* right-aligned; a JSON integer */
    CS_CLI_COL_DECIMAL, /* right-aligned, text kept as PostgreSQL gives it; a JSON number */
    CS_CLI_COL_BOOL,    /* PostgreSQL's t/f as yes/no, true/false in CSV; a JSON boolean */
    CS_CLI_COL_LINES,   /* text of one or more lines: in the table not a column but lines under
                           its row, "name: " before the first, never cut; otherwise as TEXT */
    CS_CLI_COL_JSON,    /* a JSON document made by the SQL: embedded as it is in JSON, its text
                           in the other formats */
} cs_cli_coltype_t;

typedef struct {
    const char *name; /* JSON key and CSV header; upper-cased for the table header */
    cs_cli_coltype_t type;
} cs_cli_column_t;

/* "table", "json", "csv" or "markdown" into *fmt: 0, or -1 for anything else. */
int cs_cli_format_parse(const char *name, cs_cli_format_t *fmt);

/* The rows of res (borrowed) as a JSON array of objects, the way the json format prints them
   (cols as for cs_cli_print). A new reference, or NULL with the reason in err. */
json_t *cs_cli_json_rows(const cs_cli_column_t *cols, int ncols, const PGresult *res, char *err,
                         size_t errlen);

/* Print every row of res (borrowed) to out. cols describes res's columns in order; ncols must
   be PQnfields(res). 0, or -1 with the reason in err (out of memory, text that is not UTF-8 for
   JSON, or a failed write). */
int cs_cli_print(FILE *out, cs_cli_format_t fmt, const cs_cli_column_t *cols, int ncols,
                 const PGresult *res, char *err, size_t errlen);

#endif
