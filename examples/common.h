/* Shared by the examples: command-line parsing and a fatal-error helper. Public API only. */
#ifndef SHMPC_EXAMPLES_COMMON_H
#define SHMPC_EXAMPLES_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ex_args {
    const char *name;  /* --name: segment name */
    long capacity;     /* --capacity: slots in the ring (buffer size) */
    long items;        /* --items: how many items to produce / expect */
    double wait;       /* --wait: seconds to wait for the ring to appear */
    int quiet;         /* --quiet: no line per item */
    int mpmc;          /* --mpmc */
} ex_args;

static void ex_usage(const char *prog, const char *what) {
    fprintf(stderr, "usage: %s [--name NAME] [--capacity SLOTS] [--items N] [--wait SECONDS] [--mpmc] [--quiet]\n%s\n", prog, what);
    exit(2);
}

static long ex_number(const char *prog, const char *opt, const char *s, const char *what) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < 0) {
        fprintf(stderr, "%s: %s wants a number >= 0, got '%s'\n", prog, opt, s);
        ex_usage(prog, what);
    }
    return v;
}

static ex_args ex_parse(int argc, char **argv, const char *what) {
    ex_args a = {"shmpc-demo", 16, 100, 0.0, 0, 0};
    int i;
    for (i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--quiet")) a.quiet = 1;
        else if (!strcmp(o, "--mpmc")) a.mpmc = 1;
        else if (i + 1 >= argc) ex_usage(argv[0], what);
        else if (!strcmp(o, "--name")) a.name = argv[++i];
        else if (!strcmp(o, "--capacity")) a.capacity = ex_number(argv[0], o, argv[++i], what);
        else if (!strcmp(o, "--items")) a.items = ex_number(argv[0], o, argv[++i], what);
        else if (!strcmp(o, "--wait")) a.wait = (double)ex_number(argv[0], o, argv[++i], what);
        else ex_usage(argv[0], what);
    }
    return a;
}

/* The exit status of a consumer: 1 if --items was given (expect) and it got another count. */
static inline int ex_expect(const char *prog, int expect, long got, long items) {
    if (!expect || got == items) return 0;
    fprintf(stderr, "%s: got %ld items, expected %ld\n", prog, got, items);
    return 1;
}

static void ex_die(const char *prog, const char *what, int rc) {
    fprintf(stderr, "%s: %s: %s (%d)\n", prog, what, shmpc_strerror(rc), rc);
    exit(1);
}
#endif
