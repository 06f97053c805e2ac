/*
 * fuzz_labels.c: libFuzzer target: a dataset folder's y_labels.csv
 * (host/session/dataset.c): the row parser, then loading the files the rows
 * name for a model with one 4-element float input (a.bin and b.bin exist,
 * 16 and 64 bytes), labels checked against each task.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../target-stub/engine/nn_types.h"
#include "model/graph.h"
#include "session/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *workdir(void)
{
    static char dir[128];
    if (dir[0])
        return dir;
    snprintf(dir, sizeof(dir), "/tmp/hb-fuzz-labels-%ld", (long)getpid());
    mkdir(dir, 0777);
    static const uint8_t zeros[64];
    const struct {
        const char *name;
        size_t bytes;
    } files[] = {{"a.bin", 16}, {"b.bin", 64}};
    for (int i = 0; i < 2; i++) {
        char p[256];
        snprintf(p, sizeof(p), "%s/%s", dir, files[i].name);
        FILE *f = fopen(p, "wb");
        if (f) {
            fwrite(zeros, 1, files[i].bytes, f);
            fclose(f);
        }
    }
    return dir;
}

static graph *model(void)
{
    static graph *g;
    if (g)
        return g;
    int32_t dims[2] = {1, 4};
    int in = -1;
    if (graph_new(&g) != HB_OK ||
        graph_add_tensor(g, "x", NN_DT_FLOAT32, 2, dims, NULL, 0, &in) != HB_OK ||
        graph_set_io(g, 1, &in, 1, &in) != HB_OK)
        return NULL;
    return g;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256];
    const char *dir = workdir();
    snprintf(path, sizeof(path), "%s/y_labels.csv", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    dataset_label *rows = NULL;
    int n = 0;
    if (dataset_labels_read(path, &rows, &n) == HB_OK)
        dataset_labels_free(rows, n);
    const graph *g = model();
    for (int task = DATASET_TASK_NONE; g && task <= DATASET_TASK_REGRESSION; task++) {
        dataset d;
        if (dataset_load(dir, g, NULL, (dataset_task)task, &d) == HB_OK) {
            float x[4];
            for (int s = 0; s < d.n; s++)
                for (int w = 0; w < d.samples[s].n_windows; w++)
                    dataset_values(&d, s, w, x);
            dataset_free(&d);
        }
    }
    return 0;
}
