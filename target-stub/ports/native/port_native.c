/*
 * port_native.c: the stub as a Linux process serving the protocol on a
 * pseudo-terminal (or any tty) named on the command line:
 *
 *     hilbench-stub-native /dev/pts/7 [MODEL_BLOB]
 *
 * MODEL_BLOB, if given, is mapped read-only as the flash model region
 * (LOAD_FLASH runs it in place), as a real board's flash would hold it.
 *
 * The counter is CLOCK_MONOTONIC in nanoseconds. The core runs on a thread
 * whose stack is a static buffer, so its high-water mark can be measured by
 * painting, exactly as on a microcontroller.
 *
 * The test build (hilbench-stub-native-test, STUB_TEST_HOOKS) also reads
 * switches from the environment that make it misbehave the way boards do,
 * for the tests of hilbench's recovery (docs/reliability.md):
 *
 *   HB_STUB_HANG_AT=N          stop answering, for good, at the N-th INVOKE
 *                              after a model was loaded
 *   HB_STUB_CRASH_AT=N         abort() there instead
 *   HB_STUB_FAULT_BLOB_BYTES=B only with a model of B bytes
 *   HB_STUB_FAULT_ONCE=PATH    only if PATH does not exist (it is created
 *                              first): misbehave once, work after a restart
 *   HB_STUB_LOG=PATH           append the type (hex) of every request run
 *                              (not of repeats answered from the cache)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn_types.h"
#include "port.h"
#include "proto.h"
#include "stub.h"

#define MODEL_CAPACITY (16u << 20)
#define ARENA_CAPACITY (16u << 20)
#define STACK_BYTES (1u << 20)

static _Alignas(NN_ALIGN) uint8_t model_buffer[MODEL_CAPACITY];
static _Alignas(NN_ALIGN) uint8_t arena[ARENA_CAPACITY];
static _Alignas(64) uint8_t stack[STACK_BYTES];
static int fd = -1;     /* what the host sends */
static int out_fd = -1; /* where the answers go: fd, or stdout for "-" */
static const uint8_t *flash_model;
static uint32_t flash_model_bytes;

int port_read(uint8_t *buf, int cap)
{
    for (;;) {
        ssize_t n = read(fd, buf, (size_t)cap);
        if (n > 0)
            return (int)n;
        if (n < 0 && errno == EINTR)
            continue;
        return -1; /* EOF or EIO: the host closed the pty */
    }
}

void port_write(const uint8_t *buf, int len)
{
    while (len > 0) {
        ssize_t n = write(out_fd, buf, (size_t)len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (int)n;
    }
}

uint32_t port_counter(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

uint32_t port_counter_hz(void) { return 1000000000u; }
uint8_t port_counter_unit(void) { return PROTO_UNIT_NS; }

uint8_t *port_model_buffer(uint32_t *capacity)
{
    *capacity = MODEL_CAPACITY;
    return model_buffer;
}

uint8_t *port_arena(uint32_t *capacity)
{
    *capacity = ARENA_CAPACITY;
    return arena;
}

const uint8_t *port_flash_model(uint32_t *capacity)
{
    *capacity = flash_model_bytes;
    return flash_model;
}

uint8_t *port_stack_limit(void) { return stack; }
uint8_t *port_stack_base(void) { return stack + STACK_BYTES; }
const char *port_board_name(void) { return "native"; }

#ifdef STUB_TEST_HOOKS
#include <signal.h>
#include <stdlib.h>

static struct {
    long hang_at, crash_at, blob_bytes;
    const char *once;
    FILE *log;
    long invokes;      /* INVOKEs since the model was loaded */
    uint32_t loading;  /* bytes of the model being loaded */
} T;

static long env_long(const char *name)
{
    const char *v = getenv(name);
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;
    return v && *end == '\0' && n > 0 ? n : 0;
}

static void test_switches(void)
{
    T.hang_at = env_long("HB_STUB_HANG_AT");
    T.crash_at = env_long("HB_STUB_CRASH_AT");
    T.blob_bytes = env_long("HB_STUB_FAULT_BLOB_BYTES");
    T.once = getenv("HB_STUB_FAULT_ONCE");
    if (getenv("HB_STUB_LOG"))
        T.log = fopen(getenv("HB_STUB_LOG"), "a");
}

/* The once-file: misbehave only if it is not there yet. */
static int fire(void)
{
    if (T.blob_bytes && T.loading != (uint32_t)T.blob_bytes)
        return 0;
    if (!T.once)
        return 1;
    int f = open(T.once, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (f < 0)
        return 0;
    close(f);
    return 1;
}

void port_test_request(uint8_t type, const uint8_t *payload, size_t len)
{
    (void)len;
    if (T.log) {
        fprintf(T.log, "%02x\n", type);
        fflush(T.log);
    }
    if (type == PROTO_LOAD_BEGIN || type == PROTO_LOAD_FLASH) {
        T.loading = len >= 4 ? (uint32_t)payload[0] | (uint32_t)payload[1] << 8 |
                                   (uint32_t)payload[2] << 16 | (uint32_t)payload[3] << 24
                             : 0;
        T.invokes = 0;
    }
    if (type != PROTO_INVOKE)
        return;
    T.invokes++;
    if (T.crash_at && T.invokes == T.crash_at && fire()) {
        fprintf(stderr, "hilbench-stub-native-test: crashing at INVOKE %ld on purpose\n",
                T.invokes);
        abort();
    }
    if (T.hang_at && T.invokes == T.hang_at && fire()) {
        fprintf(stderr, "hilbench-stub-native-test: hanging at INVOKE %ld on purpose\n",
                T.invokes);
        for (;;)
            pause();
    }
}
#endif

static void *serve(void *arg)
{
    (void)arg;
    stub_run();
    return NULL;
}

int main(int argc, char **argv)
{
    struct termios tio;
    pthread_attr_t attr;
    pthread_t thread;

#ifdef STUB_TEST_HOOKS
    test_switches();
#endif
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s TTY|- [MODEL_BLOB]\n", argv[0]);
        return 2;
    }
    if (argc == 3) {
        struct stat st;
        int mfd = open(argv[2], O_RDONLY);
        if (mfd < 0 || fstat(mfd, &st) != 0 || st.st_size <= 0 || st.st_size > (1 << 30)) {
            fprintf(stderr, "hilbench-stub-native: model %s: %s\n", argv[2],
                    mfd < 0 ? strerror(errno) : "empty or too large");
            return 1;
        }
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, mfd, 0);
        close(mfd);
        if (m == MAP_FAILED) {
            fprintf(stderr, "hilbench-stub-native: mmap %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        flash_model = m;
        flash_model_bytes = (uint32_t)st.st_size;
    }
    /* "-": the host talks to us over stdin and stdout ([link] type = stdio). */
    fd = !strcmp(argv[1], "-") ? 0 : open(argv[1], O_RDWR | O_NOCTTY);
    out_fd = !strcmp(argv[1], "-") ? 1 : fd;
    if (fd < 0) {
        fprintf(stderr, "hilbench-stub-native: open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSANOW, &tio);
    }
    if (pthread_attr_init(&attr) != 0 ||
        pthread_attr_setstack(&attr, stack, STACK_BYTES) != 0 ||
        pthread_create(&thread, &attr, serve, NULL) != 0) {
        fprintf(stderr, "hilbench-stub-native: cannot start the stub thread\n");
        return 1;
    }
    pthread_join(thread, NULL);
    return 0;
}
