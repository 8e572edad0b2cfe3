#include "data/dataset_layout.h"
#include "data/dataset.h"

#include <stdio.h>
#include <string.h>

static const char *const GROUPS[DDAD_NUM_SPLITS] = {"/train/normal", "/train/unlabeled/pool0",
                                                     "/train/unlabeled/pool1", "/test"};
static const char *const NAMES[DDAD_NUM_SPLITS] = {"train/normal", "train/unlabeled/pool0",
                                                    "train/unlabeled/pool1", "test"};

const char *ddad_split_group(int split)
{
    return (split >= 0 && split < DDAD_NUM_SPLITS) ? GROUPS[split] : "?";
}

const char *ddad_split_name(int split)
{
    return (split >= 0 && split < DDAD_NUM_SPLITS) ? NAMES[split] : "?";
}

void ddad_shard_path(const char *path, int s, int n, char *out, size_t outlen)
{
    size_t len = strlen(path);
    size_t stem = len;
    if (len > 3 && strcmp(path + len - 3, ".h5") == 0) stem = len - 3;
    snprintf(out, outlen, "%.*s.shard-%03d-of-%03d.h5", (int)stem, path, s, n);
}

void ddad_shard_range(int64_t total, int s, int n, int64_t *first, int64_t *count)
{
    int64_t a = total * s / n, b = total * (s + 1) / n;
    *first = a;
    *count = b - a;
}
