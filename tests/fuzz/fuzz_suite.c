/*
 * fuzz_suite.c: libFuzzer target: benchmark suites (host/session/suite.c):
 * libinih, the key table, numbers, variables (${build}, ${reference}),
 * paths resolved against the suite's folder.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A folder with a model file and a dataset folder the suites can name:
 * m.tflite, data/, and ${build}/models/sine_float.tflite. */
static const char *workdir(void)
{
    static char dir[128];
    if (dir[0])
        return dir;
    snprintf(dir, sizeof(dir), "/tmp/hb-fuzz-suite-%ld", (long)getpid());
    char p[256];
    mkdir(dir, 0777);
    snprintf(p, sizeof(p), "%s/data", dir);
    mkdir(p, 0777);
    snprintf(p, sizeof(p), "%s/models", dir);
    mkdir(p, 0777);
    const char *files[] = {"m.tflite", "models/sine_float.tflite"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
        FILE *f = fopen(p, "wb");
        if (f)
            fclose(f);
    }
    return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256];
    const char *dir = workdir();
    snprintf(path, sizeof(path), "%s/suite.ini", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    suite *s = NULL;
    if (suite_load(path, dir, &s) == HB_OK)
        suite_free(s);
    return 0;
}
