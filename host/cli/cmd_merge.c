/*
 * cmd_merge.c: `hilbench merge OUT.db IN.db...`: the results of several
 * bench hosts in one database (store_merge: runs keep their uuid, rows get
 * new ids, a run already there is not added twice).
 */
#include <stdio.h>

#include "cli.h"
#include "store/store.h"

const cli_option cli_opts_merge[] = {
    {0},
};

hb_status cmd_merge(const cli_args *a)
{
    store *out = NULL;
    hb_status st;
    int added = 0, replaced = 0, skipped = 0;

    if ((st = store_open(a->pos[0], &out)) != HB_OK)
        return st;
    for (int i = 1; i < a->n_pos; i++) {
        store_merge_stats ms;
        if ((st = store_merge(out, a->pos[i], &ms)) != HB_OK)
            break;
        printf("%s: %d run%s added, %d replaced by a more complete copy, %d already there "
               "(%lld inferences)\n", a->pos[i], ms.runs_added, ms.runs_added == 1 ? "" : "s",
               ms.runs_replaced, ms.runs_skipped, (long long)ms.inferences_added);
        added += ms.runs_added;
        replaced += ms.runs_replaced;
        skipped += ms.runs_skipped;
    }
    if (st == HB_OK)
        printf("%s: %d run%s added, %d replaced, %d already there\n", a->pos[0], added,
               added == 1 ? "" : "s", replaced, skipped);
    store_close(out);
    return st;
}
