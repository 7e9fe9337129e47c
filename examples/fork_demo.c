/* fork_demo: one program, two processes. The parent creates an anonymous shared ring, forks a
   consumer child, produces random items 0..3000 and closes; the child drains and reports. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include "common.h"
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    ex_args a = ex_parse(argc, argv, "Parent produces N items, a forked child consumes them, through an anonymous ring.");
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r;
    void *mem;
    size_t size;
    long i, sum = 0;
    int rc, status;
    pid_t child;
    o.capacity = (uint32_t)a.capacity;
    o.slot_size = sizeof(int32_t);
    if ((rc = shmpc_create_anon(&o, &mem, &size)) != SHMPC_OK) ex_die(argv[0], "create_anon (capacity must be a power of two)", rc);
    child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) { /* consumer */
        long n = 0, csum = 0;
        int32_t item;
        size_t len;
        if ((rc = shmpc_attach(&r, mem, size, SHMPC_CONSUMER)) != SHMPC_OK) ex_die("child", "attach", rc);
        while ((rc = shmpc_pop(&r, &item, sizeof item, &len)) == SHMPC_OK) {
            if (!a.quiet) printf("child consumed %d\n", (int)item);
            n++;
            csum += item;
        }
        if (rc != SHMPC_ECLOSED) ex_die("child", "pop", rc);
        printf("child: consumed %ld items, sum %ld\n", n, csum);
        shmpc_close(&r);
        fflush(stdout);
        _exit(n == a.items ? 0 : 1);
    }
    if ((rc = shmpc_attach(&r, mem, size, SHMPC_PRODUCER)) != SHMPC_OK) ex_die(argv[0], "attach", rc);
    srand((unsigned)time(NULL));
    for (i = 0; i < a.items; i++) {
        int32_t item = rand() % 3001;
        if ((rc = shmpc_push(&r, &item, sizeof item)) != SHMPC_OK) ex_die(argv[0], "push", rc);
        sum += item;
    }
    printf("parent: produced %ld items, sum %ld\n", a.items, sum);
    fflush(stdout);
    shmpc_close(&r);
    if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: the consumer failed\n", argv[0]);
        return 1;
    }
    shmpc_free_anon(mem, size);
    return 0;
}
