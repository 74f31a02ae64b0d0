/*
 * satchel_csv: a SQLite virtual table that reads one ERMrest CSV file with typed columns, so the bag
 * importer can load a table with a single `INSERT INTO t SELECT * FROM temp.source` instead of binding
 * every value from JavaScript.
 *
 *   CREATE VIRTUAL TABLE temp.source USING satchel_csv('path', 'spec', maxFieldBytes, maxRecordBytes)
 *
 * spec has one letter per CSV column: i integer, r real, b boolean, d date, t text; upper case means
 * the column may not be NULL. The header (the first record) is skipped; the JavaScript importer has
 * already read and checked it.
 *
 *   CREATE VIRTUAL TABLE temp.fetch USING satchel_fetch('path', maxLineBytes)
 *
 * reads a bag's fetch.txt (`url<TAB>length<TAB>path` lines) as rows (path, url, url_path, length), as
 * main/core/bag/fetch.ts does: the path decoded (%0A, %0D, %25) and normalised, under data/; url_path
 * the URL without its scheme and host.
 *
 * The rules are those of main/core/bag/csv.ts and values.ts: comma separated, `"` quoting with `""`
 * escapes, LF or CRLF line ends, an optional byte order mark, empty lines skipped, an unquoted empty
 * field is NULL and a quoted one the empty string. This reader only ever says yes or stops: on anything
 * it does not accept (bad UTF-8, bad quoting, a wrong field count, a value not of its column's type, a
 * NULL where none may be, a field or record over its limit) the statement fails, and the importer
 * rolls the table back and loads it again with the JavaScript reader, whose error names the line.
 */
#if !defined(_WIN32)
#define _GNU_SOURCE /* strtod_l and newlocale */
#endif
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#if defined(__APPLE__)
#include <xlocale.h>
#endif

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

#define READ_BYTES (1 << 20)

typedef struct {
  const char *text; /* into the cursor's buffer; unescaped in place once the record is complete */
  int64_t bytes;
  int quoted;
  int escapes; /* the field holds "" pairs */
} Field;

typedef struct {
  sqlite3_vtab base;
  char *path;
  char *spec;
  int columns;
  int64_t maxField;
  int64_t maxRecord;
} CsvTable;

typedef struct {
  sqlite3_vtab_cursor base;
  FILE *file;
  char *buffer;
  int64_t capacity;
  int64_t start;  /* first byte of the unread data */
  int64_t filled; /* bytes of valid data in the buffer */
  int atEnd;      /* the file has no more bytes */
  int eof;        /* no more records */
  int64_t row;
  int count;  /* fields of the current record */
  Field *fields; /* columns + 1 entries: one more tells a record with too many fields */
  /* satchel_fetch: the current line's values; the path is decoded and normalised into scratch. */
  char *scratch;
  int64_t scratchCapacity;
  int64_t pathBytes;
  const char *url;
  int64_t urlBytes;
  const char *urlPath;
  int64_t urlPathBytes;
  int hasLength;
  sqlite3_int64 length;
} CsvCursor;

/* ---- numbers and words, as values.ts reads them ------------------------------------------------ */

#if defined(_WIN32)
static _locale_t c_locale(void) {
  static _locale_t locale = NULL;
  if (!locale) locale = _create_locale(LC_NUMERIC, "C");
  return locale;
}
static double parse_double(const char *text) { return _strtod_l(text, NULL, c_locale()); }
#else
static locale_t c_locale(void) {
  static locale_t locale = (locale_t)0;
  if (!locale) locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  return locale;
}
static double parse_double(const char *text) { return strtod_l(text, NULL, c_locale()); }
#endif

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int equals(const char *text, int64_t bytes, const char *word) {
  return (int64_t)strlen(word) == bytes && memcmp(text, word, (size_t)bytes) == 0;
}

/* ^[+-]?\d+$ that fits in 64 bits (values.ts would make a BigInt; past 64 bits the importer decides). */
static int parse_integer(const char *text, int64_t bytes, sqlite3_int64 *out) {
  int64_t at = 0;
  int negative = 0;
  uint64_t value = 0;
  if (at < bytes && (text[at] == '+' || text[at] == '-')) negative = text[at++] == '-';
  if (at == bytes) return 0;
  for (; at < bytes; at++) {
    if (!is_digit(text[at])) return 0;
    unsigned digit = (unsigned)(text[at] - '0');
    if (value > (UINT64_MAX - digit) / 10) return 0;
    value = value * 10 + digit;
  }
  if (negative) {
    if (value > (uint64_t)INT64_MAX + 1) return 0;
    *out = value == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(sqlite3_int64)value;
  } else {
    if (value > (uint64_t)INT64_MAX) return 0;
    *out = (sqlite3_int64)value;
  }
  return 1;
}

/* ^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(NaN|[+-]?Infinity)$ */
static int is_float(const char *text, int64_t bytes) {
  int64_t at = 0;
  if (equals(text, bytes, "NaN")) return 1;
  if (at < bytes && (text[at] == '+' || text[at] == '-')) at++;
  if (equals(text + at, bytes - at, "Infinity")) return 1;
  int64_t digits = 0;
  while (at < bytes && is_digit(text[at])) at++, digits++;
  if (at < bytes && text[at] == '.') {
    at++;
    while (at < bytes && is_digit(text[at])) at++, digits++;
  }
  if (digits == 0) return 0;
  if (at < bytes && (text[at] == 'e' || text[at] == 'E')) {
    at++;
    if (at < bytes && (text[at] == '+' || text[at] == '-')) at++;
    int64_t exponent = 0;
    while (at < bytes && is_digit(text[at])) at++, exponent++;
    if (exponent == 0) return 0;
  }
  return at == bytes;
}

static int parse_real(const char *text, int64_t bytes, double *out) {
  if (!is_float(text, bytes)) return 0;
  char small[64];
  char *copy = bytes < (int64_t)sizeof small ? small : sqlite3_malloc64((sqlite3_uint64)bytes + 1);
  if (!copy) return 0;
  memcpy(copy, text, (size_t)bytes);
  copy[bytes] = 0;
  /* strtod reads "Infinity" and "NaN" as JavaScript's Number does; NaN becomes NULL in SQLite. */
  *out = parse_double(copy);
  if (copy != small) sqlite3_free(copy);
  return 1;
}

static int parse_boolean(const char *text, int64_t bytes, int *out) {
  static const char *const yes[] = {"t", "T", "true", "True", "TRUE", "y", "Y", "yes", "1"};
  static const char *const no[] = {"f", "F", "false", "False", "FALSE", "n", "N", "no", "0"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    if (equals(text, bytes, yes[i])) return *out = 1, 1;
    if (equals(text, bytes, no[i])) return *out = 0, 1;
  }
  return 0;
}

/* ^\d{4}-\d{2}-\d{2}$ */
static int is_date(const char *text, int64_t bytes) {
  if (bytes != 10 || text[4] != '-' || text[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !is_digit(text[i])) return 0;
  return 1;
}

/* ---- UTF-8, as Node's isUtf8 (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF) */

static int is_utf8(const unsigned char *bytes, int64_t length) {
  int64_t at = 0;
  while (at < length) {
    /* Plain ASCII, eight bytes at a time. */
    while (at + 8 <= length) {
      uint64_t word;
      memcpy(&word, bytes + at, 8);
      if (word & 0x8080808080808080ull) break;
      at += 8;
    }
    if (at >= length) break;
    unsigned char lead = bytes[at];
    if (lead < 0x80) {
      at++;
      continue;
    }
    int size = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (size == 0 || at + size > length) return 0;
    unsigned char low = lead == 0xe0 ? 0xa0 : lead == 0xf0 ? 0x90 : 0x80;
    unsigned char high = lead == 0xed ? 0x9f : lead == 0xf4 ? 0x8f : 0xbf;
    if (bytes[at + 1] < low || bytes[at + 1] > high) return 0;
    for (int next = 2; next < size; next++)
      if ((bytes[at + next] & 0xc0) != 0x80) return 0;
    at += size;
  }
  return 1;
}

/* ---- reading records ----------------------------------------------------------------------------- */

/* The bytes that end an unquoted field: a comma, a line feed, or a quote (which is an error there). */
static const unsigned char ENDS_UNQUOTED[256] = {[','] = 1, ['\n'] = 1, ['"'] = 1};

static int fail(CsvCursor *cursor, const char *reason) {
  sqlite3_vtab *table = cursor->base.pVtab;
  sqlite3_free(table->zErrMsg);
  table->zErrMsg = sqlite3_mprintf("satchel_csv: %s", reason);
  return SQLITE_ERROR;
}

/* Moves the unread bytes to the front and reads more, growing the buffer when one record fills it. */
static int refill(CsvCursor *cursor) {
  CsvTable *table = (CsvTable *)cursor->base.pVtab;
  if (cursor->start > 0) {
    memmove(cursor->buffer, cursor->buffer + cursor->start, (size_t)(cursor->filled - cursor->start));
    cursor->filled -= cursor->start;
    cursor->start = 0;
  }
  if (cursor->capacity - cursor->filled < READ_BYTES) {
    if (cursor->filled > table->maxRecord + 2) return fail(cursor, "a record is over the limit");
    int64_t capacity = cursor->capacity * 2;
    char *grown = sqlite3_realloc64(cursor->buffer, (sqlite3_uint64)capacity);
    if (!grown) return SQLITE_NOMEM;
    cursor->buffer = grown;
    cursor->capacity = capacity;
  }
  size_t read = fread(cursor->buffer + cursor->filled, 1, (size_t)(cursor->capacity - cursor->filled), cursor->file);
  if (read == 0) {
    if (ferror(cursor->file)) return fail(cursor, "the file could not be read");
    cursor->atEnd = 1;
  }
  cursor->filled += (int64_t)read;
  return SQLITE_OK;
}

/*
 * Splits the record at cursor->start into fields, or reports that the buffer ends inside it
 * (returns 1, nothing changed). Returns 0 with cursor->start past the record, or -1 on bad input.
 * At the end of the file the record ends there, as if a line feed followed.
 */
static int split_record(CsvCursor *cursor, int *incomplete, const char **problem) {
  CsvTable *table = (CsvTable *)cursor->base.pVtab;
  const char *data = cursor->buffer;
  int64_t end = cursor->filled;
  int64_t at = cursor->start;
  int count = 0;
  *incomplete = 0;
  for (;;) {
    Field *field = count <= table->columns ? &cursor->fields[count] : NULL;
    int64_t fieldStart;
    int64_t fieldEnd;
    int quoted = 0;
    int escapes = 0;
    if (at < end && data[at] == '"') {
      quoted = 1;
      fieldStart = ++at;
      for (;;) {
        const char *close = memchr(data + at, '"', (size_t)(end - at));
        if (!close) {
          if (cursor->atEnd) return *problem = "a quoted field is never closed", -1;
          return *incomplete = 1, 1;
        }
        at = close - data;
        if (at + 1 >= end && !cursor->atEnd) return *incomplete = 1, 1;
        if (at + 1 < end && data[at + 1] == '"') {
          escapes = 1;
          at += 2;
          continue;
        }
        fieldEnd = at++;
        break;
      }
      if (at < end && data[at] == '\r') {
        if (at + 1 >= end && !cursor->atEnd) return *incomplete = 1, 1;
        /* Only a line feed (or the end of the file) may follow the carriage return. */
        if (at + 1 < end && data[at + 1] != '\n') return *problem = "text after a closing quote", -1;
        at++;
      } else if (at < end && data[at] != ',' && data[at] != '\n') {
        return *problem = "text after a closing quote", -1;
      }
    } else {
      fieldStart = at;
      while (at < end && !ENDS_UNQUOTED[(unsigned char)data[at]]) at++;
      if (at < end && data[at] == '"') return *problem = "a quote inside an unquoted field", -1;
      if (at == end && !cursor->atEnd) return *incomplete = 1, 1;
      fieldEnd = at;
      /* A carriage return before the line feed ends the line, not the field. */
      if (fieldEnd > fieldStart && data[fieldEnd - 1] == '\r' && (at == end || data[at] == '\n')) fieldEnd--;
    }
    if (fieldEnd - fieldStart > table->maxField) return *problem = "a field is over the limit", -1;
    if (field) {
      field->text = data + fieldStart;
      field->bytes = fieldEnd - fieldStart;
      field->quoted = quoted;
      field->escapes = escapes;
    }
    count++;
    if (at < end && data[at] == ',') {
      at++;
      continue;
    }
    /* The record ends at a line feed or at the end of the file. */
    if (at - cursor->start > table->maxRecord) return *problem = "a record is over the limit", -1;
    if (!is_utf8((const unsigned char *)data + cursor->start, at - cursor->start))
      return *problem = "a byte that is not UTF-8", -1;
    cursor->start = at < end ? at + 1 : at;
    cursor->count = count;
    return 0;
  }
}

static void unescape(Field *field) {
  char *text = (char *)field->text;
  int64_t out = 0;
  for (int64_t in = 0; in < field->bytes; in++, out++) {
    text[out] = text[in];
    if (text[in] == '"') in++;
  }
  field->bytes = out;
}

/* The next record that is not an empty line (one holding nothing, or only a carriage return). */
static int read_record(CsvCursor *cursor) {
  for (;;) {
    if (cursor->start == cursor->filled) {
      if (cursor->atEnd) {
        cursor->eof = 1;
        return SQLITE_OK;
      }
      int rc = refill(cursor);
      if (rc != SQLITE_OK) return rc;
      continue;
    }
    int incomplete;
    const char *problem = NULL;
    int outcome = split_record(cursor, &incomplete, &problem);
    if (outcome < 0) return fail(cursor, problem);
    if (incomplete) {
      int rc = refill(cursor);
      if (rc != SQLITE_OK) return rc;
      continue;
    }
    Field *first = &cursor->fields[0];
    if (cursor->count == 1 && first->bytes == 0 && !first->quoted) continue;
    for (int i = 0; i < cursor->count && i < ((CsvTable *)cursor->base.pVtab)->columns; i++)
      if (cursor->fields[i].escapes) unescape(&cursor->fields[i]);
    return SQLITE_OK;
  }
}

/* Checks every field of the current record against its column, so xColumn cannot fail. */
static int check_record(CsvCursor *cursor) {
  CsvTable *table = (CsvTable *)cursor->base.pVtab;
  if (cursor->count != table->columns) return fail(cursor, "a record has another number of fields than the header");
  for (int i = 0; i < table->columns; i++) {
    Field *field = &cursor->fields[i];
    char kind = table->spec[i];
    int nullable = kind >= 'a';
    if (field->bytes == 0 && !field->quoted) {
      if (!nullable) return fail(cursor, "a NULL in a column that may not be NULL");
      continue;
    }
    sqlite3_int64 integer;
    int truth;
    int ok = 1;
    switch (kind | 0x20) {
      case 'i': ok = parse_integer(field->text, field->bytes, &integer); break;
      case 'r': ok = is_float(field->text, field->bytes); break;
      case 'b': ok = parse_boolean(field->text, field->bytes, &truth); break;
      case 'd': ok = is_date(field->text, field->bytes); break;
      default: break;
    }
    if (!ok) return fail(cursor, "a value that is not of its column's type");
  }
  return SQLITE_OK;
}

/* ---- the virtual table ------------------------------------------------------------------------- */

/* 'text' with '' for ', as the CREATE VIRTUAL TABLE arguments arrive; NULL if not quoted. */
static char *dequote(const char *argument) {
  size_t length = strlen(argument);
  if (length < 2 || argument[0] != '\'' || argument[length - 1] != '\'') return NULL;
  char *out = sqlite3_malloc64(length);
  if (!out) return NULL;
  size_t written = 0;
  for (size_t i = 1; i + 1 < length; i++) {
    out[written++] = argument[i];
    if (argument[i] == '\'') i++;
  }
  out[written] = 0;
  return out;
}

static int csv_disconnect(sqlite3_vtab *base) {
  CsvTable *table = (CsvTable *)base;
  sqlite3_free(table->path);
  sqlite3_free(table->spec);
  sqlite3_free(table);
  return SQLITE_OK;
}

static int csv_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **error) {
  (void)aux;
  if (argc != 7) {
    *error = sqlite3_mprintf("satchel_csv takes ('path', 'spec', maxFieldBytes, maxRecordBytes)");
    return SQLITE_ERROR;
  }
  CsvTable *table = sqlite3_malloc(sizeof *table);
  if (!table) return SQLITE_NOMEM;
  memset(table, 0, sizeof *table);
  table->path = dequote(argv[3]);
  table->spec = dequote(argv[4]);
  table->maxField = strtoll(argv[5], NULL, 10);
  table->maxRecord = strtoll(argv[6], NULL, 10);
  if (!table->path || !table->spec || table->maxField <= 0 || table->maxRecord <= 0) {
    csv_disconnect(&table->base);
    *error = sqlite3_mprintf("satchel_csv: bad arguments");
    return SQLITE_ERROR;
  }
  table->columns = (int)strlen(table->spec);
  if (table->columns == 0 || strspn(table->spec, "irbdtIRBDT") != (size_t)table->columns) {
    csv_disconnect(&table->base);
    *error = sqlite3_mprintf("satchel_csv: the spec must be letters of irbdt");
    return SQLITE_ERROR;
  }
  sqlite3_str *schema = sqlite3_str_new(db);
  sqlite3_str_appendall(schema, "CREATE TABLE x(");
  for (int i = 0; i < table->columns; i++) sqlite3_str_appendf(schema, "%sc%d", i ? "," : "", i);
  sqlite3_str_appendall(schema, ")");
  char *sql = sqlite3_str_finish(schema);
  int rc = sql ? sqlite3_declare_vtab(db, sql) : SQLITE_NOMEM;
  sqlite3_free(sql);
  if (rc != SQLITE_OK) {
    csv_disconnect(&table->base);
    return rc;
  }
  *out = &table->base;
  return SQLITE_OK;
}

static int csv_best_index(sqlite3_vtab *base, sqlite3_index_info *info) {
  (void)base;
  info->estimatedCost = 1e9;
  return SQLITE_OK;
}

static int csv_close(sqlite3_vtab_cursor *base) {
  CsvCursor *cursor = (CsvCursor *)base;
  if (cursor->file) fclose(cursor->file);
  sqlite3_free(cursor->buffer);
  sqlite3_free(cursor->fields);
  sqlite3_free(cursor->scratch);
  sqlite3_free(cursor);
  return SQLITE_OK;
}

static int csv_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out) {
  CsvTable *table = (CsvTable *)base;
  CsvCursor *cursor = sqlite3_malloc(sizeof *cursor);
  if (!cursor) return SQLITE_NOMEM;
  memset(cursor, 0, sizeof *cursor);
  cursor->fields = sqlite3_malloc64(sizeof(Field) * (sqlite3_uint64)(table->columns + 1));
  cursor->capacity = 4 * READ_BYTES;
  cursor->buffer = sqlite3_malloc64((sqlite3_uint64)cursor->capacity);
  if (!cursor->fields || !cursor->buffer) {
    csv_close(&cursor->base);
    return SQLITE_NOMEM;
  }
  *out = &cursor->base;
  return SQLITE_OK;
}

static int csv_next(sqlite3_vtab_cursor *base) {
  CsvCursor *cursor = (CsvCursor *)base;
  int rc = read_record(cursor);
  if (rc != SQLITE_OK || cursor->eof) return rc;
  cursor->row++;
  return check_record(cursor);
}

static int csv_filter(sqlite3_vtab_cursor *base, int plan, const char *planText, int argc, sqlite3_value **argv) {
  (void)plan, (void)planText, (void)argc, (void)argv;
  CsvCursor *cursor = (CsvCursor *)base;
  CsvTable *table = (CsvTable *)base->pVtab;
  if (cursor->file) fclose(cursor->file);
  cursor->file = fopen(table->path, "rb");
  if (!cursor->file) return fail(cursor, "the file could not be opened");
  cursor->start = cursor->filled = 0;
  cursor->atEnd = cursor->eof = 0;
  cursor->row = 0;
  int rc = refill(cursor);
  if (rc != SQLITE_OK) return rc;
  if (cursor->filled >= 3 && memcmp(cursor->buffer, "\xEF\xBB\xBF", 3) == 0) cursor->start = 3;
  /* The header: the importer has read it already. */
  rc = read_record(cursor);
  if (rc != SQLITE_OK || cursor->eof) return rc;
  return csv_next(base);
}

static int csv_eof(sqlite3_vtab_cursor *base) { return ((CsvCursor *)base)->eof; }

static int csv_column(sqlite3_vtab_cursor *base, sqlite3_context *context, int column) {
  CsvCursor *cursor = (CsvCursor *)base;
  CsvTable *table = (CsvTable *)base->pVtab;
  Field *field = &cursor->fields[column];
  if (field->bytes == 0 && !field->quoted) return SQLITE_OK; /* NULL */
  sqlite3_int64 integer = 0;
  double real = 0;
  int truth = 0;
  switch (table->spec[column] | 0x20) {
    case 'i':
      parse_integer(field->text, field->bytes, &integer);
      sqlite3_result_int64(context, integer);
      break;
    case 'r':
      parse_real(field->text, field->bytes, &real);
      sqlite3_result_double(context, real);
      break;
    case 'b':
      parse_boolean(field->text, field->bytes, &truth);
      sqlite3_result_int(context, truth);
      break;
    default:
      sqlite3_result_text64(context, field->text, (sqlite3_uint64)field->bytes, SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  return SQLITE_OK;
}

static int csv_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid) {
  *rowid = ((CsvCursor *)base)->row;
  return SQLITE_OK;
}

static sqlite3_module csv_module = {
    .iVersion = 0,
    .xCreate = csv_connect,
    .xConnect = csv_connect,
    .xBestIndex = csv_best_index,
    .xDisconnect = csv_disconnect,
    .xDestroy = csv_disconnect,
    .xOpen = csv_open,
    .xClose = csv_close,
    .xFilter = csv_filter,
    .xNext = csv_next,
    .xEof = csv_eof,
    .xColumn = csv_column,
    .xRowid = csv_rowid,
};

/* ---- fetch.txt ------------------------------------------------------------------------------- */

static int fetch_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **error) {
  (void)aux;
  if (argc != 5) {
    *error = sqlite3_mprintf("satchel_fetch takes ('path', maxLineBytes)");
    return SQLITE_ERROR;
  }
  CsvTable *table = sqlite3_malloc(sizeof *table);
  if (!table) return SQLITE_NOMEM;
  memset(table, 0, sizeof *table);
  table->path = dequote(argv[3]);
  table->maxRecord = strtoll(argv[4], NULL, 10);
  table->columns = 3;
  if (!table->path || table->maxRecord <= 0) {
    csv_disconnect(&table->base);
    *error = sqlite3_mprintf("satchel_fetch: bad arguments");
    return SQLITE_ERROR;
  }
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(path, url, url_path, length)");
  if (rc != SQLITE_OK) {
    csv_disconnect(&table->base);
    return rc;
  }
  *out = &table->base;
  return SQLITE_OK;
}

static int is_blank(const char *text, int64_t bytes) {
  for (int64_t i = 0; i < bytes; i++)
    if (!strchr(" \t\r\v\f", text[i])) return 0;
  return 1;
}

static int hex_value(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* BagIt's %0A, %0D and %25 decoded into scratch, then the path made safe as safeRelativePath does:
   no NUL, backslash, leading / or drive letter, no .. segment; empty and . segments dropped. */
static const char *normalise_path(CsvCursor *cursor, const char *raw, int64_t bytes) {
  if (cursor->scratchCapacity < bytes + 1) {
    char *grown = sqlite3_realloc64(cursor->scratch, (sqlite3_uint64)bytes + 1);
    if (!grown) return "out of memory";
    cursor->scratch = grown;
    cursor->scratchCapacity = bytes + 1;
  }
  char *decoded = cursor->scratch;
  int64_t length = 0;
  for (int64_t i = 0; i < bytes; i++) {
    if (raw[i] == '%' && i + 2 < bytes) {
      int value = hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]);
      if (hex_value(raw[i + 1]) >= 0 && hex_value(raw[i + 2]) >= 0 && (value == 0x0a || value == 0x0d || value == 0x25)) {
        decoded[length++] = (char)value;
        i += 2;
        continue;
      }
    }
    decoded[length++] = raw[i];
  }
  if (memchr(decoded, 0, (size_t)length) || memchr(decoded, '\\', (size_t)length)) return "an unsafe path";
  if (length > 0 && decoded[0] == '/') return "an absolute path";
  if (length > 1 && decoded[1] == ':' && ((decoded[0] | 0x20) >= 'a' && (decoded[0] | 0x20) <= 'z')) return "an absolute path";
  int64_t out = 0;
  int64_t segment = 0;
  while (segment <= length) {
    const char *slash = memchr(decoded + segment, '/', (size_t)(length - segment));
    int64_t end = slash ? slash - decoded : length;
    int64_t size = end - segment;
    if (size == 2 && decoded[segment] == '.' && decoded[segment + 1] == '.') return "a path climbing out with ..";
    if (size > 0 && !(size == 1 && decoded[segment] == '.')) {
      if (out > 0) decoded[out++] = '/';
      memmove(decoded + out, decoded + segment, (size_t)size);
      out += size;
    }
    segment = end + 1;
  }
  if (out < 5 || memcmp(decoded, "data/", 5) != 0) return "a path outside data/";
  cursor->pathBytes = out;
  return NULL;
}

/* The path part of a URL, as fetch.ts's urlPath: scheme://host/rest gives /rest (or /), anything else
   the URL itself (so does a rest holding a carriage return or U+2028/U+2029, which . does not match). */
static void url_path(CsvCursor *cursor) {
  const char *url = cursor->url;
  int64_t bytes = cursor->urlBytes;
  cursor->urlPath = url;
  cursor->urlPathBytes = bytes;
  int64_t at = 0;
  if (bytes == 0 || !(((url[0] | 0x20) >= 'a' && (url[0] | 0x20) <= 'z'))) return;
  for (at = 1; at < bytes; at++) {
    char c = url[at];
    if (!(((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || is_digit(c) || c == '+' || c == '.' || c == '-')) break;
  }
  if (bytes - at < 3 || memcmp(url + at, "://", 3) != 0) return;
  const char *slash = memchr(url + at + 3, '/', (size_t)(bytes - at - 3));
  if (!slash) {
    cursor->urlPath = "/";
    cursor->urlPathBytes = 1;
    return;
  }
  int64_t rest = slash - url;
  for (int64_t i = rest; i < bytes; i++) {
    if (url[i] == '\r') return;
    if ((unsigned char)url[i] == 0xe2 && i + 2 < bytes && (unsigned char)url[i + 1] == 0x80 &&
        ((unsigned char)url[i + 2] == 0xa8 || (unsigned char)url[i + 2] == 0xa9))
      return;
  }
  cursor->urlPath = slash;
  cursor->urlPathBytes = bytes - rest;
}

/* One fetch.txt line (without its line end) into the cursor's values; a reason when it is not plain. */
static const char *parse_fetch_line(CsvCursor *cursor, const char *line, int64_t bytes) {
  const char *tab1 = memchr(line, '\t', (size_t)bytes);
  const char *tab2 = tab1 ? memchr(tab1 + 1, '\t', (size_t)(line + bytes - tab1 - 1)) : NULL;
  if (!tab2) return "a line that is not tab separated";
  const char *rawPath = tab2 + 1;
  const char *tab3 = memchr(rawPath, '\t', (size_t)(line + bytes - rawPath));
  int64_t rawPathBytes = (tab3 ? tab3 : line + bytes) - rawPath;
  cursor->url = line;
  cursor->urlBytes = tab1 - line;
  const char *length = tab1 + 1;
  int64_t lengthBytes = tab2 - length;
  if (cursor->urlBytes == 0 || lengthBytes == 0 || rawPathBytes == 0) return "an empty value";
  if (lengthBytes == 1 && length[0] == '-') {
    cursor->hasLength = 0;
  } else {
    if (lengthBytes > 15) return "a length past 15 digits";
    cursor->length = 0;
    for (int64_t i = 0; i < lengthBytes; i++) {
      if (!is_digit(length[i])) return "a length that is not a number";
      cursor->length = cursor->length * 10 + (length[i] - '0');
    }
    cursor->hasLength = 1;
  }
  url_path(cursor);
  return normalise_path(cursor, rawPath, rawPathBytes);
}

static int fetch_next(sqlite3_vtab_cursor *base) {
  CsvCursor *cursor = (CsvCursor *)base;
  CsvTable *table = (CsvTable *)base->pVtab;
  for (;;) {
    if (cursor->start == cursor->filled) {
      if (cursor->atEnd) {
        cursor->eof = 1;
        return SQLITE_OK;
      }
      int rc = refill(cursor);
      if (rc != SQLITE_OK) return rc;
      continue;
    }
    const char *line = cursor->buffer + cursor->start;
    const char *newline = memchr(line, '\n', (size_t)(cursor->filled - cursor->start));
    if (!newline && !cursor->atEnd) {
      int rc = refill(cursor);
      if (rc != SQLITE_OK) return rc;
      continue;
    }
    int64_t bytes = (newline ? newline : cursor->buffer + cursor->filled) - line;
    if (bytes > table->maxRecord) return fail(cursor, "a line is over the limit");
    if (!is_utf8((const unsigned char *)line, bytes)) return fail(cursor, "a byte that is not UTF-8");
    cursor->start += bytes + (newline ? 1 : 0);
    if (bytes > 0 && line[bytes - 1] == '\r') bytes--;
    if (is_blank(line, bytes)) continue;
    const char *problem = parse_fetch_line(cursor, line, bytes);
    if (problem) return fail(cursor, problem);
    cursor->row++;
    return SQLITE_OK;
  }
}

static int fetch_filter(sqlite3_vtab_cursor *base, int plan, const char *planText, int argc, sqlite3_value **argv) {
  (void)plan, (void)planText, (void)argc, (void)argv;
  CsvCursor *cursor = (CsvCursor *)base;
  CsvTable *table = (CsvTable *)base->pVtab;
  if (cursor->file) fclose(cursor->file);
  cursor->file = fopen(table->path, "rb");
  if (!cursor->file) return fail(cursor, "the file could not be opened");
  cursor->start = cursor->filled = 0;
  cursor->atEnd = cursor->eof = 0;
  cursor->row = 0;
  return fetch_next(base);
}

static int fetch_column(sqlite3_vtab_cursor *base, sqlite3_context *context, int column) {
  CsvCursor *cursor = (CsvCursor *)base;
  switch (column) {
    case 0:
      sqlite3_result_text64(context, cursor->scratch, (sqlite3_uint64)cursor->pathBytes, SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    case 1:
      sqlite3_result_text64(context, cursor->url, (sqlite3_uint64)cursor->urlBytes, SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    case 2:
      sqlite3_result_text64(context, cursor->urlPath, (sqlite3_uint64)cursor->urlPathBytes, SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    default:
      if (cursor->hasLength) sqlite3_result_int64(context, cursor->length);
  }
  return SQLITE_OK;
}

static sqlite3_module fetch_module = {
    .iVersion = 0,
    .xCreate = fetch_connect,
    .xConnect = fetch_connect,
    .xBestIndex = csv_best_index,
    .xDisconnect = csv_disconnect,
    .xDestroy = csv_disconnect,
    .xOpen = csv_open,
    .xClose = csv_close,
    .xFilter = fetch_filter,
    .xNext = fetch_next,
    .xEof = csv_eof,
    .xColumn = fetch_column,
    .xRowid = csv_rowid,
};

#if defined(_WIN32)
__declspec(dllexport)
#endif
int sqlite3_satchelcsv_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  (void)error;
  SQLITE_EXTENSION_INIT2(api);
  int rc = sqlite3_create_module(db, "satchel_csv", &csv_module, 0);
  return rc == SQLITE_OK ? sqlite3_create_module(db, "satchel_fetch", &fetch_module, 0) : rc;
}
