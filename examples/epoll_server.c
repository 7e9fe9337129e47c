/* epoll_server: one thread, one epoll loop, serving a TCP socket and consuming a ring.

     ./build/producer --name demo --capacity 64 --items 100000 --quiet &
     ./build/epoll_server --name demo --wait 10 --items 100000

   The ring's descriptor (shmpc_fd) sits in the epoll set beside a listening TCP socket on
   127.0.0.1 (any free port): when it is readable the loop drains the ring with shmpc_try_pop until
   SHMPC_EEMPTY and re-arms it with shmpc_arm; when a client connects it is answered with a line
   "items N sum S" of what was consumed so far. A child process plays the client (a query every
   2 ms) to show both being served by the one thread. At the end of the stream (the producer
   closed, everything drained) it prints "epoll_server: N items, sum S, K queries answered while
   consuming" and removes the ring. With --items N it checks it got N items. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The client: queries until the server stops listening; writes how many answers it got. */
static void probe(unsigned short port, int out) {
    struct sockaddr_in a;
    long answered = 0;
    char line[128];
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (;;) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        ssize_t n;
        if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) break; /* the server is done */
        n = read(s, line, sizeof line - 1);
        close(s);
        if (n > 0 && !strncmp(line, "items ", 6)) answered++;
        usleep(2000);
    }
    if (write(out, &answered, sizeof answered) != (ssize_t)sizeof answered) _exit(1);
    _exit(0);
}

int main(int argc, char **argv) {
    ex_args a = ex_parse(argc, argv, "Consumes ring NAME and serves TCP status queries from one epoll loop.");
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    struct epoll_event ev;
    shmpc_ring r;
    long n = 0, sum = 0, answered = -1;
    int expect = 0, ep, lsn, rfd, rc, i, pfd[2], done = 0;
    pid_t child;
    for (i = 1; i < argc; i++) expect |= !strcmp(argv[i], "--items");
    rc = shmpc_open(&r, a.name, SHMPC_CONSUMER, (int64_t)(a.wait * 1e9));
    if (rc != SHMPC_OK) ex_die(argv[0], "open", rc);
    rfd = shmpc_fd(&r); /* armed: readable once a message (or the end) comes */
    if (rfd < 0) ex_die(argv[0], "shmpc_fd", rfd);
    lsn = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lsn < 0 || bind(lsn, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lsn, 16) != 0 ||
        getsockname(lsn, (struct sockaddr *)&addr, &alen) != 0) { perror("epoll_server: socket"); return 1; }
    if (pipe(pfd) != 0) { perror("epoll_server: pipe"); return 1; }
    child = fork();
    if (child == 0) { close(pfd[0]); close(lsn); probe(ntohs(addr.sin_port), pfd[1]); }
    close(pfd[1]);
    ep = epoll_create1(EPOLL_CLOEXEC);
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.fd = rfd;
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev) != 0) { perror("epoll_server: epoll"); return 1; }
    ev.data.fd = lsn;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lsn, &ev) != 0) { perror("epoll_server: epoll"); return 1; }
    while (!done) {
        struct epoll_event got[4];
        int k = epoll_wait(ep, got, 4, -1), j;
        for (j = 0; j < k; j++) {
            if (got[j].data.fd == lsn) { /* a client: one status line */
                char line[96];
                int c = accept(lsn, NULL, NULL), len = snprintf(line, sizeof line, "items %ld sum %ld\n", n, sum);
                if (c >= 0) { if (write(c, line, (size_t)len) < 0) perror("epoll_server: write"); close(c); }
                continue;
            }
            for (;;) { /* the ring: drain until empty, then arm again */
                int32_t item;
                size_t len;
                rc = shmpc_try_pop(&r, &item, sizeof item, &len);
                if (rc != SHMPC_OK) break;
                if (len != sizeof item || item < 0 || item > 3000) { fprintf(stderr, "%s: bad item\n", argv[0]); return 1; }
                n++;
                sum += item;
            }
            if (rc == SHMPC_ECLOSED) { done = 1; break; }
            if (rc != SHMPC_EEMPTY) ex_die(argv[0], "try_pop", rc);
            rc = shmpc_arm(&r);
            if (rc != SHMPC_OK) ex_die(argv[0], "arm", rc); /* SHMPC_EPEERDEAD: the producer died */
        }
    }
    close(lsn); /* the client's next connect fails: it reports and exits */
    if (read(pfd[0], &answered, sizeof answered) != (ssize_t)sizeof answered) answered = -1;
    waitpid(child, NULL, 0);
    printf("epoll_server: %ld items, sum %ld, %ld queries answered while consuming\n", n, sum, answered);
    shmpc_close(&r);
    shmpc_unlink(a.name);
    return ex_expect(argv[0], expect, n, a.items);
}
