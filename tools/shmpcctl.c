/* shmpcctl: list, inspect, watch and remove shmpc segments -- the ipcs/ipcrm of shmpc.

     shmpcctl list                      every shmpc segment on the machine (POSIX /dev/shm and SysV)
     shmpcctl info NAME                 the whole header decoded, counters, peers
     shmpcctl watch NAME [-i SEC] [-n N] fill level and rates, refreshed until Ctrl-C (or N times)
     shmpcctl rm [--force] NAME...      remove rings; a ring with live peers only with --force
     shmpcctl rm --stale [--dry-run]    remove every ring whose registered peers are all dead, and every
                                        segment shmpc marked whose creator died initializing it
     shmpcctl recover NAME              hand on the MPMC slots that dead peers left claimed
                                        (shmpc_recover), print what was done and the counters

   NAME is a POSIX name ("jobs" or "/jobs") or a SysV key written "key:0x1234" (or "key:4660").
   The tool opens rings like any user (shmpc_open / shmpc_open_sysv with SHMPC_OBSERVER, which takes
   no role and changes nothing), reads shmpc_stat and shmpc_peers, and removes with shmpc_unlink.
   Fields that shmpc_status does not carry (ABI tag, stride, start index, creator, futex words) and
   the fields of a segment it refuses (another layout version, another ABI, a corrupt header) are
   decoded from the header bytes as the layout table in shmpc.h documents them.
   /dev/shm is writable by every user: files are opened with O_NONBLOCK | O_NOFOLLOW (a FIFO never
   blocks a command), what is not a regular file or lacks shmpc's magic is never listed or removed.
   Exit status: 0 done, 1 failure (message on stderr), 2 usage. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef SHMPCCTL_SHM_DIR
#define SHMPCCTL_SHM_DIR "/dev/shm"
#endif
#define PROG "shmpcctl"

/* ---- a segment: POSIX name or SysV key ------------------------------------------------------ */
typedef struct target {
    int sysv;          /* 0: POSIX name, 1: SysV key */
    long key;
    char name[208];    /* POSIX: without the leading '/'; SysV: "key:0x..." */
} target;

/* The raw header: the documented fields, decoded in the creator's byte order. */
typedef struct raw_hdr {
    int have;          /* bytes read */
    int swapped;       /* 1: written by a machine of the other byte order (shmpc refuses it: SHMPC_EABI) */
    unsigned char magic[8];
    uint32_t version, abi, header_size, capacity, slot_size, slot_stride, mode, flags;
    uint64_t total_size;
    uint32_t start_index, creator_pid;
    uint64_t creator_start;
    uint32_t state, producers, consumers, ends, data_waiters, data_ev, space_waiters, space_ev, tail, head;
    uint32_t takeovers, skipped, freed, redelivered, reclaimed; /* recovery counters */
    uint64_t file_size;
    unsigned file_mode, uid;
    const char *irregular; /* not a regular file: what it is ("a FIFO", ...), else NULL */
} raw_hdr;

static int parse_target(const char *s, target *t) {
    memset(t, 0, sizeof *t);
    if (!strncmp(s, "key:", 4)) {
        char *end;
        errno = 0;
        t->key = strtol(s + 4, &end, 0);
        if (s[4] == 0 || *end != 0 || errno != 0 || t->key == 0 || t->key != (long)(key_t)t->key) return -1;
        t->sysv = 1;
        snprintf(t->name, sizeof t->name, "key:0x%08lx", (unsigned long)(uint32_t)t->key);
        return 0;
    }
    if (s[0] == '/') s++;
    if (strlen(s) == 0 || strlen(s) > 200 || strchr(s, '/')) return -1;
    snprintf(t->name, sizeof t->name, "%s", s);
    return 0;
}

/* Header words in the creator's byte order: this machine's, or the other one when `swap`. */
static int g_swap;
static uint32_t rd32(const unsigned char *b, size_t off) {
    uint32_t v;
    memcpy(&v, b + off, 4);
    return g_swap ? (v >> 24) | (v >> 8 & 0xFF00u) | (v << 8 & 0xFF0000u) | v << 24 : v;
}
static uint64_t rd64(const unsigned char *b, size_t off) {
    /* the 8-byte fields are stored as the creator stores a uint64_t: its low word first on a
       little-endian machine, its high word first on a big-endian one */
    uint64_t lo = rd32(b, off), hi = rd32(b, off + 4);
    unsigned char one = 1;
    int creator_little = *(unsigned char *)&one == 1 ? !g_swap : g_swap;
    return creator_little ? hi << 32 | lo : lo << 32 | hi;
}

static void decode(const unsigned char *b, size_t n, raw_hdr *h) {
    size_t i;
    h->have = (int)n;
    for (i = 0; i < 8; i++) h->magic[i] = i < n ? b[i] : 0;
    if (n < 0x190) return;
    /* Layout versions are small numbers: a version word with only its high bytes set was written
       in the other byte order (version 5 reads 0x05000000). */
    g_swap = 0;
    h->swapped = g_swap = (rd32(b, 0x08) & 0xFFFFu) == 0u && rd32(b, 0x08) != 0u;
    h->version = rd32(b, 0x08); h->abi = rd32(b, 0x0C); h->header_size = rd32(b, 0x10);
    h->capacity = rd32(b, 0x14); h->slot_size = rd32(b, 0x18); h->slot_stride = rd32(b, 0x1C);
    h->mode = rd32(b, 0x20); h->flags = rd32(b, 0x24); h->total_size = rd64(b, 0x28);
    h->start_index = rd32(b, 0x30); h->creator_pid = rd32(b, 0x34); h->creator_start = rd64(b, 0x38);
    h->state = rd32(b, 0x40); h->producers = rd32(b, 0x80); h->consumers = rd32(b, 0x84);
    h->ends = rd32(b, 0x88); h->data_waiters = rd32(b, 0xC0); h->data_ev = rd32(b, 0xC4);
    h->space_waiters = rd32(b, 0xC8); h->space_ev = rd32(b, 0xCC);
    h->tail = rd32(b, 0x100); h->head = rd32(b, 0x180);
    h->takeovers = rd32(b, 0x44); h->skipped = rd32(b, 0x48); h->freed = rd32(b, 0x4C);
    h->redelivered = rd32(b, 0x50); h->reclaimed = rd32(b, 0x54);
    g_swap = 0;
}

static void print_recovery(const raw_hdr *h) {
    printf("  recovery      takeovers %u, skipped %u, freed %u, redelivered %u, reclaimed %u\n",
           (unsigned)h->takeovers, (unsigned)h->skipped, (unsigned)h->freed, (unsigned)h->redelivered,
           (unsigned)h->reclaimed);
}

static const char *file_kind(mode_t m) {
    return S_ISFIFO(m) ? "a FIFO" : S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* Reads the header bytes (a diagnostic snapshot: fields may move while we read). 0 or -errno.
   Never blocks: /dev/shm is writable by every user, and a FIFO there would hold a plain open
   forever; what is not a regular file is reported (h->irregular) and never read. */
static int read_raw(const target *t, raw_hdr *h) {
    unsigned char b[0x200];
    memset(h, 0, sizeof *h);
    if (!t->sysv) {
        char path[256];
        struct stat st;
        ssize_t n;
        int fd;
        snprintf(path, sizeof path, "%s/%s", SHMPCCTL_SHM_DIR, t->name);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0) return -errno;
        if (fstat(fd, &st) != 0) { int e = errno; close(fd); return -e; }
        h->file_size = (uint64_t)st.st_size; h->file_mode = (unsigned)st.st_mode & 07777u; h->uid = st.st_uid;
        if (!S_ISREG(st.st_mode)) { h->irregular = file_kind(st.st_mode); close(fd); return 0; }
        n = pread(fd, b, sizeof b, 0);
        close(fd);
        if (n < 0) return -errno;
        decode(b, (size_t)n, h);
        h->file_size = (uint64_t)st.st_size;
        return 0;
    } else {
        struct shmid_ds ds;
        void *m;
        size_t n;
        int id = shmget((key_t)t->key, 0, 0);
        if (id < 0 || shmctl(id, IPC_STAT, &ds) != 0) return -errno;
        m = shmat(id, NULL, SHM_RDONLY);
        if (m == (void *)-1) return -errno;
        n = ds.shm_segsz < sizeof b ? ds.shm_segsz : sizeof b;
        memcpy(b, m, n);
        shmdt(m);
        decode(b, n, h);
        h->file_size = ds.shm_segsz; h->file_mode = ds.shm_perm.mode & 0777u; h->uid = ds.shm_perm.uid;
        return 0;
    }
}

static int has_magic(const raw_hdr *h) {
    return h->have >= 8 && !memcmp(h->magic, "SHMPCv", 6);
}

static int open_target(const target *t, shmpc_ring *r) {
    return t->sysv ? shmpc_open_sysv(r, t->key, SHMPC_OBSERVER, 0) : shmpc_open(r, t->name, SHMPC_OBSERVER, 0);
}

static int unlink_target(const target *t) {
    return t->sysv ? shmpc_unlink_sysv(t->key) : shmpc_unlink(t->name);
}

/* ---- words ------------------------------------------------------------------------------------ */
static const char *mode_name(uint32_t m) { return m == SHMPC_SPSC ? "SPSC" : m == SHMPC_MPMC ? "MPMC" : "?"; }
static const char *role_name(uint32_t r) {
    return r == SHMPC_PRODUCER ? "producer" : r == SHMPC_CONSUMER ? "consumer" : r == 0 ? "(joining)" : "?";
}
/* The state word and the ends bits as shmpc_close leaves them; any other pair (ends bits that do
   not exist, closed without both ends) is "corrupt", never "ready". */
static const char *state_name(uint32_t state, uint32_t ends) {
    if (state == 0) return "initializing";
    if ((state != 1 && state != 2) || (ends & ~3u) != 0u) return "corrupt";
    if (ends == 3u) return "closed"; /* state 1: the last close between its two stores */
    if (state == 2) return "corrupt";
    if (ends == 1u) return "prod-closed";
    if (ends == 2u) return "cons-closed";
    return "ready";
}
static void flag_names(uint32_t f, char *out, size_t n) {
    out[0] = 0;
    if (!f) { snprintf(out, n, "none"); return; }
    if (f & SHMPC_F_HUGEPAGES) strncat(out, "hugepages ", n - strlen(out) - 1);
    if (f & SHMPC_F_MLOCK) strncat(out, "mlock ", n - strlen(out) - 1);
    if (f & SHMPC_F_PRETOUCH) strncat(out, "pretouch ", n - strlen(out) - 1);
    if (f & SHMPC_F_SEQUENTIAL) strncat(out, "sequential ", n - strlen(out) - 1);
    if (f & ~SHMPC_F_ALL) strncat(out, "unknown-bits ", n - strlen(out) - 1);
    if (strlen(out)) out[strlen(out) - 1] = 0;
}
static void human(uint64_t b, char *out, size_t n) {
    if (b >= (1u << 30)) snprintf(out, n, "%.1f GiB", (double)b / (1u << 30));
    else if (b >= (1u << 20)) snprintf(out, n, "%.1f MiB", (double)b / (1u << 20));
    else if (b >= 1024u) snprintf(out, n, "%.1f KiB", (double)b / 1024);
    else snprintf(out, n, "%llu B", (unsigned long long)b);
}

/* Why a segment cannot be opened, with what the raw header says. */
static void explain(const target *t, int rc, const raw_hdr *h, char *out, size_t n) {
    if (rc == SHMPC_EVERSION && h->have >= 12)
        snprintf(out, n, "layout version %u (this shmpcctl reads version %d): %s",
                 (unsigned)h->version, SHMPC_LAYOUT_VERSION, shmpc_strerror(rc));
    else if (rc == SHMPC_EABI && h->swapped)
        snprintf(out, n, "written by a %s-endian machine, this one is %s-endian (ABI tag 0x%08x in the creator's "
                 "byte order): %s", ((SHMPC__ABI >> 8) & 0xFFu) == 2u ? "little" : "big",
                 ((SHMPC__ABI >> 8) & 0xFFu) == 2u ? "big" : "little", (unsigned)h->abi, shmpc_strerror(rc));
    else if (rc == SHMPC_EABI && h->have >= 0x14)
        snprintf(out, n, "ABI tag 0x%08x, header size %u (this build: index bits %d, header %d): %s",
                 (unsigned)h->abi, (unsigned)h->header_size, SHMPC_INDEX_BITS, SHMPC_HEADER_SIZE, shmpc_strerror(rc));
    else if (rc == SHMPC_ENOENT)
        snprintf(out, n, "no shmpc segment named '%s'%s", t->name, t->sysv ? "" : " (nothing in " SHMPCCTL_SHM_DIR ")");
    else
        snprintf(out, n, "%s", shmpc_strerror(rc));
}

/* Live and dead peers of an open ring. */
typedef struct peer_count { int live, dead, unknown, prod, cons; } peer_count;
static int count_peers(const shmpc_ring *r, shmpc_peer_status *ps, peer_count *c) {
    int i, n = shmpc_peers(r, ps, SHMPC_MAX_PEERS);
    memset(c, 0, sizeof *c);
    for (i = 0; i < n; i++) {
        if (ps[i].alive > 0) {
            c->live++;
            c->prod += ps[i].role == SHMPC_PRODUCER;
            c->cons += ps[i].role == SHMPC_CONSUMER;
        } else if (ps[i].alive == 0) c->dead++;
        else c->unknown++;
    }
    return n < 0 ? 0 : n;
}

/* Stale, as shmpc.h defines it (SHMPC_ESTALE; shmpc__is_stale itself, on a ready ring): entries
   are taken and none of them is alive: no registered peer lives, and no entry is busy under a live
   worker (an attach or a reclaim at work, which shmpc_peers does not report). A ring without
   entries is a finished stream (both sides closed) or one whose consumer has not come yet (its
   messages are waiting): not stale. (An initializing segment whose creator died is reported by
   shmpc_open as SHMPC_ESTALE and handled by the callers.) */
static int is_stale(const shmpc_ring *r) { return shmpc__is_stale(r->seg, 0); }

/* ---- enumeration -------------------------------------------------------------------------------- */
typedef int (*visit_fn)(const target *t, void *arg);

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every candidate segment: the files of /dev/shm (sorted), then the SysV segments with a key. */
static int each_segment(visit_fn fn, void *arg) {
    DIR *d = opendir(SHMPCCTL_SHM_DIR);
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    FILE *f;
    int rc = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || strlen(e->d_name) > 200) continue;
            if (n == cap) {
                char **nn = (char **)realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
                if (!nn) break;
                names = nn;
            }
            names[n] = strdup(e->d_name);
            if (names[n]) n++;
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp_str);
        for (i = 0; i < n; i++) {
            target t;
            if (parse_target(names[i], &t) == 0 && fn(&t, arg)) rc = 1;
            free(names[i]);
        }
        free(names);
    }
    f = fopen("/proc/sysvipc/shm", "r");
    if (f) {
        char line[512];
        if (fgets(line, sizeof line, f)) /* header line */
            while (fgets(line, sizeof line, f)) {
                long key;
                target t;
                if (sscanf(line, "%ld", &key) != 1 || key == 0) continue;
                memset(&t, 0, sizeof t);
                t.sysv = 1; t.key = key;
                snprintf(t.name, sizeof t.name, "key:0x%08lx", (unsigned long)(uint32_t)key);
                if (fn(&t, arg)) rc = 1;
            }
        fclose(f);
    }
    return rc;
}

/* ---- list -------------------------------------------------------------------------------------- */
static int list_one(const target *t, void *arg) {
    shmpc_ring r;
    shmpc_status st;
    shmpc_peer_status ps[SHMPC_MAX_PEERS];
    peer_count c;
    raw_hdr h;
    char fill[64], why[256];
    int rc;
    int *shown = (int *)arg;
    if (read_raw(t, &h) != 0 && !t->sysv) {
        /* unreadable to us: show it only if it might be ours (cannot tell), so skip */
        return 0;
    }
    if (!has_magic(&h)) return 0; /* not an shmpc segment: not listed */
    rc = open_target(t, &r);
    if (rc != SHMPC_OK) {
        explain(t, rc, &h, why, sizeof why);
        printf("%-24s %-4s %9s %9s %-17s %-12s %s\n", t->name, "-", "-", "-", "-", "unusable", why);
        (*shown)++;
        return 0;
    }
    shmpc_stat(&r, &st);
    count_peers(&r, ps, &c);
    snprintf(fill, sizeof fill, "%u/%u (%.0f%%)", (unsigned)st.fill, (unsigned)st.capacity,
             100.0 * st.fill / st.capacity);
    printf("%-24s %-4s %9u %9u %-17s %-12s %d/%d%s\n", t->name, mode_name(st.mode), (unsigned)st.capacity,
           (unsigned)st.slot_size, fill, is_stale(&r) ? "stale" : state_name(st.state, st.ends), c.live, c.dead,
           c.unknown ? " (some unknown)" : "");
    shmpc_close(&r);
    (*shown)++;
    return 0;
}

static int cmd_list(void) {
    int shown = 0;
    printf("%-24s %-4s %9s %9s %-17s %-12s %s\n", "NAME", "MODE", "CAPACITY", "SLOT", "FILL", "STATE", "LIVE/DEAD");
    each_segment(list_one, &shown);
    if (shown == 0) printf("(no shmpc segments)\n");
    return 0;
}

/* ---- info -------------------------------------------------------------------------------------- */
static void print_raw(const raw_hdr *h) {
    char fl[96];
    flag_names(h->flags, fl, sizeof fl);
    printf("  magic         %.8s\n", (const char *)h->magic);
    printf("  version       %u\n", (unsigned)h->version);
    printf("  abi           0x%08x: %u-bit indices, %s-endian, %u-byte cache line, %u-byte slot header\n",
           (unsigned)h->abi, (unsigned)(h->abi & 0xFFu),
           ((h->abi >> 8) & 0xFFu) == 1u ? "little" : ((h->abi >> 8) & 0xFFu) == 2u ? "big" : "unknown",
           ((h->abi >> 16) & 0xFFu) < 31u ? 1u << ((h->abi >> 16) & 0xFFu) : 0u, (unsigned)(h->abi >> 24));
    printf("  header_size   %u (0x%x)\n", (unsigned)h->header_size, (unsigned)h->header_size);
    printf("  capacity      %u slots\n", (unsigned)h->capacity);
    printf("  slot_size     %u bytes (stride %u)\n", (unsigned)h->slot_size, (unsigned)h->slot_stride);
    printf("  mode          %u %s\n", (unsigned)h->mode, mode_name(h->mode));
    printf("  flags         0x%x %s\n", (unsigned)h->flags, fl);
    printf("  total_size    %llu bytes\n", (unsigned long long)h->total_size);
    printf("  start_index   %u\n", (unsigned)h->start_index);
    if (h->creator_pid) printf("  creator       pid %u, start %llu\n", (unsigned)h->creator_pid, (unsigned long long)h->creator_start);
    else printf("  creator       not recorded (0)\n");
    printf("  state         %u %s\n", (unsigned)h->state, state_name(h->state, h->ends));
}

static int cmd_info(const char *name) {
    target t;
    shmpc_ring r;
    shmpc_status st;
    shmpc_peer_status ps[SHMPC_MAX_PEERS];
    peer_count c;
    raw_hdr h;
    struct passwd *pw;
    char size[32], why[256], fl[96];
    int rc, e, n, i;
    if (parse_target(name, &t) != 0) {
        fprintf(stderr, PROG ": '%s' is not a segment name (1..200 characters, no '/' after the first; or key:0xKEY)\n", name);
        return 1;
    }
    e = read_raw(&t, &h);
    rc = open_target(&t, &r);
    if (rc == SHMPC_ENOENT || (e == -ENOENT && rc != SHMPC_OK)) {
        explain(&t, SHMPC_ENOENT, &h, why, sizeof why);
        fprintf(stderr, PROG ": %s\n", why);
        return 1;
    }
    if (rc == SHMPC_ENOTSHMPC || (rc != SHMPC_OK && e == 0 && !has_magic(&h))) {
        if (e == 0 && h.irregular)
            fprintf(stderr, PROG ": %s: not an shmpc segment (%s, not a regular file)\n", t.name, h.irregular);
        else
            fprintf(stderr, PROG ": %s: not an shmpc segment (%llu bytes, no SHMPCv magic)\n", t.name,
                    (unsigned long long)h.file_size);
        return 1;
    }
    if (rc != SHMPC_OK) {
        explain(&t, rc, &h, why, sizeof why);
        fprintf(stderr, PROG ": %s: %s (%d)\n", t.name, why, rc);
        if (e == 0 && h.have >= 0x190) { /* show what the bytes say, for the curious */
            fprintf(stderr, "header bytes as layout version %d would read them%s:\n", SHMPC_LAYOUT_VERSION,
                    h.swapped ? ", in the creator's byte order" : "");
            fflush(stderr);
            print_raw(&h);
        }
        return 1;
    }
    shmpc_stat(&r, &st);
    n = count_peers(&r, ps, &c);
    human(h.file_size, size, sizeof size);
    pw = getpwuid((uid_t)h.uid);
    printf("%s\n", t.name);
    printf("  segment       %s%s%s, %s, mode %04o, owner %s\n", t.sysv ? "SysV " : SHMPCCTL_SHM_DIR "/",
           t.sysv ? "" : t.name, t.sysv ? t.name + 4 : "", size, h.file_mode, pw ? pw->pw_name : "?");
    if (e == 0) print_raw(&h);
    else printf("  (header bytes unreadable: %s)\n", strerror(-e));
    flag_names(st.flags, fl, sizeof fl);
    printf("  ends          producer side %s, consumer side %s\n", st.ends & 1u ? "closed" : "open",
           st.ends & 2u ? "closed" : "open");
    printf("  producers     %u attached\n", (unsigned)st.producers);
    printf("  consumers     %u attached\n", (unsigned)st.consumers);
    printf("  tail          %u\n", (unsigned)st.tail);
    printf("  head          %u\n", (unsigned)st.head);
    printf("  fill          %u/%u (%.1f%%)\n", (unsigned)st.fill, (unsigned)st.capacity, 100.0 * st.fill / st.capacity);
    if (e == 0) {
        printf("  pushed        %u (tail - start_index, mod 2^%d)\n", (unsigned)(shmpc_idx)(st.tail - h.start_index), SHMPC_INDEX_BITS);
        printf("  popped        %u (head - start_index, mod 2^%d)\n", (unsigned)(shmpc_idx)(st.head - h.start_index), SHMPC_INDEX_BITS);
        printf("  sleepers      data %u (event %u), space %u (event %u)\n", (unsigned)h.data_waiters,
               (unsigned)h.data_ev, (unsigned)h.space_waiters, (unsigned)h.space_ev);
        print_recovery(&h);
    }
    printf("  peers         %d registered: %d live, %d dead%s%s\n", n, c.live, c.dead,
           c.unknown ? ", some unknown" : "", is_stale(&r) ? " -- stale: remove with shmpcctl rm --stale" : "");
    for (i = 0; i < n; i++)
        printf("    pid %-8u %-9s start %-12llu %s\n", (unsigned)ps[i].pid, role_name(ps[i].role),
               (unsigned long long)ps[i].start, ps[i].alive > 0 ? "live" : ps[i].alive == 0 ? "dead" : "unknown");
    shmpc_close(&r);
    return 0;
}

/* ---- recover ----------------------------------------------------------------------------------- */
static int cmd_recover(const char *name) {
    target t;
    shmpc_ring r;
    raw_hdr h;
    int rc;
    if (parse_target(name, &t) != 0) {
        fprintf(stderr, PROG ": '%s' is not a segment name (1..200 characters, no '/' after the first; or key:0xKEY)\n", name);
        return 1;
    }
    rc = open_target(&t, &r);
    if (rc != SHMPC_OK) { fprintf(stderr, PROG ": %s: %s\n", name, shmpc_strerror(rc)); return 1; }
    rc = shmpc_recover(&r);
    shmpc_close(&r);
    if (rc < 0) { fprintf(stderr, PROG ": %s: %s\n", name, shmpc_strerror(rc)); return 1; }
    printf("%s: %d slot%s handed on\n", t.name, rc, rc == 1 ? "" : "s");
    if (read_raw(&t, &h) == 0) print_recovery(&h);
    return 0;
}

/* ---- watch ------------------------------------------------------------------------------------- */
static volatile sig_atomic_t g_stop;
static void on_sigint(int sig) { (void)sig; g_stop = 1; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_watch(const char *name, double interval, long count) {
    target t;
    shmpc_ring r;
    shmpc_status st, prev;
    shmpc_peer_status ps[SHMPC_MAX_PEERS];
    peer_count c;
    raw_hdr h;
    double t0, tprev;
    long k;
    int rc, tty = isatty(1);
    struct sigaction sa;
    if (parse_target(name, &t) != 0) {
        fprintf(stderr, PROG ": '%s' is not a segment name\n", name);
        return 1;
    }
    rc = open_target(&t, &r);
    if (rc != SHMPC_OK) {
        char why[256];
        read_raw(&t, &h);
        explain(&t, rc, &h, why, sizeof why);
        fprintf(stderr, PROG ": %s: %s\n", t.name, why);
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    shmpc_stat(&r, &prev);
    t0 = tprev = now_s();
    printf("watching %s (%s, %u slots of %u bytes); Ctrl-C to stop\n", t.name, mode_name(prev.mode),
           (unsigned)prev.capacity, (unsigned)prev.slot_size);
    printf("%8s %17s %12s %12s %5s %5s %-12s\n", "TIME", "FILL", "PUSH/s", "POP/s", "LIVE", "DEAD", "STATE");
    fflush(stdout);
    for (k = 0; !g_stop && (count <= 0 || k < count); k++) {
        struct timespec ts;
        double tn, dt;
        char fill[64];
        ts.tv_sec = (time_t)interval;
        ts.tv_nsec = (long)((interval - (double)ts.tv_sec) * 1e9);
        while (!g_stop && nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
        if (g_stop) break;
        /* a named segment can be shrunk under us: reading its header then would raise SIGBUS */
        if (!t.sysv && read_raw(&t, &h) == 0 && h.file_size < prev.total_size) {
            printf("%s" PROG ": %s was truncated to %llu bytes (the ring needs %llu)\n", tty ? "\n" : "", t.name,
                   (unsigned long long)h.file_size, (unsigned long long)prev.total_size);
            break;
        }
        shmpc_stat(&r, &st);
        count_peers(&r, ps, &c);
        tn = now_s();
        dt = tn - tprev;
        snprintf(fill, sizeof fill, "%u/%u (%.0f%%)", (unsigned)st.fill, (unsigned)st.capacity, 100.0 * st.fill / st.capacity);
        printf("%s%8.1f %17s %12.0f %12.0f %5d %5d %-12s", tty ? "\r\033[K" : "", tn - t0, fill,
               (double)(shmpc_idx)(st.tail - prev.tail) / dt, (double)(shmpc_idx)(st.head - prev.head) / dt,
               c.live, c.dead, is_stale(&r) ? "stale" : state_name(st.state, st.ends));
        if (!tty) printf("\n");
        fflush(stdout);
        prev = st;
        tprev = tn;
        if (!t.sysv && read_raw(&t, &h) == -ENOENT) {
            printf("%s" PROG ": %s was removed\n", tty ? "\n" : "", t.name);
            break;
        }
    }
    if (tty) printf("\n");
    shmpc_close(&r);
    return 0;
}

/* ---- rm ---------------------------------------------------------------------------------------- */
static int rm_one(const target *t, int force) {
    shmpc_ring r;
    shmpc_status st;
    shmpc_peer_status ps[SHMPC_MAX_PEERS];
    peer_count c;
    raw_hdr h;
    char why[256];
    int rc = open_target(t, &r), e;
    if (rc == SHMPC_OK) {
        int i, n;
        shmpc_stat(&r, &st);
        n = count_peers(&r, ps, &c);
        shmpc_close(&r);
        if ((c.live > 0 || c.unknown > 0) && !force) {
            fprintf(stderr, PROG ": %s has %d live peer%s (", t->name, c.live, c.live == 1 ? "" : "s");
            for (i = 0; i < n; i++)
                if (ps[i].alive != 0) fprintf(stderr, "%s%s %u", i ? ", " : "", role_name(ps[i].role), (unsigned)ps[i].pid);
            fprintf(stderr, "); not removed (use --force to remove it anyway)\n");
            return 1;
        }
    } else {
        e = read_raw(t, &h);
        if (rc == SHMPC_ENOENT || e == -ENOENT) {
            explain(t, SHMPC_ENOENT, &h, why, sizeof why);
            fprintf(stderr, PROG ": %s\n", why);
            return 1;
        }
        if (rc == SHMPC_ENOTSHMPC || (e == 0 && !has_magic(&h))) {
            fprintf(stderr, PROG ": %s: not an shmpc segment; not removed\n", t->name);
            return 1;
        }
        if (!force && rc != SHMPC_ESTALE) { /* stale: a crashed creator, no peer to protect */
            explain(t, rc, &h, why, sizeof why);
            fprintf(stderr, PROG ": %s: cannot check its peers: %s; not removed (use --force)\n", t->name, why);
            return 1;
        }
    }
    rc = unlink_target(t);
    if (rc != SHMPC_OK) {
        fprintf(stderr, PROG ": %s: remove failed: %s (%s)\n", t->name, shmpc_strerror(rc), strerror(errno));
        return 1;
    }
    printf("removed %s\n", t->name);
    return 0;
}

typedef struct stale_arg { int dry, removed, failed; } stale_arg;
static int stale_one(const target *t, void *arg) {
    stale_arg *a = (stale_arg *)arg;
    shmpc_ring r;
    shmpc_peer_status ps[SHMPC_MAX_PEERS];
    peer_count c;
    raw_hdr h;
    int rc, stale;
    /* Only a file that carries shmpc's magic is ever removed: whatever else lies in /dev/shm
       (empty, zero-filled, a FIFO, another program's data) is not ours to judge. */
    if (read_raw(t, &h) != 0 || !has_magic(&h)) return 0;
    rc = open_target(t, &r);
    if (rc == SHMPC_ESTALE) { /* marked, initializing, its creator dead: it never became a ring */
        c.dead = 0;
        goto remove;
    }
    if (rc != SHMPC_OK) return 0;
    count_peers(&r, ps, &c);
    stale = is_stale(&r);
    shmpc_close(&r);
    if (!stale) return 0;
remove:
    if (a->dry) { printf("would remove %s (%d dead peer%s)\n", t->name, c.dead, c.dead == 1 ? "" : "s"); a->removed++; return 0; }
    if (unlink_target(t) != SHMPC_OK) {
        fprintf(stderr, PROG ": %s: remove failed: %s\n", t->name, strerror(errno));
        a->failed++;
        return 1;
    }
    printf("removed %s (%d dead peer%s)\n", t->name, c.dead, c.dead == 1 ? "" : "s");
    a->removed++;
    return 0;
}

static int usage(void) {
    fprintf(stderr,
            "usage: " PROG " list\n"
            "       " PROG " info NAME\n"
            "       " PROG " watch NAME [--interval SECONDS] [--count N]\n"
            "       " PROG " rm [--force] NAME...\n"
            "       " PROG " rm --stale [--dry-run]\n"
            "       " PROG " recover NAME\n"
            "NAME: a POSIX segment name (jobs or /jobs) or a SysV key (key:0x1234).\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "list") || !strcmp(cmd, "ls")) return argc == 2 ? cmd_list() : usage();
    if (!strcmp(cmd, "info")) return argc == 3 ? cmd_info(argv[2]) : usage();
    if (!strcmp(cmd, "recover")) return argc == 3 ? cmd_recover(argv[2]) : usage();
    if (!strcmp(cmd, "watch")) {
        double interval = 1.0;
        long count = 0;
        const char *name = NULL;
        int i;
        for (i = 2; i < argc; i++) {
            if ((!strcmp(argv[i], "--interval") || !strcmp(argv[i], "-i")) && i + 1 < argc) {
                char *end;
                interval = strtod(argv[++i], &end);
                if (*end || !(interval >= 0.01 && interval <= 3600)) return usage();
            } else if ((!strcmp(argv[i], "--count") || !strcmp(argv[i], "-n")) && i + 1 < argc) {
                char *end;
                count = strtol(argv[++i], &end, 10);
                if (*end || count < 1) return usage();
            } else if (!name && argv[i][0] != '-') name = argv[i];
            else return usage();
        }
        return name ? cmd_watch(name, interval, count) : usage();
    }
    if (!strcmp(cmd, "rm")) {
        int i, force = 0, stale = 0, dry = 0, names = 0, rc = 0;
        for (i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f")) force = 1;
            else if (!strcmp(argv[i], "--stale")) stale = 1;
            else if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n")) dry = 1;
            else if (argv[i][0] == '-' && argv[i][1] != 0) return usage();
            else names++;
        }
        if (stale) {
            stale_arg a = {0, 0, 0};
            if (names || force) return usage();
            a.dry = dry;
            each_segment(stale_one, &a);
            if (a.removed == 0) printf("no stale segments\n");
            return a.failed ? 1 : 0;
        }
        if (!names || dry) return usage();
        for (i = 2; i < argc; i++) {
            target t;
            if (argv[i][0] == '-' && argv[i][1] != 0) continue;
            if (parse_target(argv[i], &t) != 0) {
                fprintf(stderr, PROG ": '%s' is not a segment name\n", argv[i]);
                rc = 1;
                continue;
            }
            rc |= rm_one(&t, force);
        }
        return rc;
    }
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) { usage(); return 0; }
    return usage();
}
