/*
 * board_proc.c: the processes a profile starts (flash tools, the native
 * stub, QEMU), started without a shell and never left behind.
 *
 * Design notes.
 * - fork + execvp: the argv from the profile reaches the program unchanged,
 *   so a firmware name with ';' or spaces is just a name.
 * - Each child leads its own process group, so signals reach whatever it
 *   starts in turn (openocd's helpers, QEMU's threads are fine either way).
 *   A child that moves itself to another group or session escapes; that is
 *   accepted.
 * - PR_SET_PDEATHSIG = SIGKILL covers hilbench being killed with SIGKILL,
 *   where no handler runs. It fires when the thread that forked exits, so
 *   start processes from a thread that lives for the session (main). The
 *   parent may die before the child sets it, hence the getppid() check.
 * - The live registry is a fixed array of atomics, so that
 *   board_proc_kill_all() can run in a signal handler. Signals are blocked
 *   around fork() so a handler never misses a child that exists.
 * - A leader that has exited is left unreaped (waitid with WNOWAIT) until
 *   its group has been killed: while the zombie exists its pid cannot be
 *   reused, so kill(-pid) can never hit an unrelated group.
 * - The program is looked up in PATH here and run with execv, not execvp:
 *   execvp runs a file that is not a valid executable through /bin/sh,
 *   which is exactly what must not happen to, say, a firmware image.
 * - exec failures travel back over a close-on-exec pipe: the parent reads
 *   nothing if exec worked, or the stage and errno if it did not. So
 *   board_proc_start() reports "no such program" itself.
 */
#include "board_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOARD_PROC_MAX 32
#define RUN_GRACE_MS 1000 /* after a run timed out, SIGTERM to SIGKILL */

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the registry needs lock-free int");

struct board_proc {
    pid_t pid;     /* also its process group */
    int slot;      /* index in live[] */
    int reaped;    /* 1 once waited for; status is then valid */
    int status;    /* wait status */
    char *what;    /* the command line, for messages */
};

/* Process groups to kill; 0 = free slot, -1 = claimed, not yet forked. */
static atomic_int live[BOARD_PROC_MAX];
/* The process that owns the registry: a forked copy must not kill them. */
static atomic_int live_owner;

void board_proc_kill_all(void)
{
    int saved = errno;
    if (atomic_load(&live_owner) == (int)getpid())
        for (int i = 0; i < BOARD_PROC_MAX; i++) {
            int pg = atomic_load(&live[i]);
            if (pg > 0)
                kill(-pg, SIGKILL);
        }
    errno = saved;
}

static int claim_slot(void)
{
    for (int i = 0; i < BOARD_PROC_MAX; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&live[i], &expected, -1))
            return i;
    }
    return -1;
}

static void registry_init(void)
{
    static atomic_int registered;
    int pid = (int)getpid();
    if (atomic_exchange(&live_owner, pid) != pid) {
        /* A forked copy inherits its parent's entries: they are not its. */
        for (int i = 0; i < BOARD_PROC_MAX; i++)
            atomic_store(&live[i], 0);
    }
    if (!atomic_exchange(&registered, 1))
        atexit(board_proc_kill_all);
}

/* What the child sends back when it could not exec. */
typedef struct {
    int stage; /* 0 = exec, else a setup step below */
    int err;
} child_failure;

static const char *const stage_names[] = {"exec", "setpgid", "prctl", "dup2"};

static void child_fail(int fd, int stage)
{
    child_failure f = {stage, errno};
    ssize_t ignored = write(fd, &f, sizeof(f));
    (void)ignored;
    _exit(127);
}

static int move_fd(int from, int to)
{
    if (from == to)
        return fcntl(to, F_SETFD, 0);
    return dup2(from, to) < 0 ? -1 : 0;
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void child_exec(const char *file, char *const argv[], int in_fd,
                       int out_fd, int log_fd, int err_fd, pid_t parent,
                       const sigset_t *mask)
{
    if (setpgid(0, 0) != 0)
        child_fail(err_fd, 1);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        child_fail(err_fd, 2);
    if (getppid() != parent)
        _exit(127); /* hilbench died already: nobody wants us */
    if (move_fd(in_fd, 0) != 0 || move_fd(out_fd, 1) != 0 ||
        move_fd(log_fd, 2) != 0)
        child_fail(err_fd, 3);
    /* Nothing else of hilbench's leaks into the program. err_fd is
     * close-on-exec already and must stay open until exec. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > 65536)
            max = 65536;
        for (int fd = 3; fd < max; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    /* Dispositions hilbench set (ignored SIGPIPE, handlers) are not the
     * program's business. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    execv(file, argv);
    child_fail(err_fd, 0);
}

/* The file execv should run for name: name itself if it has a '/', else
 * the first executable regular file called name in PATH. NULL if none. */
static char *find_program(const char *name)
{
    if (strchr(name, '/'))
        return strdup(name);
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *dir = path;; dir++) {
        const char *end = strchr(dir, ':');
        size_t len = end ? (size_t)(end - dir) : strlen(dir);
        char *file = NULL;
        struct stat st;
        /* An empty entry means the current folder, as for the shell. */
        if (asprintf(&file, "%.*s%s%s", (int)len, dir, len ? "/" : "./", name) < 0)
            return NULL;
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0)
            return file;
        free(file);
        if (!end)
            return NULL;
        dir = end;
    }
}

/* "argv[0] argv[1] ..." for messages, shortened if long. */
static char *describe(char *const argv[])
{
    char buf[256];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; argv[i] && used < sizeof(buf); i++) {
        int n = snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
                         argv[i]);
        used = n < 0 ? sizeof(buf) : used + (size_t)n;
    }
    if (used >= sizeof(buf))
        memcpy(buf + sizeof(buf) - 4, "...", 4);
    return strdup(buf);
}

/* Kills what is left of the group, frees the slot, reaps the leader. */
static void finish(board_proc *p)
{
    int status = 0;
    kill(-p->pid, SIGKILL);
    atomic_store(&live[p->slot], 0);
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    p->status = status;
    p->reaped = 1;
}

/* 1 once the leader has exited (it stays a zombie until finish()). */
static int has_exited(const board_proc *p)
{
    siginfo_t si;
    for (;;) {
        memset(&si, 0, sizeof(si));
        if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0)
            return si.si_pid != 0;
        if (errno != EINTR)
            return 1; /* ECHILD: nothing left to wait for */
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to timeout_ms for the leader to exit; 1 if it did. Polls: this
 * is waiting on a child, with short naps that grow to 20 ms. */
static int wait_exit(const board_proc *p, int timeout_ms)
{
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    long nap_us = 500;
    for (;;) {
        if (has_exited(p))
            return 1;
        long long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        if (nap_us > left * 1000)
            nap_us = (long)(left * 1000);
        struct timespec ts = {0, nap_us * 1000};
        nanosleep(&ts, NULL);
        if (nap_us < 20000)
            nap_us *= 2;
    }
}

/* Starts argv; with io (not NULL) its stdin and stdout are pipes whose
 * other ends come back in io[0] (to the child) and io[1] (from it). */
static hb_status start_proc(char *const argv[], const char *log_path, board_proc **out,
                            int *io)
{
    hb_status st = HB_OK;
    board_proc *p = NULL;
    char *file = NULL;
    int null_fd = -1, log_fd = -1, pipe_fd[2] = {-1, -1}, slot = -1;
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    sigset_t all, old;

    if (!out)
        return hb_fail(HB_ERR_ARG, "board_proc_start: out is NULL");
    *out = NULL;
    if (!argv || !argv[0] || !argv[0][0])
        return hb_fail(HB_ERR_ARG, "board_proc_start: empty command");

    p = calloc(1, sizeof(*p));
    if (!p || !(p->what = describe(argv))) {
        st = hb_fail(HB_ERR_MEM, "starting '%s': out of memory", argv[0]);
        goto cleanup;
    }
    file = find_program(argv[0]);
    if (!file) {
        st = hb_fail(HB_ERR_NOT_FOUND, "no such program '%s'", argv[0]);
        goto cleanup;
    }
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        st = hb_fail(HB_ERR_FAIL, "open(/dev/null): %s", strerror(errno));
        goto cleanup;
    }
    log_fd = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)
                      : fcntl(null_fd, F_DUPFD_CLOEXEC, 0);
    if (log_fd < 0) {
        st = hb_fail(HB_ERR_FAIL, "log file %s: %s",
                     log_path ? log_path : "/dev/null", strerror(errno));
        goto cleanup;
    }
    if (pipe2(pipe_fd, O_CLOEXEC) != 0 ||
        (io && (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0))) {
        st = hb_fail(HB_ERR_FAIL, "pipe2: %s", strerror(errno));
        goto cleanup;
    }
    /* Only hilbench's ends wait without blocking; the program's ends stay
     * as a program expects its stdin and stdout to be. */
    if (io && (fcntl(in_pipe[1], F_SETFL, O_NONBLOCK) != 0 ||
               fcntl(out_pipe[0], F_SETFL, O_NONBLOCK) != 0)) {
        st = hb_fail(HB_ERR_FAIL, "fcntl(O_NONBLOCK): %s", strerror(errno));
        goto cleanup;
    }
    registry_init();
    slot = claim_slot();
    if (slot < 0) {
        st = hb_fail(HB_ERR_FAIL, "starting '%s': already %d processes running",
                     argv[0], BOARD_PROC_MAX);
        goto cleanup;
    }

    pid_t parent = getpid();
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pid_t pid = fork();
    if (pid == 0)
        child_exec(file, argv, io ? in_pipe[0] : null_fd, io ? out_pipe[1] : log_fd, log_fd,
                   pipe_fd[1], parent, &old);
    int fork_errno = errno;
    if (pid > 0) {
        /* Also here, so the group exists whichever side runs first. */
        setpgid(pid, pid);
        atomic_store(&live[slot], (int)pid);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        st = hb_fail(HB_ERR_FAIL, "fork for '%s': %s", argv[0],
                     strerror(fork_errno));
        goto cleanup;
    }
    p->pid = pid;
    p->slot = slot;
    slot = -1;

    close(pipe_fd[1]);
    pipe_fd[1] = -1;
    child_failure f;
    ssize_t n;
    while ((n = read(pipe_fd[0], &f, sizeof(f))) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof(f)) {
        finish(p);
        if (f.stage == 0 && f.err == ENOENT)
            st = hb_fail(HB_ERR_NOT_FOUND, "no such program '%s'", argv[0]);
        else
            st = hb_fail(HB_ERR_FAIL, "cannot run '%s': %s: %s", argv[0],
                         stage_names[f.stage & 3], strerror(f.err));
        goto cleanup;
    }
    *out = p;
    p = NULL;
    if (io) {
        io[0] = in_pipe[1];
        io[1] = out_pipe[0];
        in_pipe[1] = out_pipe[0] = -1;
    }

cleanup:
    for (int k = 0; k < 2; k++) {
        if (in_pipe[k] >= 0)
            close(in_pipe[k]);
        if (out_pipe[k] >= 0)
            close(out_pipe[k]);
    }
    free(file);
    if (slot >= 0)
        atomic_store(&live[slot], 0);
    if (p) {
        free(p->what);
        free(p);
    }
    if (null_fd >= 0)
        close(null_fd);
    if (log_fd >= 0)
        close(log_fd);
    if (pipe_fd[0] >= 0)
        close(pipe_fd[0]);
    if (pipe_fd[1] >= 0)
        close(pipe_fd[1]);
    return st;
}

hb_status board_proc_start(char *const argv[], const char *log_path,
                           board_proc **out)
{
    return start_proc(argv, log_path, out, NULL);
}

hb_status board_proc_start_stdio(char *const argv[], const char *log_path,
                                 board_proc **out, int *to_child, int *from_child)
{
    int io[2] = {-1, -1};
    hb_status st;
    if (!to_child || !from_child)
        return hb_fail(HB_ERR_ARG, "board_proc_start_stdio: NULL argument");
    *to_child = *from_child = -1;
    st = start_proc(argv, log_path, out, io);
    if (st == HB_OK) {
        *to_child = io[0];
        *from_child = io[1];
    }
    return st;
}

pid_t board_proc_pid(const board_proc *p)
{
    return p ? p->pid : -1;
}

int board_proc_alive(board_proc *p, int *status)
{
    if (!p)
        return 0;
    if (!p->reaped) {
        if (!has_exited(p))
            return 1;
        finish(p);
    }
    if (status)
        *status = p->status;
    return 0;
}

void board_proc_stop(board_proc *p, int grace_ms)
{
    if (!p)
        return;
    if (!p->reaped) {
        kill(-p->pid, SIGTERM);
        wait_exit(p, grace_ms);
        finish(p);
    }
    free(p->what);
    free(p);
}

void board_proc_log_tail(const char *path, long from, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[512];
    out[0] = '\0';
    if (!f)
        return;
    if (from > 0 && fseek(f, from, SEEK_SET) != 0) {
        fclose(f);
        return;
    }
    int fatal = 0;
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        /* A fatal line explains a crash better than the register dump
         * that follows it (QEMU's "qemu: fatal: Lockup ..."). */
        if (strstr(line, "fatal:"))
            fatal = 1;
        else if (fatal)
            continue;
        if (n)
            snprintf(out, cap, "%s", line);
    }
    fclose(f);
}

int board_proc_wait(board_proc *p, int timeout_ms)
{
    if (p && !p->reaped)
        wait_exit(p, timeout_ms);
    return !board_proc_alive(p, NULL);
}

hb_status board_proc_run(char *const argv[], int timeout_ms,
                         const char *log_path)
{
    board_proc *p = NULL;
    int status = 0, done;
    char see[300] = "";
    struct stat sb;
    long from = log_path && stat(log_path, &sb) == 0 ? (long)sb.st_size : 0;

    if (timeout_ms <= 0)
        return hb_fail(HB_ERR_ARG, "board_proc_run: timeout_ms %d is not positive",
                       timeout_ms);
    hb_status st = board_proc_start(argv, log_path, &p);
    if (st != HB_OK)
        return st;
    done = wait_exit(p, timeout_ms);
    /* the log is the session's and goes with it: the last line this
     * command wrote, usually the tool's own complaint, goes into the
     * message instead */
    if (log_path) {
        board_proc_log_tail(log_path, from, see + 2, sizeof(see) - 2);
        if (see[2])
            memcpy(see, ": ", 2);
    }
    if (!done) {
        st = hb_fail(HB_ERR_TIMEOUT, "'%s' did not finish within %d ms and was "
                     "killed%s", p->what, timeout_ms, see);
        board_proc_stop(p, RUN_GRACE_MS);
        return st;
    }
    board_proc_alive(p, &status);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        st = hb_fail(HB_ERR_BOARD, "'%s' exited with status %d%s", p->what,
                     WEXITSTATUS(status), see);
    else if (WIFSIGNALED(status))
        st = hb_fail(HB_ERR_BOARD, "'%s' was killed by signal %d (%s)%s",
                     p->what, WTERMSIG(status), strsignal(WTERMSIG(status)), see);
    board_proc_stop(p, 0);
    return st;
}
