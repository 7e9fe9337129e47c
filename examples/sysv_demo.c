/* sysv_demo: a ring in a System V shared-memory segment, placed by a key as an ipcs user expects.

   The key comes from ftok(PATH, PROJ) (default ftok("/tmp", 'S')) or from --key. The parent creates
   the segment under that key (mode 0600, as shmget(key, size, IPC_CREAT|IPC_EXCL|0600) would) and
   produces; a child process finds it by the key alone (shmpc_open_sysv) and consumes. While they
   run, `ipcs -m` lists the segment under the key with 2 attachments. The segment is removed at the
   end (IPC_RMID), unless --keep leaves it for `ipcs -m`, `shmpcctl info key:0xKEY`, `ipcrm -M`.

     sysv_demo [--path PATH] [--proj CHAR] [--key 0xKEY] [--items N] [--keep]
*/
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(const char *p) {
    fprintf(stderr, "usage: %s [--path PATH] [--proj CHAR] [--key 0xKEY] [--items N] [--keep]\n", p);
    exit(2);
}

int main(int argc, char **argv) {
    const char *path = "/tmp";
    int proj = 'S', keep = 0, rc, st;
    long key = -1, items = 100000, i, sum = 0;
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring obs, r;
    pid_t pid;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--keep")) keep = 1;
        else if (i + 1 >= argc) usage(argv[0]);
        else if (!strcmp(argv[i], "--path")) path = argv[++i];
        else if (!strcmp(argv[i], "--proj")) proj = (unsigned char)argv[++i][0];
        else if (!strcmp(argv[i], "--key")) key = strtol(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--items")) items = atol(argv[++i]);
        else usage(argv[0]);
    }
    if (items < 0 || key == 0) usage(argv[0]);
    if (key == -1) {
        key_t k = ftok(path, proj);
        if (k == (key_t)-1) { perror("sysv_demo: ftok"); return 1; }
        key = (long)k;
        printf("sysv_demo: key 0x%08lx = ftok(\"%s\", '%c')\n", (unsigned long)(uint32_t)key, path, proj);
    }
    o.capacity = 256;
    o.slot_size = sizeof(int64_t);
    /* The creator's own handle is an observer: the roles are taken by each process after the fork. */
    rc = shmpc_create_sysv(&obs, key, &o, SHMPC_OBSERVER);
    if (rc == SHMPC_EEXIST) {
        fprintf(stderr, "sysv_demo: key 0x%08lx is in use (see ipcs -m; remove with shmpcctl rm key:0x%08lx or ipcrm -M 0x%08lx)\n",
                (unsigned long)(uint32_t)key, (unsigned long)(uint32_t)key, (unsigned long)(uint32_t)key);
        return 1;
    }
    if (rc != SHMPC_OK) { fprintf(stderr, "sysv_demo: create: %s (%d)\n", shmpc_strerror(rc), rc); return 1; }
    printf("sysv_demo: ring of %u x %u bytes in SysV segment key 0x%08lx, mode 0600 (ipcs -m shows it)\n",
           (unsigned)o.capacity, (unsigned)o.slot_size, (unsigned long)(uint32_t)key);
    fflush(stdout);
    pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) { /* consumer: finds the ring by the key alone */
        shmpc_ring c;
        int64_t v;
        size_t n;
        long got = 0, csum = 0;
        shmpc_close(&obs);
        rc = shmpc_open_sysv(&c, key, SHMPC_CONSUMER, SHMPC_SEC(5));
        if (rc != SHMPC_OK) { fprintf(stderr, "sysv_demo: child: open: %s\n", shmpc_strerror(rc)); _exit(1); }
        while ((rc = shmpc_pop(&c, &v, sizeof v, &n)) == SHMPC_OK) { csum += (long)v; got++; }
        shmpc_close(&c);
        printf("sysv_demo: child consumed %ld items, sum %ld\n", got, csum);
        fflush(stdout);
        _exit(rc == SHMPC_ECLOSED && got == items ? 0 : 1);
    }
    rc = shmpc_open_sysv(&r, key, SHMPC_PRODUCER, 0);
    if (rc != SHMPC_OK) { fprintf(stderr, "sysv_demo: open: %s\n", shmpc_strerror(rc)); return 1; }
    for (i = 0; i < items && rc == SHMPC_OK; i++) {
        int64_t v = i;
        rc = shmpc_push(&r, &v, sizeof v);
        sum += (long)i;
    }
    shmpc_close(&r);
    waitpid(pid, &st, 0);
    printf("sysv_demo: parent produced %ld items, sum %ld\n", items, sum);
    shmpc_close(&obs);
    if (keep)
        printf("sysv_demo: segment kept: ipcs -m | grep 0x%08lx; shmpcctl info key:0x%08lx; remove with shmpcctl rm key:0x%08lx\n",
               (unsigned long)(uint32_t)key, (unsigned long)(uint32_t)key, (unsigned long)(uint32_t)key);
    else if ((rc = shmpc_unlink_sysv(key)) != SHMPC_OK)
        fprintf(stderr, "sysv_demo: remove: %s\n", shmpc_strerror(rc));
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 && rc == SHMPC_OK ? 0 : 1;
}
