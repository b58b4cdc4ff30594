/* cs_cli_table: the escaping of the csv and markdown formats and the cutting and padding of
   the table format, on results of real queries (the server DATABASE_URL points at). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "cs_cli_table.h"
#include "cs_testdb.h"
#include "cs_util.h"

/* The result of `sql` with its text parameters; the test fails when the query does. */
static PGresult *s_query(PGconn **conn, const char *sql, int nparams, const char *const *params)
{
    *conn = PQconnectdb(cs_testdb_server_url());
    cr_assert_eq(PQstatus(*conn), CONNECTION_OK, "%s", PQerrorMessage(*conn));
    PGresult *res = PQexecParams(*conn, sql, nparams, NULL, params, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(*conn));
    return res;
}

/* What cs_cli_print writes for res in `fmt` (a malloc'd string). */
static char *s_print(cs_cli_format_t fmt, const cs_cli_column_t *cols, int ncols,
                     const PGresult *res)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_not_null(out);
    char err[256] = "";
    cr_assert_eq(cs_cli_print(out, fmt, cols, ncols, res, err, sizeof err), 0, "%s", err);
    fclose(out);
    return text;
}

static void s_expect_output(cs_cli_format_t fmt, const cs_cli_column_t *cols, int ncols,
                            const char *sql, int nparams, const char *const *params,
                            const char *want)
{
    PGconn *conn;
    PGresult *res = s_query(&conn, sql, nparams, params);
    char *got = s_print(fmt, cols, ncols, res);
    cr_expect_str_eq(got, want);
    free(got);
    PQclear(res);
    PQfinish(conn);
}

Test(cli_table, csv_quotes_commas_quotes_and_line_breaks_and_nothing_else)
{
    static const cs_cli_column_t cols[] = {
        {"plain", CS_CLI_COL_TEXT}, {"comma", CS_CLI_COL_TEXT}, {"quote", CS_CLI_COL_TEXT},
        {"lf", CS_CLI_COL_TEXT},    {"cr", CS_CLI_COL_TEXT},    {"null", CS_CLI_COL_TEXT},
        {"yes", CS_CLI_COL_BOOL},   {"no", CS_CLI_COL_BOOL},    {"other", CS_CLI_COL_TEXT},
    };
    const char *params[] = {"caf\xc3\xa9 ok", "a,b", "say \"hi\"", "two\nlines",
                            "cr\rhere",       "t",   "f",          "pipe|back\\slash"};
    s_expect_output(CS_CLI_FORMAT_CSV, cols, CS_ARRAY_LEN(cols),
                    "SELECT $1::text, $2::text, $3::text, $4::text, $5::text, NULL::text,"
                    " $6::boolean, $7::boolean, $8::text",
                    8, params,
                    "plain,comma,quote,lf,cr,null,yes,no,other\r\n"
                    "caf\xc3\xa9 ok,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",,"
                    "true,false,pipe|back\\slash\r\n");
}

Test(cli_table, csv_for_a_spreadsheet_keeps_text_from_running_as_a_formula)
{
    static const cs_cli_column_t cols[] = {
        {"eq", CS_CLI_COL_TEXT},   {"plus", CS_CLI_COL_TEXT}, {"minus", CS_CLI_COL_LINES},
        {"at", CS_CLI_COL_TEXT},   {"tab", CS_CLI_COL_TEXT},  {"plain", CS_CLI_COL_TEXT},
        {"n", CS_CLI_COL_DECIMAL},
    };
    const char *params[] = {
        "=HYPERLINK(\"http://x\",\"a\")", "+1", "-2+3", "@SUM(A1)", "\tx", "a=b", "-5.25"};
    const char *sql = "SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text,"
                      " $7::numeric";
    s_expect_output(CS_CLI_FORMAT_CSV_SHEET, cols, CS_ARRAY_LEN(cols), sql, 7, params,
                    "eq,plus,minus,at,tab,plain,n\r\n"
                    "\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\",'+1,'-2+3,'@SUM(A1),'\tx,a=b,"
                    "-5.25\r\n");
    /* the CLI's own csv is data for programs: unchanged */
    s_expect_output(CS_CLI_FORMAT_CSV, cols, CS_ARRAY_LEN(cols), sql, 7, params,
                    "eq,plus,minus,at,tab,plain,n\r\n"
                    "\"=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\",+1,-2+3,@SUM(A1),\tx,a=b,"
                    "-5.25\r\n");
}

Test(cli_table, csv_of_no_rows_is_the_header_line)
{
    static const cs_cli_column_t cols[] = {{"name", CS_CLI_COL_TEXT}, {"n", CS_CLI_COL_INT}};
    s_expect_output(CS_CLI_FORMAT_CSV, cols, CS_ARRAY_LEN(cols), "SELECT 'x'::text, 1 WHERE false",
                    0, NULL, "name,n\r\n");
}

Test(cli_table, markdown_escapes_pipes_and_backslashes_and_breaks_lines)
{
    static const cs_cli_column_t cols[] = {
        {"pipe", CS_CLI_COL_TEXT}, {"backslash", CS_CLI_COL_TEXT}, {"lines", CS_CLI_COL_TEXT},
        {"tab", CS_CLI_COL_TEXT},  {"n", CS_CLI_COL_INT},          {"flag", CS_CLI_COL_BOOL},
    };
    const char *params[] = {"a|b", "ends with \\", "x\r\ny\nz\rw", "tab\there", "42", "t"};
    s_expect_output(CS_CLI_FORMAT_MARKDOWN, cols, CS_ARRAY_LEN(cols),
                    "SELECT $1::text, $2::text, $3::text, $4::text, $5::int, $6::boolean", 6,
                    params,
                    "| pipe | backslash | lines | tab | n | flag |\n"
                    "| --- | --- | --- | --- | ---: | --- |\n"
                    "| a\\|b | ends with \\\\ | x<br>y<br>z<br>w | tab here | 42 | yes |\n");
}

Test(cli_table, markdown_shows_null_as_an_empty_cell)
{
    static const cs_cli_column_t cols[] = {{"a", CS_CLI_COL_TEXT}, {"b", CS_CLI_COL_DECIMAL}};
    s_expect_output(CS_CLI_FORMAT_MARKDOWN, cols, CS_ARRAY_LEN(cols),
                    "SELECT NULL::text, NULL::numeric", 0, NULL,
                    "| a | b |\n| --- | ---: |\n|  |  |\n");
}

Test(cli_table, table_pads_by_characters_not_bytes)
{
    static const cs_cli_column_t cols[] = {{"n", CS_CLI_COL_TEXT}, {"k", CS_CLI_COL_INT}};
    const char *params[] = {"\xc3\xa9\xe2\x82\xac", "1", "abc", "22"}; /* é€: 2 characters */
    s_expect_output(CS_CLI_FORMAT_TABLE, cols, CS_ARRAY_LEN(cols),
                    "VALUES ($1::text, $2::int), ($3::text, $4::int)", 4, params,
                    "N     K\n"
                    "\xc3\xa9\xe2\x82\xac    1\n"
                    "abc  22\n");
}

Test(cli_table, table_cuts_long_cells_on_a_character_boundary)
{
    static const cs_cli_column_t cols[] = {{"text", CS_CLI_COL_TEXT}};
    /* 56 ASCII letters and 10 euro signs (3 bytes each): 66 characters, cut to 57 and "..." */
    char long_text[56 + 30 + 1], want[256];
    memset(long_text, 'a', 56);
    for (int i = 0; i < 10; i++)
        memcpy(long_text + 56 + 3 * i, "\xe2\x82\xac", 3);
    long_text[86] = '\0';
    /* exactly 60 characters of two bytes each: not cut */
    char exact[121];
    for (int i = 0; i < 60; i++)
        memcpy(exact + 2 * i, "\xc3\xa9", 2);
    exact[120] = '\0';
    const char *params[] = {long_text, exact, "tab\there"};
    snprintf(want, sizeof want, "TEXT\n%.56s\xe2\x82\xac...\n%s\ntab?here\n", long_text, exact);
    s_expect_output(CS_CLI_FORMAT_TABLE, cols, CS_ARRAY_LEN(cols), "VALUES ($1), ($2), ($3)", 3,
                    params, want);
}

Test(cli_table, format_names)
{
    cs_cli_format_t fmt;
    cr_expect_eq(cs_cli_format_parse("markdown", &fmt), 0);
    cr_expect_eq(fmt, CS_CLI_FORMAT_MARKDOWN);
    cr_expect_eq(cs_cli_format_parse("csv", &fmt), 0);
    cr_expect_eq(fmt, CS_CLI_FORMAT_CSV);
    cr_expect_eq(cs_cli_format_parse("CSV", &fmt), -1);
    cr_expect_eq(cs_cli_format_parse(NULL, &fmt), -1);
}
