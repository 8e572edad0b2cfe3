#include "data/medad.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

const char *ddad_medad_bad_name(const char *name)
{
    if (!name[0]) return "empty name";
    if (name[0] == '/') return "absolute path (names are relative to ROOT/images)";
    if (strlen(name) >= DDAD_NAME_MAX) return "name too long";
    for (const char *p = name; *p;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') return "'..' component (names must stay inside ROOT/images)";
        if (len == 0) return "empty path component";
        if (!slash) break;
        p = slash + 1;
        if (!*p) return "ends with '/'";
    }
    return NULL;
}

/* The JSON array at key path a.b[.c] (NULL-terminated list), or an error naming the path. */
static json_t *get_list(json_t *root, const char *file, const char *const *keys, char *where, size_t wlen,
                        ddad_error *err)
{
    json_t *node = root;
    where[0] = '\0';
    for (int i = 0; keys[i]; i++) {
        size_t n = strlen(where);
        snprintf(where + n, wlen - n, "%s%s", i ? "." : "", keys[i]);
        if (!json_is_object(node)) {
            ddad_error_set(err, DDAD_EXIT_USAGE, "%s: \"%s\" is not a JSON object (see the Med-AD layout in docs/DATA.md)",
                           file, where);
            return NULL;
        }
        json_t *next = json_object_get(node, keys[i]);
        if (!next) {
            ddad_error_set(err, DDAD_EXIT_USAGE, "%s: missing key \"%s\" (the Med-AD layout needs train.0, "
                           "train.unlabeled.0, train.unlabeled.1, test.0 and test.1)", file, where);
            return NULL;
        }
        node = next;
    }
    if (!json_is_array(node)) {
        ddad_error_set(err, DDAD_EXIT_USAGE, "%s: \"%s\" must be a list of image names", file, where);
        return NULL;
    }
    if (json_array_size(node) == 0) {
        ddad_error_set(err, DDAD_EXIT_USAGE, "%s: \"%s\" is empty: every split needs at least one image", file, where);
        return NULL;
    }
    return node;
}

static int append(ddad_medad_list *l, int split, json_t *arr, int8_t label, const char *file, const char *where,
                  ddad_error *err)
{
    size_t n = json_array_size(arr);
    int64_t old = l->count[split];
    l->names[split] = realloc(l->names[split], sizeof(char *) * (size_t)(old + (int64_t)n));
    l->labels[split] = realloc(l->labels[split], (size_t)(old + (int64_t)n));
    if (!l->names[split] || !l->labels[split]) ddad_fatal(DDAD_EXIT_RUNTIME, "out of memory reading %s", file);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s))
            return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s[%zu] is not a string (image names are strings)", file,
                                  where, i);
        const char *name = json_string_value(s);
        const char *why = strlen(name) != json_string_length(s) ? "contains a NUL character" : ddad_medad_bad_name(name);
        if (why) return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s[%zu] \"%s\": %s", file, where, i, name, why);
        l->names[split][l->count[split]] = ddad_strdup(name);
        l->labels[split][l->count[split]] = label;
        l->count[split]++;
    }
    return 0;
}

typedef struct {
    const char *name;
    int split;
    int64_t index;
} name_ref;

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const name_ref *)a)->name, ((const name_ref *)b)->name);
}

static int check_duplicates(const ddad_medad_list *l, const char *file, ddad_error *err)
{
    int64_t total = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) total += l->count[s];
    name_ref *refs = ddad_malloc(sizeof *refs * (size_t)total, "name list");
    int64_t k = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++)
        for (int64_t i = 0; i < l->count[s]; i++) refs[k++] = (name_ref){l->names[s][i], s, i};
    qsort(refs, (size_t)total, sizeof *refs, cmp_ref);
    int64_t dups = 0;
    char first[1024] = "";
    for (int64_t i = 1; i < total; i++) {
        if (strcmp(refs[i].name, refs[i - 1].name)) continue;
        if (dups++ < 3) {
            size_t n = strlen(first);
            snprintf(first + n, sizeof first - n, "%s\"%s\" (in %s and %s)", n ? ", " : "", refs[i].name,
                     ddad_split_name(refs[i - 1].split), ddad_split_name(refs[i].split));
        }
    }
    free(refs);
    if (dups)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %lld duplicate name%s: %s%s; every image may be listed once",
                              file, (long long)dups, dups > 1 ? "s" : "", first, dups > 3 ? ", ..." : "");
    return 0;
}

int ddad_medad_read(const char *root, ddad_medad_list *out, ddad_error *err)
{
    memset(out, 0, sizeof *out);
    char file[4096];
    snprintf(file, sizeof file, "%s/data.json", root);
    if (!ddad_file_exists(file))
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "%s: missing; --root must be a Med-AD folder with data.json and images/", file);
    json_error_t je;
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s:%d:%d: malformed JSON: %s", file, je.line, je.column, je.text);
    static const char *const k_train0[] = {"train", "0", NULL};
    static const char *const k_pool0[] = {"train", "unlabeled", "0", NULL};
    static const char *const k_pool1[] = {"train", "unlabeled", "1", NULL};
    static const char *const k_test0[] = {"test", "0", NULL};
    static const char *const k_test1[] = {"test", "1", NULL};
    struct {
        const char *const *keys;
        int split;
        int8_t label;
    } parts[] = {{k_train0, DDAD_SPLIT_NORMAL, 0}, {k_pool0, DDAD_SPLIT_POOL0, 0}, {k_pool1, DDAD_SPLIT_POOL1, 1},
                 {k_test0, DDAD_SPLIT_TEST, 0},    {k_test1, DDAD_SPLIT_TEST, 1}};
    int rc = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && rc == 0; i++) {
        char where[128];
        json_t *arr = get_list(doc, file, parts[i].keys, where, sizeof where, err);
        rc = arr ? append(out, parts[i].split, arr, parts[i].label, file, where, err) : -1;
    }
    json_decref(doc);
    if (rc == 0) rc = check_duplicates(out, file, err);
    if (rc < 0) ddad_medad_free(out);
    return rc;
}

void ddad_medad_free(ddad_medad_list *l)
{
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
        for (int64_t i = 0; i < l->count[s]; i++) free(l->names[s][i]);
        free(l->names[s]);
        free(l->labels[s]);
        l->names[s] = NULL;
        l->labels[s] = NULL;
        l->count[s] = 0;
    }
}
