/*
 * board_find.c: the profiles in the board folders.
 *
 * Folders are searched in the order given, like PATH: when two profiles
 * have the same [board] name the first one wins and the other is reported
 * as hidden. A folder that does not exist is skipped quietly, since the
 * list usually holds optional places (a user folder, the install folder).
 * Within a folder files are read in name order, so results do not depend
 * on the order the file system returns them in.
 */
#include "board_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_profile(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 4 && strcmp(e->d_name + n - 4, ".ini") == 0;
}

static int by_name(const void *a, const void *b)
{
    const board_profile *x = *(board_profile *const *)a;
    const board_profile *y = *(board_profile *const *)b;
    return strcmp(x->name, y->name);
}

void board_list_free(board_profile **list, int n)
{
    if (!list)
        return;
    for (int i = 0; i < n; i++)
        board_free(list[i]);
    free(list);
}

static void warn_msg(void (*warn)(const char *, void *), void *ctx,
                     const char *msg)
{
    if (warn)
        warn(msg, ctx);
}

hb_status board_list(const char *const *dirs, int n_dirs,
                     const char *firmware_dir,
                     void (*warn)(const char *msg, void *ctx), void *ctx,
                     board_profile ***out, int *n_out)
{
    hb_status st = HB_OK;
    board_profile **list = NULL;
    board_profile *b = NULL;
    struct dirent **entries = NULL;
    int n_entries = 0, n = 0;
    char *path = NULL;

    if (!out || !n_out)
        return hb_fail(HB_ERR_ARG, "board_list: out is NULL");
    *out = NULL;
    *n_out = 0;
    if (n_dirs < 0 || (n_dirs > 0 && !dirs))
        return hb_fail(HB_ERR_ARG, "board_list: no folders");

    for (int d = 0; d < n_dirs; d++) {
        n_entries = scandir(dirs[d], &entries, is_profile, alphasort);
        if (n_entries < 0) {
            if (errno != ENOENT) {
                char msg[1024];
                snprintf(msg, sizeof(msg), "%s: %s", dirs[d], strerror(errno));
                warn_msg(warn, ctx, msg);
            }
            entries = NULL;
            n_entries = 0;
            continue;
        }
        for (int e = 0; e < n_entries; e++) {
            free(path);
            path = NULL;
            if (asprintf(&path, "%s/%s", dirs[d], entries[e]->d_name) < 0) {
                path = NULL;
                st = hb_fail(HB_ERR_MEM, "board_list: out of memory");
                goto cleanup;
            }
            if (board_load(path, firmware_dir, &b) != HB_OK) {
                warn_msg(warn, ctx, hb_last_error());
                continue;
            }
            int dup = -1;
            for (int i = 0; i < n && dup < 0; i++)
                if (strcmp(list[i]->name, b->name) == 0)
                    dup = i;
            if (dup >= 0) {
                char msg[1024];
                snprintf(msg, sizeof(msg), "%s: board '%s' is hidden by %s",
                         path, b->name, list[dup]->path);
                warn_msg(warn, ctx, msg);
                board_free(b);
                b = NULL;
                continue;
            }
            board_profile **grown = realloc(list, (size_t)(n + 1) * sizeof(*list));
            if (!grown) {
                st = hb_fail(HB_ERR_MEM, "board_list: out of memory");
                goto cleanup;
            }
            list = grown;
            list[n++] = b;
            b = NULL;
        }
        for (int e = 0; e < n_entries; e++)
            free(entries[e]);
        free(entries);
        entries = NULL;
        n_entries = 0;
    }
    if (n > 1)
        qsort(list, (size_t)n, sizeof(*list), by_name);
    *out = list;
    *n_out = n;
    list = NULL;
    n = 0;

cleanup:
    for (int e = 0; e < n_entries; e++)
        free(entries[e]);
    free(entries);
    free(path);
    board_free(b);
    board_list_free(list, n);
    return st;
}

static int is_path(const char *name)
{
    size_t n = strlen(name);
    return strchr(name, '/') || (n >= 4 && strcmp(name + n - 4, ".ini") == 0);
}

hb_status board_find(const char *name, const char *const *dirs, int n_dirs,
                     const char *firmware_dir, board_profile **out)
{
    hb_status st = HB_OK;
    board_profile **list = NULL;
    int n = 0;
    char *path = NULL;

    if (!out)
        return hb_fail(HB_ERR_ARG, "board_find: out is NULL");
    *out = NULL;
    if (!name || !name[0])
        return hb_fail(HB_ERR_ARG, "board_find: no board name given");
    if (is_path(name))
        return board_load(name, firmware_dir, out);

    /* A file called <name>.ini answers first, even if it is broken: then
     * its error is the useful one. */
    for (int d = 0; d < n_dirs; d++) {
        free(path);
        if (asprintf(&path, "%s/%s.ini", dirs[d], name) < 0) {
            path = NULL;
            st = hb_fail(HB_ERR_MEM, "board_find: out of memory");
            goto cleanup;
        }
        if (access(path, F_OK) == 0) {
            st = board_load(path, firmware_dir, out);
            goto cleanup;
        }
    }

    st = board_list(dirs, n_dirs, firmware_dir, NULL, NULL, &list, &n);
    if (st != HB_OK)
        goto cleanup;
    for (int i = 0; i < n; i++)
        if (strcmp(list[i]->name, name) == 0) {
            *out = list[i];
            list[i] = list[n - 1];
            n--;
            goto cleanup;
        }

    char where[512] = "", there[512] = "";
    size_t used = 0;
    for (int d = 0; d < n_dirs && used < sizeof(where); d++) {
        int k = snprintf(where + used, sizeof(where) - used, "%s%s",
                         d ? ", " : "", dirs[d]);
        used = k < 0 ? sizeof(where) : used + (size_t)k;
    }
    used = 0;
    for (int i = 0; i < n && used < sizeof(there); i++) {
        int k = snprintf(there + used, sizeof(there) - used, "%s%s",
                         i ? ", " : "", list[i]->name);
        used = k < 0 ? sizeof(there) : used + (size_t)k;
    }
    st = hb_fail(HB_ERR_NOT_FOUND, "no board '%s' in %s; there are: %s", name,
                 n_dirs ? where : "(no folders)", n ? there : "none");

cleanup:
    free(path);
    board_list_free(list, n);
    return st;
}
