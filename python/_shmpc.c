/* _shmpc: the CPython extension under python/shmpc.py. It compiles shmpc.h's implementation into
   itself (no libshmpc.so needed) and owns the shmpc_ring handle: shmpc.Ring is a Python subclass of
   _shmpc.Ring, so ring.push(msg) / ring.pop() are one C call each, without a Python frame.

   - try_push / try_pop and the first attempt of every call run with the GIL held (no system call);
     only a call that has to wait releases the GIL, in slices of at most 0.2 s, after each of which
     Python's signal handlers run (Ctrl-C is honoured).
   - Errors are raised by shmpc.py's own factory, shmpc._error(code, what, errno), registered
     through set_error_factory(): the same ShmpcError subclasses as everywhere in the module.
   - A handle belongs to one thread; the GIL serializes the calls that hold it, and a call made while
     another thread waits in this handle with the GIL released is refused (SHMPC_EINVAL), never run.
   Built by `make` (mk/tools.mk) into build/_shmpc<EXT_SUFFIX>; needs the Python headers (python3-dev). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define SHMPC_STATIC
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"

#include <errno.h>
#include <time.h>

#define EXT_ABI 2                    /* bumped when shmpc.py and this file must change together */
#define SLICE_NS 200000000LL         /* longest wait with the GIL released: signals run between */
#define POP_MANY_BYTES (1u << 20)    /* pop_many buffers at most this much (or one slot) per call */
#define WAIT_PYERR INT_MIN           /* wait_loop: a Python exception is set (a signal handler raised) */

enum { ST_CLOSED, ST_OPEN, ST_BUSY }; /* BUSY: a call waits in this handle with the GIL released */
enum { OP_PUSH, OP_POP, OP_PUSH_MANY, OP_POP_MANY, OP_RESERVE, OP_PEEK };

typedef struct {
    PyObject_HEAD
    shmpc_ring r;
    int state, role;
    unsigned int capacity, slot_size, mode;
    char *buf;                       /* slot_size bytes, for pop (allocated at the first pop) */
    char *space;                     /* pop_many: space_n buffers of slot_size bytes ... */
    shmpc_iov *iov;                  /* ... and their iov entries */
    size_t space_n;
    PyObject *what;                  /* the name or key, for messages and repr */
    struct SlotObject *slot;         /* the reserve()/peek() block not yet finished, or NULL */
} RingObject;

static PyObject *error_factory;      /* shmpc._error */

/* ---- errors --------------------------------------------------------------------------------- */

/* errno matters only for the codes that report a system failure, and only after a call that made
   system calls (try_* make none: they pass 0). */
static int sys_errno(int rc, int err) {
    return rc == SHMPC_ESYS || rc == SHMPC_EPERM || rc == SHMPC_ENOMEM || rc == SHMPC_ENOTSUP ||
           rc == SHMPC_EINVAL ? err : 0;
}

static PyObject *raise_obj(int rc, PyObject *what, int err) {
    PyObject *exc;
    if (!error_factory) {
        PyErr_Format(PyExc_RuntimeError, "%S: shmpc error %d (_shmpc used without shmpc.py)", what, rc);
        return NULL;
    }
    exc = PyObject_CallFunction(error_factory, "iOi", rc, what, sys_errno(rc, err));
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

static PyObject *raise_rc(int rc, const char *what, int err) {
    PyObject *w = PyUnicode_FromString(what);
    if (w) {
        raise_obj(rc, w, err);
        Py_DECREF(w);
    }
    return NULL;
}

static PyObject *not_open(RingObject *self) {
    PyObject *w = PyUnicode_FromFormat(self->state == ST_BUSY ? "ring %R is in use by a waiting call (in another "
                                       "thread, or interrupted by this signal handler)" : "ring %R is closed",
                                       self->what ? self->what : Py_None);
    if (w) {
        raise_obj(SHMPC_EINVAL, w, 0);
        Py_DECREF(w);
    }
    return NULL;
}

/* ---- arguments ------------------------------------------------------------------------------ */

/* Positional then keyword arguments into out[0..n) (NULL where not given); the first `required`
   are mandatory. The hot calls skip it in their common form (one positional argument or none). */
static int parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                      const char *const *names, int n, int required, PyObject **out) {
    Py_ssize_t i, nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    int k;
    if (nargs > n) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", fname, n, nargs);
        return -1;
    }
    for (i = 0; i < nargs; i++) out[i] = args[i];
    for (i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        for (k = 0; k < n; k++)
            if (PyUnicode_CompareWithASCIIString(key, names[k]) == 0) break;
        if (k == n) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, key);
            return -1;
        }
        if (out[k]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname, names[k]);
            return -1;
        }
        out[k] = args[nargs + i];
    }
    for (k = 0; k < required; k++)
        if (!out[k]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, names[k]);
            return -1;
        }
    return 0;
}

/* timeout: None (or absent) waits without limit (*secs < 0), a number > 0 waits that long.
   Returns 1 to wait, 0 not to (timeout <= 0), -1 on a bad value. Every call reads it before it
   touches the ring: reading it may run Python code (__float__), which must not find the handle's
   buffers in use. */
static int want_wait(PyObject *timeout, double *secs) {
    double t;
    *secs = 0.0;
    if (!timeout || timeout == Py_None) {
        *secs = -1.0;
        return 1;
    }
    t = PyFloat_AsDouble(timeout);
    if (t == -1.0 && PyErr_Occurred()) return -1;
    if (!(t > 0.0)) return 0;
    *secs = t > 1e9 ? -1.0 : t;      /* decades: the same as no limit */
    return 1;
}

/* A message: bytes as they are; any other contiguous buffer through a view; anything else that
   bytes() accepts (a non-contiguous memoryview, a list of ints) as a copy in *tmp. */
typedef struct { const char *p; size_t n; Py_buffer view; PyObject *tmp; } msg_t;

static int msg_get(PyObject *o, msg_t *m) {
    m->view.obj = NULL;
    m->tmp = NULL;
    if (PyBytes_Check(o)) {
        m->p = PyBytes_AS_STRING(o);
        m->n = (size_t)PyBytes_GET_SIZE(o);
        return 0;
    }
    if (PyObject_CheckBuffer(o) && PyObject_GetBuffer(o, &m->view, PyBUF_SIMPLE) == 0) {
        m->p = (const char *)m->view.buf;
        m->n = (size_t)m->view.len;
        return 0;
    }
    PyErr_Clear();
    m->view.obj = NULL;
    if (PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "a message is bytes-like, not str (encode it)");
        return -1;
    }
    m->tmp = PyBytes_FromObject(o);
    if (!m->tmp) return -1;
    m->p = PyBytes_AS_STRING(m->tmp);
    m->n = (size_t)PyBytes_GET_SIZE(m->tmp);
    return 0;
}

static void msg_release(msg_t *m) {
    if (m->view.obj) PyBuffer_Release(&m->view);
    Py_CLEAR(m->tmp);
}

/* ---- waiting: the timed calls in slices, with the GIL released -------------------------------- */

typedef struct { int op; const void *msg; void *buf; size_t n; size_t *len; shmpc_iov *iov; } call_t;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int timed(shmpc_ring *r, const call_t *c, int64_t ns) {
    switch (c->op) {
        case OP_PUSH: return shmpc_push_timed(r, c->msg, c->n, ns);
        case OP_POP: return shmpc_pop_timed(r, c->buf, c->n, c->len, ns);
        case OP_PUSH_MANY: return shmpc_push_many_timed(r, c->iov, c->n, ns);
        case OP_RESERVE: return shmpc_reserve_timed(r, (void **)c->buf, c->len, ns);
        case OP_PEEK: return shmpc_peek_timed(r, (const void **)c->buf, c->len, ns);
        default: return shmpc_pop_many_timed(r, c->iov, c->n, ns);
    }
}

/* Waits up to secs (< 0: without limit) for the call to stop reporting "would block". Returns its
   result (*err: errno after it), SHMPC_ETIMEDOUT, or WAIT_PYERR if a signal handler raised. The
   handle is BUSY throughout: other threads, and signal handlers run between slices, cannot use it
   (its buffers are in use). */
static int wait_loop(RingObject *self, const call_t *c, double secs, int *err) {
    int64_t deadline = secs < 0 ? 0 : now_ns() + (int64_t)(secs * 1e9);
    int rc, e;
    self->state = ST_BUSY;
    for (;;) {
        int64_t left = SLICE_NS;
        if (secs >= 0) {
            int64_t l = deadline - now_ns();
            if (l <= 0) {
                rc = SHMPC_ETIMEDOUT;
                break;
            }
            if (l < left) left = l;
        }
        Py_BEGIN_ALLOW_THREADS
        errno = 0;
        rc = timed(&self->r, c, left);
        e = errno;
        Py_END_ALLOW_THREADS
        if (rc != SHMPC_ETIMEDOUT) {
            *err = e;
            break;
        }
        if (PyErr_CheckSignals() < 0) {
            rc = WAIT_PYERR;
            break;
        }
    }
    self->state = ST_OPEN;
    return rc;
}

static int would_block(int rc) {
    return rc == SHMPC_EFULL || rc == SHMPC_EEMPTY || rc == SHMPC_EAGAIN;
}

/* ---- the copy API ------------------------------------------------------------------------------ */

static const char *const kw_push[] = {"data", "timeout"};
static const char *const kw_pop[] = {"timeout"};
static const char *const kw_pop_into[] = {"buffer", "timeout"};
static const char *const kw_push_many[] = {"messages", "timeout"};
static const char *const kw_pop_many[] = {"max_messages", "timeout"};

/* push past the fast path: any bytes-like message, a full ring, an error. rc: the result of the
   fast path's attempt, or NOT_TRIED; w, secs: from want_wait. */
#define NOT_TRIED 1
static PyObject *push_slow(RingObject *self, PyObject *data, int w, double secs, int rc) {
    msg_t m;
    int err = 0;
    if (msg_get(data, &m) < 0) return NULL;
    if (self->state != ST_OPEN) { /* (msg_get may have run Python code) */
        msg_release(&m);
        return not_open(self);
    }
    if (rc == NOT_TRIED) rc = shmpc_try_push(&self->r, m.p, m.n);
    if (would_block(rc) && w) {
        call_t c = {OP_PUSH, m.p, NULL, m.n, NULL, NULL};
        rc = wait_loop(self, &c, secs, &err);
    }
    msg_release(&m);
    if (rc == WAIT_PYERR) return NULL;
    if (rc < 0) return raise_rc(rc, "push", err);
    Py_RETURN_NONE;
}

static PyObject *Ring_push(RingObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *a[2] = {NULL, NULL};
    double secs = -1.0;
    int rc = NOT_TRIED, w = 1;
    if (nargs == 1 && !kwnames) a[0] = args[0];
    else if (parse_args("push", args, nargs, kwnames, kw_push, 2, 1, a) < 0 || (w = want_wait(a[1], &secs)) < 0)
        return NULL;
    if (self->state != ST_OPEN) return not_open(self);
    if (PyBytes_CheckExact(a[0])) {
        rc = shmpc_try_push(&self->r, PyBytes_AS_STRING(a[0]), (size_t)PyBytes_GET_SIZE(a[0]));
        if (rc == SHMPC_OK) Py_RETURN_NONE;
    }
    return push_slow(self, a[0], w, secs, rc);
}

static PyObject *Ring_try_push(RingObject *self, PyObject *data) {
    msg_t m;
    int rc;
    if (self->state != ST_OPEN) return not_open(self);
    if (msg_get(data, &m) < 0) return NULL;
    rc = shmpc_try_push(&self->r, m.p, m.n);
    msg_release(&m);
    if (rc == SHMPC_OK) Py_RETURN_TRUE;
    if (rc == SHMPC_EFULL) Py_RETURN_FALSE;
    return raise_rc(rc, "try_push", 0);
}

static char *pop_buf(RingObject *self) {
    if (!self->buf && !(self->buf = PyMem_Malloc(self->slot_size ? self->slot_size : 1))) PyErr_NoMemory();
    return self->buf;
}

/* pop and pop_into: into buf[0..cap), waiting if w says so. Returns the result code, or WAIT_PYERR. */
static int pop_wait(RingObject *self, void *buf, size_t cap, size_t *len, int w, double secs, int *err) {
    int rc = shmpc_try_pop(&self->r, buf, cap, len);
    *err = 0;
    if (would_block(rc) && w) {
        call_t c = {OP_POP, NULL, buf, cap, len, NULL};
        rc = wait_loop(self, &c, secs, err);
    }
    return rc;
}

static PyObject *Ring_pop(RingObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *timeout = NULL;
    double secs = -1.0;
    size_t len;
    int rc, err, w = 1;
    if ((nargs || kwnames) && (parse_args("pop", args, nargs, kwnames, kw_pop, 1, 0, &timeout) < 0 ||
                               (w = want_wait(timeout, &secs)) < 0))
        return NULL;
    if (self->state != ST_OPEN) return not_open(self);
    if (!self->buf && !pop_buf(self)) return NULL;
    rc = pop_wait(self, self->buf, self->slot_size, &len, w, secs, &err);
    if (rc == SHMPC_OK) return PyBytes_FromStringAndSize(self->buf, (Py_ssize_t)len);
    if (rc == WAIT_PYERR) return NULL;
    return raise_rc(rc, "pop", err);
}

static PyObject *Ring_try_pop(RingObject *self, PyObject *Py_UNUSED(ignored)) {
    size_t len;
    int rc;
    if (self->state != ST_OPEN) return not_open(self);
    if (!self->buf && !pop_buf(self)) return NULL;
    rc = shmpc_try_pop(&self->r, self->buf, self->slot_size, &len);
    if (rc == SHMPC_OK) return PyBytes_FromStringAndSize(self->buf, (Py_ssize_t)len);
    if (rc == SHMPC_EEMPTY) Py_RETURN_NONE;
    return raise_rc(rc, "try_pop", 0);
}

static PyObject *Ring_pop_into(RingObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *a[2] = {NULL, NULL};
    Py_buffer view;
    double secs;
    size_t len = 0;
    int rc, err, w;
    if (parse_args("pop_into", args, nargs, kwnames, kw_pop_into, 2, 1, a) < 0 || (w = want_wait(a[1], &secs)) < 0)
        return NULL;
    if (!PyArg_Parse(a[0], "w*:pop_into", &view)) return NULL; /* TypeError unless writable, contiguous */
    if (self->state != ST_OPEN) {
        PyBuffer_Release(&view);
        return not_open(self);
    }
    rc = pop_wait(self, view.buf, (size_t)view.len, &len, w, secs, &err);
    PyBuffer_Release(&view);
    if (rc == SHMPC_OK) return PyLong_FromSize_t(len);
    if (rc == WAIT_PYERR) return NULL;
    return raise_rc(rc, "pop_into", err);
}

/* ---- batches ------------------------------------------------------------------------------------ */

static PyObject *Ring_push_many(RingObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *a[2] = {NULL, NULL}, *items, *res = NULL;
    shmpc_iov stack_iov[64], *iov = stack_iov;
    msg_t *msgs = NULL;
    Py_ssize_t n, i;
    double secs;
    int rc, err = 0, w;
    if (parse_args("push_many", args, nargs, kwnames, kw_push_many, 2, 1, a) < 0 || (w = want_wait(a[1], &secs)) < 0)
        return NULL;
    items = PySequence_Tuple(a[0]); /* holds every message while the GIL may be released */
    if (!items) return NULL;
    n = PyTuple_GET_SIZE(items);
    if (n == 0) {
        Py_DECREF(items);
        return PyLong_FromLong(0);
    }
    if (n > 64 && !(iov = PyMem_Malloc((size_t)n * sizeof *iov))) {
        Py_DECREF(items);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(items, i);
        if (PyBytes_Check(o)) {
            iov[i].base = PyBytes_AS_STRING(o);
            iov[i].len = (size_t)PyBytes_GET_SIZE(o);
            continue;
        }
        if (!msgs && !(msgs = PyMem_Calloc((size_t)n, sizeof *msgs))) {
            PyErr_NoMemory();
            goto done;
        }
        if (msg_get(o, &msgs[i]) < 0) goto done;
        iov[i].base = (void *)msgs[i].p;
        iov[i].len = msgs[i].n;
    }
    if (self->state != ST_OPEN) { /* (checked after the conversions: they may run Python code) */
        not_open(self);
        goto done;
    }
    rc = shmpc_try_push_many(&self->r, iov, (size_t)n);
    if (would_block(rc) && w) {
        call_t c = {OP_PUSH_MANY, NULL, NULL, (size_t)n, NULL, iov};
        rc = wait_loop(self, &c, secs, &err);
    }
    if (rc == WAIT_PYERR) goto done;
    if (rc < 0) raise_rc(rc, "push_many", err);
    else res = PyLong_FromLong(rc);
done:
    if (msgs) {
        for (i = 0; i < n; i++) msg_release(&msgs[i]);
        PyMem_Free(msgs);
    }
    if (iov != stack_iov) PyMem_Free(iov);
    Py_DECREF(items);
    return res;
}

static PyObject *Ring_pop_many(RingObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *a[2] = {NULL, NULL}, *list;
    Py_ssize_t want = 64;
    size_t n, i, ss = self->slot_size, most;
    double secs;
    int rc, err = 0, w;
    if ((nargs || kwnames) && parse_args("pop_many", args, nargs, kwnames, kw_pop_many, 2, 0, a) < 0) return NULL;
    if ((w = want_wait(a[1], &secs)) < 0) return NULL;
    if (a[0] && (want = PyLong_AsSsize_t(a[0])) == -1 && PyErr_Occurred()) return NULL;
    if (self->state != ST_OPEN) return not_open(self);
    if (want < 1) return raise_rc(SHMPC_EINVAL, "pop_many", 0);
    /* at most the ring's capacity, and at most POP_MANY_BYTES of buffers (one slot at least) */
    most = ss <= POP_MANY_BYTES ? POP_MANY_BYTES / ss : 1;
    if (most > self->capacity) most = self->capacity;
    n = (size_t)want < most ? (size_t)want : most;
    if (n > self->space_n) {
        char *space = PyMem_Realloc(self->space, n * ss);
        shmpc_iov *iov = space ? PyMem_Realloc(self->iov, n * sizeof *iov) : NULL;
        if (space) self->space = space;
        if (iov) self->iov = iov;
        if (!space || !iov) return PyErr_NoMemory();
        self->space_n = n;
    }
    for (i = 0; i < n; i++) {
        self->iov[i].base = self->space + i * ss;
        self->iov[i].len = ss;
    }
    rc = shmpc_try_pop_many(&self->r, self->iov, n);
    if (would_block(rc) && w) {
        call_t c = {OP_POP_MANY, NULL, NULL, n, NULL, self->iov};
        rc = wait_loop(self, &c, secs, &err);
    }
    if (rc == WAIT_PYERR) return NULL;
    if (rc < 0) return raise_rc(rc, "pop_many", err);
    self->state = ST_BUSY; /* a collection run by these allocations must not reuse the buffers */
    list = PyList_New(rc); /* (only memory can fail now, and the messages are out of the ring) */
    for (i = 0; list && i < (size_t)rc; i++) {
        PyObject *b = PyBytes_FromStringAndSize(self->iov[i].base, (Py_ssize_t)self->iov[i].len);
        if (!b) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, b);
    }
    self->state = ST_OPEN;
    return list;
}

/* ---- zero-copy: reserve() and peek() as context managers ------------------------------------------
   A Slot exports the slot's bytes through the buffer protocol (writable for reserve, read-only for
   peek); __enter__ gives a memoryview of it. When the block ends, that memoryview is released
   (kept, it raises ValueError on use) and the reservation is committed / the message released.
   If something else still holds the bytes (numpy.frombuffer(view), a slice of the view), the block
   end raises BufferError and the commit or release waits until the last of them (and the
   with-target, if it was exported) is deleted; meanwhile the ring answers SHMPC_ESEQ and close()
   raises BufferError: the mapping stays valid for as long as anything can still read or write it. */

enum { SLOT_ACTIVE, SLOT_DEFERRED, SLOT_DONE };

typedef struct SlotObject {
    PyObject_HEAD
    RingObject *ring;                /* strong: the mapping outlives every export */
    char *p;
    Py_ssize_t len;                  /* bytes exported: the message, or the reserved size */
    size_t commit_len;               /* reserve: bytes committed at the end */
    int readonly, exports, state;
    PyObject *view;                  /* the memoryview __enter__ gives */
} SlotObject;

/* Commits or releases the slot (once). Returns the C result, or SHMPC_OK if the ring was closed. */
static int slot_finish(SlotObject *self) {
    int rc = SHMPC_OK;
    if (self->state == SLOT_DONE) return rc;
    self->state = SLOT_DONE;
    if (self->ring->slot == self) self->ring->slot = NULL;
    if (self->ring->state == ST_OPEN)
        rc = self->readonly ? shmpc_release(&self->ring->r) : shmpc_commit(&self->ring->r, self->commit_len);
    return rc;
}

static int Slot_getbuffer(SlotObject *self, Py_buffer *view, int flags) {
    if (self->state != SLOT_ACTIVE) {
        PyErr_SetString(PyExc_BufferError, "the slot's with-block has ended: its bytes belong to the ring again");
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, (PyObject *)self, self->p, self->len, self->readonly, flags) < 0) return -1;
    self->exports++;
    return 0;
}

static void Slot_releasebuffer(SlotObject *self, Py_buffer *Py_UNUSED(view)) {
    if (--self->exports == 0 && self->state == SLOT_DEFERRED) slot_finish(self);
}

static PyObject *Slot_enter(SlotObject *self, PyObject *Py_UNUSED(ignored)) {
    if (!self->view) {
        if (self->state != SLOT_ACTIVE) return raise_rc(SHMPC_ESEQ, "the slot's with-block has ended", 0);
        if (!(self->view = PyMemoryView_FromObject((PyObject *)self))) return NULL;
    }
    Py_INCREF(self->view);
    return self->view;
}

static PyObject *Slot_exit(SlotObject *self, PyObject *Py_UNUSED(args)) {
    int rc;
    if (self->state != SLOT_ACTIVE) Py_RETURN_FALSE;
    if (self->view) {
        PyObject *r = PyObject_CallMethod(self->view, "release", NULL);
        if (!r) PyErr_Clear(); /* BufferError: the view itself is exported (numpy.frombuffer(view)) */
        Py_XDECREF(r);
        Py_CLEAR(self->view);
    }
    if (self->exports > 0) {
        self->state = SLOT_DEFERRED;
        PyErr_Format(PyExc_BufferError, "%s: views of the slot outlive the with-block (a numpy array, a slice "
                     "or a memoryview made from it, or the with-target itself while one of those exists): the %s "
                     "waits until they are all deleted, and the ring answers SHMPC_ESEQ meanwhile",
                     self->readonly ? "peek" : "reserve", self->readonly ? "release" : "commit");
        return NULL;
    }
    rc = slot_finish(self);
    if (rc < 0) return raise_rc(rc, self->readonly ? "release" : "commit", 0);
    Py_RETURN_FALSE;
}

static PyObject *Slot_get_length(SlotObject *self, void *Py_UNUSED(closure)) { return PyLong_FromSsize_t(self->len); }

static void Slot_dealloc(SlotObject *self) {
    slot_finish(self); /* (a slot is deallocated with no export left: each holds a reference) */
    Py_CLEAR(self->view);
    Py_CLEAR(self->ring);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyBufferProcs Slot_as_buffer = {(getbufferproc)Slot_getbuffer, (releasebufferproc)Slot_releasebuffer};

static PyMethodDef Slot_methods[] = {
    {"__enter__", (PyCFunction)(void (*)(void))Slot_enter, METH_NOARGS, "the slot as a memoryview"},
    {"__exit__", (PyCFunction)(void (*)(void))Slot_exit, METH_VARARGS, "commit (reserve) or release (peek)"},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Slot_getset[] = {
    {"length", (getter)Slot_get_length, NULL, "bytes of the slot the view covers", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject SlotType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_shmpc.Slot",
    .tp_basicsize = sizeof(SlotObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A reserved slot or a peeked message, for a with-block (Ring.reserve, Ring.peek).",
    .tp_dealloc = (destructor)Slot_dealloc,
    .tp_as_buffer = &Slot_as_buffer,
    .tp_methods = Slot_methods,
    .tp_getset = Slot_getset,
};

static PyObject *new_slot(RingObject *ring, void *p, size_t len, size_t commit_len, int readonly) {
    SlotObject *s = PyObject_New(SlotObject, &SlotType);
    if (!s) {
        if (readonly) shmpc_release(&ring->r);
        else shmpc_commit(&ring->r, 0); /* cannot happen but for memory: publish an empty message */
        return NULL;
    }
    Py_INCREF(ring);
    s->ring = ring;
    s->p = (char *)p;
    s->len = (Py_ssize_t)len;
    s->commit_len = commit_len;
    s->readonly = readonly;
    s->exports = 0;
    s->state = SLOT_ACTIVE;
    s->view = NULL;
    ring->slot = s;
    return (PyObject *)s;
}

static const char *const kw_reserve[] = {"size", "timeout"};
static const char *const kw_peek[] = {"timeout"};

static PyObject *Ring_reserve(RingObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *a[2] = {NULL, NULL};
    void *p = NULL;
    size_t room = 0, size;
    double secs;
    int rc, err = 0, w;
    if (parse_args("reserve", args, nargs, kwnames, kw_reserve, 2, 0, a) < 0 || (w = want_wait(a[1], &secs)) < 0)
        return NULL;
    size = self->slot_size;
    if (a[0] && a[0] != Py_None && (size = PyLong_AsSize_t(a[0])) == (size_t)-1 && PyErr_Occurred()) return NULL;
    if (self->state != ST_OPEN) return not_open(self);
    if (size > self->slot_size) return raise_rc(SHMPC_EMSGSIZE, "reserve", 0);
    rc = shmpc_try_reserve(&self->r, &p, &room);
    if (would_block(rc) && w) {
        call_t c = {OP_RESERVE, NULL, (void *)&p, 0, &room, NULL};
        rc = wait_loop(self, &c, secs, &err);
    }
    if (rc == WAIT_PYERR) return NULL;
    if (rc < 0) return raise_rc(rc, "reserve", err);
    return new_slot(self, p, size, size, 0);
}

static PyObject *Ring_peek(RingObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *timeout = NULL;
    const void *p = NULL;
    size_t n = 0;
    double secs = -1.0;
    int rc, err = 0, w = 1;
    if ((nargs || kwnames) && (parse_args("peek", args, nargs, kwnames, kw_peek, 1, 0, &timeout) < 0 ||
                               (w = want_wait(timeout, &secs)) < 0))
        return NULL;
    if (self->state != ST_OPEN) return not_open(self);
    rc = shmpc_try_peek(&self->r, &p, &n);
    if (would_block(rc) && w) {
        call_t c = {OP_PEEK, NULL, (void *)&p, 0, &n, NULL};
        rc = wait_loop(self, &c, secs, &err);
    }
    if (rc == WAIT_PYERR) return NULL;
    if (rc < 0) return raise_rc(rc, "peek", err);
    return new_slot(self, (void *)p, n, 0, 1);
}

/* ---- crash recovery ------------------------------------------------------------------------------ */

static PyObject *Ring_redelivered(RingObject *self, PyObject *Py_UNUSED(ignored)) {
    if (self->state != ST_OPEN) return not_open(self);
    return PyBool_FromLong(shmpc_redelivered(&self->r) == 1);
}

/* shmpc_recover sleeps 1 ms per slot it hands on: without the GIL. */
static PyObject *Ring_recover(RingObject *self, PyObject *Py_UNUSED(ignored)) {
    int rc, err;
    if (self->state != ST_OPEN) return not_open(self);
    self->state = ST_BUSY;
    Py_BEGIN_ALLOW_THREADS
    errno = 0;
    rc = shmpc_recover(&self->r);
    err = errno;
    Py_END_ALLOW_THREADS
    self->state = ST_OPEN;
    if (rc < 0) return raise_rc(rc, "recover", err);
    return PyLong_FromLong(rc);
}

/* ---- life cycle --------------------------------------------------------------------------------- */

static PyObject *attached(RingObject *self, int role, PyObject *what) {
    shmpc_status st;
    shmpc_stat(&self->r, &st);
    self->role = role;
    self->capacity = st.capacity;
    self->slot_size = st.slot_size;
    self->mode = st.mode;
    PyMem_Free(self->buf);
    self->buf = NULL;
    Py_INCREF(what);
    Py_XSETREF(self->what, what);
    self->state = ST_OPEN;
    Py_RETURN_NONE;
}

static int fresh(RingObject *self) {
    if (self->state == ST_CLOSED) return 0;
    raise_rc(SHMPC_EINVAL, "ring already attached", 0);
    return -1;
}

/* _create(what, context, name: bytes, capacity, slot_size, mode, flags, perm, role) */
static PyObject *Ring_attach_create(RingObject *self, PyObject *args) {
    PyObject *what, *context;
    const char *name;
    shmpc_opts o = SHMPC_OPTS_INIT;
    int role, rc, err;
    if (!PyArg_ParseTuple(args, "OUyIIIIIi:_create", &what, &context, &name, &o.capacity, &o.slot_size,
                          &o.mode, &o.flags, &o.perm, &role) || fresh(self) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    errno = 0;
    rc = shmpc_create(&self->r, name, &o, role);
    err = errno;
    Py_END_ALLOW_THREADS
    if (rc < 0) return raise_obj(rc, context, err);
    return attached(self, role, what);
}

/* _create_sysv(what, context, key, capacity, slot_size, mode, flags, perm, role) */
static PyObject *Ring_attach_create_sysv(RingObject *self, PyObject *args) {
    PyObject *what, *context;
    long key;
    shmpc_opts o = SHMPC_OPTS_INIT;
    int role, rc, err;
    if (!PyArg_ParseTuple(args, "OUlIIIIIi:_create_sysv", &what, &context, &key, &o.capacity, &o.slot_size,
                          &o.mode, &o.flags, &o.perm, &role) || fresh(self) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    errno = 0;
    rc = shmpc_create_sysv(&self->r, key, &o, role);
    err = errno;
    Py_END_ALLOW_THREADS
    if (rc < 0) return raise_obj(rc, context, err);
    return attached(self, role, what);
}

/* _open(what, context, name: bytes or None, key, role, timeout): waits (in slices, signals run
   between) for the segment to exist and be ready, up to timeout seconds (None: no limit). */
static PyObject *Ring_attach_open(RingObject *self, PyObject *args) {
    PyObject *what, *context, *name, *timeout;
    long key;
    int role, rc, err, w;
    double secs = 0;
    int64_t deadline;
    if (!PyArg_ParseTuple(args, "OUOliO:_open", &what, &context, &name, &key, &role, &timeout) || fresh(self) < 0)
        return NULL;
    if (name != Py_None && !PyBytes_Check(name)) return PyErr_Format(PyExc_TypeError, "name must be bytes");
    if ((w = want_wait(timeout, &secs)) < 0) return NULL;
    if (!w) secs = 0;
    deadline = now_ns() + (int64_t)(secs * 1e9);
    for (;;) {
        int64_t left = SLICE_NS, now = now_ns();
        if (secs >= 0 && deadline - now < left) left = deadline - now > 0 ? deadline - now : 0;
        Py_BEGIN_ALLOW_THREADS
        errno = 0;
        rc = name != Py_None ? shmpc_open(&self->r, PyBytes_AS_STRING(name), role, left)
                             : shmpc_open_sysv(&self->r, key, role, left);
        err = errno;
        Py_END_ALLOW_THREADS
        if ((rc != SHMPC_ENOENT && rc != SHMPC_ENOTREADY) || (secs >= 0 && now_ns() >= deadline)) break;
        if (PyErr_CheckSignals() < 0) return NULL;
    }
    if (rc < 0) return raise_obj(rc, context, err);
    return attached(self, role, what);
}

/* A slot whose bytes are still exported keeps the mapping: the handle may not close yet. */
static int slot_exported(RingObject *self) {
    if (!self->slot || self->slot->exports == 0) return 0;
    PyErr_SetString(PyExc_BufferError, "a view of a reserved or peeked slot is still in use: delete it first");
    return 1;
}

static PyObject *Ring_close(RingObject *self, PyObject *Py_UNUSED(ignored)) {
    if (self->state == ST_BUSY) return not_open(self);
    if (slot_exported(self)) return NULL;
    if (self->state == ST_OPEN) {
        self->state = ST_CLOSED;
        shmpc_close(&self->r);
    }
    Py_RETURN_NONE;
}

/* The event-loop pair: the handle's pollable descriptor (shmpc_fd) and its re-arm (shmpc_arm). */
static PyObject *Ring_fileno(RingObject *self, PyObject *Py_UNUSED(ignored)) {
    int fd;
    if (self->state != ST_OPEN) return not_open(self);
    if ((fd = shmpc_fd(&self->r)) < 0) return raise_rc(fd, "fileno", errno);
    return PyLong_FromLong(fd);
}

static PyObject *Ring_arm(RingObject *self, PyObject *Py_UNUSED(ignored)) {
    int rc;
    if (self->state != ST_OPEN) return not_open(self);
    if ((rc = shmpc_arm(&self->r)) < 0) return raise_rc(rc, "arm", errno);
    Py_RETURN_NONE;
}

static PyObject *Ring_stat(RingObject *self, PyObject *Py_UNUSED(ignored)) {
    shmpc_status st;
    int rc;
    if (self->state != ST_OPEN) return not_open(self);
    if ((rc = shmpc_stat(&self->r, &st)) < 0) return raise_rc(rc, "stat", 0);
    return Py_BuildValue("{sI sI sI sI sI sI sI sI sI sI sI sK sI sI}", "version", st.version,
                         "capacity", st.capacity, "slot_size", st.slot_size, "mode", st.mode, "flags", st.flags,
                         "state", st.state, "ends", st.ends, "producers", st.producers, "consumers", st.consumers,
                         "fill", st.fill, "peers", st.peers, "total_size", (unsigned long long)st.total_size,
                         "head", (unsigned int)st.head, "tail", (unsigned int)st.tail);
}

static PyObject *Ring_peers(RingObject *self, PyObject *Py_UNUSED(ignored)) {
    shmpc_peer_status p[SHMPC_MAX_PEERS];
    PyObject *list;
    int n, i;
    if (self->state != ST_OPEN) return not_open(self);
    if ((n = shmpc_peers(&self->r, p, SHMPC_MAX_PEERS)) < 0) return raise_rc(n, "peers", 0);
    if (!(list = PyList_New(n))) return NULL;
    for (i = 0; i < n; i++) {
        PyObject *d = Py_BuildValue("{sI sI sK si}", "pid", p[i].pid, "role", p[i].role, "start",
                                    (unsigned long long)p[i].start, "alive", p[i].alive);
        if (!d) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, d);
    }
    return list;
}

/* _open: True while the handle is attached. Setting it to False forgets the handle without closing
   it (a fork()ed process leaving the other's role alone); nothing else may be set. */
static PyObject *Ring_get_open(RingObject *self, void *Py_UNUSED(closure)) {
    return PyBool_FromLong(self->state != ST_CLOSED);
}

static int Ring_set_open(RingObject *self, PyObject *value, void *Py_UNUSED(closure)) {
    int t = value ? PyObject_IsTrue(value) : 0;
    if (t < 0) return -1;
    if (slot_exported(self)) return -1;
    if (t || self->state == ST_BUSY) {
        PyErr_SetString(PyExc_ValueError, "_open can only be set to False (forget the handle), and not while in use");
        return -1;
    }
    self->state = ST_CLOSED;
    return 0;
}

static PyObject *Ring_new(PyTypeObject *type, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kw)) {
    return type->tp_alloc(type, 0); /* zeroed: ST_CLOSED, no buffers */
}

static void Ring_dealloc(RingObject *self) {
    if (self->state == ST_OPEN) shmpc_close(&self->r);
    PyMem_Free(self->buf);
    PyMem_Free(self->space);
    PyMem_Free(self->iov);
    Py_CLEAR(self->what);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

#define FAST (METH_FASTCALL | METH_KEYWORDS)
static PyMethodDef Ring_methods[] = {
    {"push", (PyCFunction)(void (*)(void))Ring_push, FAST,
     "push(data, timeout=None): pushes one message (bytes-like, at most slot_size bytes); waits while the ring is full."},
    {"try_push", (PyCFunction)(void (*)(void))Ring_try_push, METH_O, "try_push(data): True if pushed, False if the ring is full."},
    {"pop", (PyCFunction)(void (*)(void))Ring_pop, FAST,
     "pop(timeout=None): pops one message as bytes; waits while the ring is empty. Closed at the end of the stream."},
    {"try_pop", (PyCFunction)(void (*)(void))Ring_try_pop, METH_NOARGS, "try_pop(): the next message, or None if the ring is empty."},
    {"pop_into", (PyCFunction)(void (*)(void))Ring_pop_into, FAST,
     "pop_into(buffer, timeout=None): pops one message into a writable buffer, returns its length. "
     "SHMPC_EMSGSIZE (the message stays in the ring) if the buffer is too small."},
    {"push_many", (PyCFunction)(void (*)(void))Ring_push_many, FAST,
     "push_many(messages, timeout=None): pushes up to len(messages) in one call; returns how many (>= 1)."},
    {"pop_many", (PyCFunction)(void (*)(void))Ring_pop_many, FAST,
     "pop_many(max_messages=64, timeout=None): pops up to max_messages (and up to the capacity, and 1 MiB of "
     "buffers) in one call; returns a list of bytes (at least one)."},
    {"reserve", (PyCFunction)(void (*)(void))Ring_reserve, FAST,
     "reserve(size=slot_size, timeout=None): a with-block whose target is a writable memoryview of size bytes "
     "of a free slot; the block's end commits them (waits while the ring is full)."},
    {"peek", (PyCFunction)(void (*)(void))Ring_peek, FAST,
     "peek(timeout=None): a with-block whose target is a read-only memoryview of the oldest message in place; "
     "the block's end releases it (waits while the ring is empty)."},
    {"redelivered", (PyCFunction)(void (*)(void))Ring_redelivered, METH_NOARGS,
     "redelivered(): True if a message was already handed to a consumer that died holding it: SPSC, the one "
     "peeked or popped next, after this handle took that consumer's role over; MPMC, one the last pop or peek "
     "returned. Process it idempotently."},
    {"recover", (PyCFunction)(void (*)(void))Ring_recover, METH_NOARGS,
     "recover(): MPMC crash recovery on demand (shmpc_recover): how many slots left claimed by dead peers were "
     "handed on; SHMPC_EPEERDEAD if none and the other side has no live peer."},
    {"close", (PyCFunction)(void (*)(void))Ring_close, METH_NOARGS,
     "close(): ends the stream for this handle's role (see shmpc_close). Closing twice does nothing."},
    {"stat", (PyCFunction)(void (*)(void))Ring_stat, METH_NOARGS, "stat(): shmpc_stat as a dict."},
    {"fileno", (PyCFunction)(void (*)(void))Ring_fileno, METH_NOARGS,
     "fileno(): a descriptor for select/selectors/asyncio, readable when this handle's call may proceed "
     "(shmpc_fd); armed at once, re-armed by arm()."},
    {"arm", (PyCFunction)(void (*)(void))Ring_arm, METH_NOARGS,
     "arm(): after try_pop() gave None (try_push() False), arms fileno() again (shmpc_arm); readable at "
     "once if the ring moved meanwhile."},
    {"peers", (PyCFunction)(void (*)(void))Ring_peers, METH_NOARGS, "peers(): the registered peers, a list of dicts (pid, role, start, alive)."},
    {"_create", (PyCFunction)(void (*)(void))Ring_attach_create, METH_VARARGS, NULL},
    {"_create_sysv", (PyCFunction)(void (*)(void))Ring_attach_create_sysv, METH_VARARGS, NULL},
    {"_attach", (PyCFunction)(void (*)(void))Ring_attach_open, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyMemberDef Ring_members[] = {
    {"role", T_INT, offsetof(RingObject, role), READONLY, "PRODUCER, CONSUMER or OBSERVER"},
    {"capacity", T_UINT, offsetof(RingObject, capacity), READONLY, "slots"},
    {"slot_size", T_UINT, offsetof(RingObject, slot_size), READONLY, "largest message, bytes"},
    {"mode", T_UINT, offsetof(RingObject, mode), READONLY, "SPSC or MPMC"},
    {"what", T_OBJECT, offsetof(RingObject, what), READONLY, "the name or key:0x... of the ring"},
    {NULL, 0, 0, 0, NULL}
};

static PyGetSetDef Ring_getset[] = {
    {"_open", (getter)Ring_get_open, (setter)Ring_set_open, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject RingType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_shmpc.Ring",
    .tp_basicsize = sizeof(RingObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A handle on a ring (the C half of shmpc.Ring).",
    .tp_new = Ring_new,
    .tp_dealloc = (destructor)Ring_dealloc,
    .tp_methods = Ring_methods,
    .tp_members = Ring_members,
    .tp_getset = Ring_getset,
};

/* ---- module ------------------------------------------------------------------------------------- */

static PyObject *mod_strerror(PyObject *Py_UNUSED(m), PyObject *arg) {
    int code;
    if (!PyArg_Parse(arg, "i:strerror", &code)) return NULL;
    return PyUnicode_FromString(shmpc_strerror(code));
}

static PyObject *mod_footprint(PyObject *Py_UNUSED(m), PyObject *args) {
    unsigned int capacity, slot_size;
    if (!PyArg_ParseTuple(args, "II:footprint", &capacity, &slot_size)) return NULL;
    return PyLong_FromSize_t(shmpc_footprint(capacity, slot_size));
}

/* unlink(context, name: bytes or None, key) */
static PyObject *mod_unlink(PyObject *Py_UNUSED(m), PyObject *args) {
    PyObject *context, *name;
    long key;
    int rc, err;
    if (!PyArg_ParseTuple(args, "UOl:unlink", &context, &name, &key)) return NULL;
    if (name != Py_None && !PyBytes_Check(name)) return PyErr_Format(PyExc_TypeError, "name must be bytes");
    errno = 0;
    rc = name != Py_None ? shmpc_unlink(PyBytes_AS_STRING(name)) : shmpc_unlink_sysv(key);
    err = errno;
    if (rc < 0) return raise_obj(rc, context, err);
    Py_RETURN_NONE;
}

static PyObject *mod_set_error_factory(PyObject *Py_UNUSED(m), PyObject *f) {
    Py_INCREF(f);
    Py_XSETREF(error_factory, f);
    Py_RETURN_NONE;
}

static PyMethodDef mod_methods[] = {
    {"strerror", (PyCFunction)(void (*)(void))mod_strerror, METH_O, "strerror(code): the library's message for an error code."},
    {"footprint", (PyCFunction)(void (*)(void))mod_footprint, METH_VARARGS, "footprint(capacity, slot_size): bytes a ring occupies."},
    {"unlink", (PyCFunction)(void (*)(void))mod_unlink, METH_VARARGS, NULL},
    {"set_error_factory", (PyCFunction)(void (*)(void))mod_set_error_factory, METH_O,
     "set_error_factory(f): f(code, what, errno) returns the exception to raise."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_shmpc", "The C half of shmpc.py (see python/_shmpc.c).", -1, mod_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__shmpc(void);
PyMODINIT_FUNC PyInit__shmpc(void) {
    PyObject *m;
    if (PyType_Ready(&RingType) < 0 || PyType_Ready(&SlotType) < 0 || !(m = PyModule_Create(&module))) return NULL;
    Py_INCREF(&RingType);
    Py_INCREF(&SlotType);
    if (PyModule_AddObject(m, "Ring", (PyObject *)&RingType) < 0 || PyModule_AddObject(m, "Slot", (PyObject *)&SlotType) < 0 ||
        PyModule_AddIntConstant(m, "ABI", EXT_ABI) < 0) {
        Py_DECREF(&RingType);
        Py_DECREF(&SlotType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
