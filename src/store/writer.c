/*
 * writer.c: the group-commit writer of the store.
 *
 * Owns:   the write queue, revision minting, precondition checks, applying committed
 *         batches to the index and the event ring.
 * Not:    the durable format (backend ops), watcher cursors (watch.c).
 * Model:  API threads queue a daas_store__op (on their stack) and sleep on its condition
 *         variable. The writer takes everything queued (up to DAAS_STORE__BATCH_MAX), checks
 *         each op against memory plus the earlier ops of the same batch, mints consecutive
 *         revisions for the ops that pass, commits them in ONE backend transaction (one
 *         fsync for the whole batch), renders, applies them under st->lock, notifies
 *         watchers and wakes every waiter with its own result. While it fsyncs, new ops
 *         pile up and form the next batch, so throughput grows with concurrency.
 * Invariants:
 *   - nothing of a batch is visible before its commit returned; a failed commit changes
 *     nothing in memory and fails every op of the batch with DAAS_EIO (revisions are not
 *     consumed: nothing was made durable);
 *   - an op failing its precondition gets its own error and does not affect the others;
 *   - after an op is marked done the writer never touches it again (it is on the waiter's
 *     stack).
 * Spec:   ARCHITECTURE.md §4; specs/kube-api.md §9.2.
 */
#include "store/store_int.h"

#include <string.h>

#include "common/log.h"

/* Scratch memory of one batch; owned by the writer thread. */
typedef struct batch {
    daas_store__op *ops[DAAS_STORE__BATCH_MAX];
    size_t n;
    daas_store__row rows[DAAS_STORE__BATCH_MAX];
    size_t nrows;
    const char *keys[DAAS_STORE__BATCH_MAX];
    size_t klens[DAAS_STORE__BATCH_MAX];
} batch;

/* The state of a key as the op sees it: memory plus earlier ops of its batch. */
typedef struct cur_state {
    bool exists;
    int64_t mod_rev;
    int64_t create_rev;
    daas_blob *val; /* borrowed */
} cur_state;

/* Queues op; false when the store is stopping (op->rc = DAAS_ECLOSED, nothing queued). */
static bool enqueue(daas_store *st, daas_store__op *op)
{
    op->done = false;
    op->next = NULL;
    if (st->stopping) {
        op->rc = DAAS_ECLOSED;
        return false;
    }
    if (st->qtail)
        st->qtail->next = op;
    else
        st->qhead = op;
    st->qtail = op;
    pthread_cond_signal(&st->qcond);
    return true;
}

int daas_store__submit(daas_store *st, daas_store__op *op)
{
    if (st->etcd)
        return daas_store__etcd_run(st, op);
    pthread_cond_init(&op->cond, NULL);
    pthread_mutex_lock(&st->qmu);
    if (!enqueue(st, op)) {
        pthread_mutex_unlock(&st->qmu);
        pthread_cond_destroy(&op->cond);
        return op->rc;
    }
    while (!op->done)
        pthread_cond_wait(&op->cond, &st->qmu);
    pthread_mutex_unlock(&st->qmu);
    pthread_cond_destroy(&op->cond);
    return op->rc;
}

/* Waits for ops; fills b. Returns false when stopping and the queue is drained. */
static bool take_batch(daas_store *st, batch *b)
{
    b->n = 0;
    pthread_mutex_lock(&st->qmu);
    while (!st->qhead && !st->stopping)
        pthread_cond_wait(&st->qcond, &st->qmu);
    while (st->qhead && b->n < DAAS_STORE__BATCH_MAX) {
        daas_store__op *op = st->qhead;
        st->qhead = op->next;
        op->next = NULL;
        b->ops[b->n++] = op;
    }
    if (!st->qhead)
        st->qtail = NULL;
    pthread_mutex_unlock(&st->qmu);
    return b->n > 0;
}

static bool same_key(const daas_store__op *a, const daas_store__op *b)
{
    return a->hash == b->hash && a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

/* Reads the index without st->lock: only this thread changes it. */
static void current_state(daas_store *st, const batch *b, size_t k, cur_state *cur)
{
    const daas_store__op *op = b->ops[k];
    for (size_t j = k; j-- > 0;) {
        const daas_store__op *o = b->ops[j];
        if (o->rc != DAAS_OK || !same_key(o, op))
            continue;
        cur->exists = o->kind != DAAS_STORE__OP_DELETE;
        cur->mod_rev = o->rev;
        cur->create_rev = o->create_rev;
        cur->val = o->val;
        return;
    }
    const daas_store__ent *e = daas_store__index_find(&st->idx, op->key, op->klen, op->hash);
    memset(cur, 0, sizeof *cur);
    if (!e)
        return;
    cur->exists = true;
    cur->mod_rev = e->mod_rev;
    cur->create_rev = e->create_rev;
    cur->val = e->val;
}

static int check_op(daas_store__op *op, const cur_state *cur)
{
    if (op->kind == DAAS_STORE__OP_CREATE)
        return cur->exists ? DAAS_EEXIST : DAAS_OK;
    if (!cur->exists)
        return DAAS_ENOTFOUND;
    if (op->expect_rev != 0 && op->expect_rev != cur->mod_rev) {
        op->rev = cur->mod_rev;
        return DAAS_ECONFLICT;
    }
    return DAAS_OK;
}

static void add_row(batch *b, const daas_store__op *op)
{
    daas_store__row *r = &b->rows[b->nrows++];
    memset(r, 0, sizeof *r);
    r->rev = op->rev;
    r->key = op->key;
    r->klen = op->klen;
    r->created = op->kind == DAAS_STORE__OP_CREATE;
    r->deleted = op->kind == DAAS_STORE__OP_DELETE;
    r->create_rev = op->create_rev;
    r->prev_rev = op->prev_rev;
    if (!r->deleted)
        r->val = DAAS_BYTES(op->val->data, op->val->len);
}

/* Checks every op and mints revisions for those that pass; builds the backend rows. */
static void prepare_batch(daas_store *st, batch *b)
{
    int64_t next = st->rev;
    b->nrows = 0;
    for (size_t k = 0; k < b->n; k++) {
        daas_store__op *op = b->ops[k];
        cur_state cur;
        current_state(st, b, k, &cur);
        op->rc = check_op(op, &cur);
        if (op->rc != DAAS_OK)
            continue;
        op->rev = ++next;
        op->prev_rev = cur.mod_rev;
        op->create_rev = op->kind == DAAS_STORE__OP_CREATE ? op->rev : cur.create_rev;
        if (op->kind == DAAS_STORE__OP_CREATE)
            op->prev_rev = 0;
        if (op->kind == DAAS_STORE__OP_DELETE)
            op->val = daas_blob_ref(cur.val); /* the deleted value, for the event */
        add_row(b, op);
    }
}

static void fail_batch(batch *b)
{
    for (size_t k = 0; k < b->n; k++) {
        daas_store__op *op = b->ops[k];
        if (op->rc != DAAS_OK)
            continue;
        op->rc = DAAS_EIO;
        op->rev = 0;
    }
}

static void render_batch(daas_store *st, batch *b)
{
    if (!st->opts.render)
        return;
    for (size_t k = 0; k < b->n; k++) {
        daas_store__op *op = b->ops[k];
        if (op->rc == DAAS_OK)
            op->obj =
                st->opts.render(st->opts.render_arg, op->key, op->val, op->rev, op->create_rev);
    }
}

void daas_store__apply_locked(daas_store *st, const char *key, size_t klen, uint64_t hash, int type,
                              daas_blob *val, daas_blob *obj, int64_t rev, int64_t create_rev)
{
    daas_store__ev ev;
    memset(&ev, 0, sizeof ev);
    daas_store__ent *e = daas_store__index_find(&st->idx, key, klen, hash);
    if (e) {
        ev.key = daas_blob_ref(e->key);
        ev.pval = daas_blob_ref(e->val);
        ev.pobj = daas_blob_ref(e->obj);
        ev.pmod_rev = e->mod_rev;
        ev.pcreate_rev = e->create_rev;
    } else {
        ev.key = daas_blob_new(key, klen);
        e = daas_store__ent_new(daas_blob_ref(ev.key), hash);
        daas_store__index_insert(&st->idx, e);
    }
    ev.type = type;
    ev.rev = rev;
    ev.create_rev = create_rev;
    ev.val = daas_blob_ref(val);
    ev.obj = daas_blob_ref(obj);
    if (type == DAAS_STORE_DELETE) {
        daas_store__index_remove(&st->idx, e);
        daas_store__ent_free(&e);
    } else {
        daas_blob_unref(&e->val);
        daas_blob_unref(&e->obj);
        e->val = daas_blob_ref(val);
        e->obj = daas_blob_ref(obj);
        e->mod_rev = rev;
        e->create_rev = create_rev;
    }
    daas_store__ring_push(&st->ring, &ev);
    st->rev = rev;
}

static void apply_batch(daas_store *st, batch *b)
{
    pthread_rwlock_wrlock(&st->lock);
    for (size_t k = 0; k < b->n; k++)
        if (b->ops[k]->rc == DAAS_OK) {
            daas_store__op *op = b->ops[k];
            int type = op->kind == DAAS_STORE__OP_DELETE ? DAAS_STORE_DELETE : DAAS_STORE_PUT;
            daas_store__apply_locked(st, op->key, op->klen, op->hash, type, op->val, op->obj,
                                     op->rev, op->create_rev);
        }
    pthread_rwlock_unlock(&st->lock);
}

static void notify_batch(daas_store *st, batch *b)
{
    size_t n = 0;
    for (size_t k = 0; k < b->n; k++) {
        if (b->ops[k]->rc != DAAS_OK)
            continue;
        b->keys[n] = b->ops[k]->key;
        b->klens[n++] = b->ops[k]->klen;
    }
    if (n > 0)
        daas_store__notify(st, b->keys, b->klens, n, false);
}

static void wake_batch(daas_store *st, batch *b)
{
    size_t nasync = 0;
    pthread_mutex_lock(&st->qmu);
    for (size_t k = 0; k < b->n; k++) {
        daas_store__op *op = b->ops[k];
        if (op->async) {
            b->ops[nasync++] = op; /* compacts in place: k >= nasync */
            continue;
        }
        /* After this signal the waiter may return and its op (on its stack) is gone: the
         * loop below must only touch async ops, collected before the unlock. */
        op->done = true;
        pthread_cond_signal(&op->cond);
    }
    pthread_mutex_unlock(&st->qmu);
    /* Async completions run outside the queue lock: they post work to other threads. */
    for (size_t k = 0; k < nasync; k++)
        daas_store__finish_async(b->ops[k]);
    b->n = 0;
}

static void run_batch(daas_store *st, batch *b)
{
    daas_err cerr = {0};
    prepare_batch(st, b);
    atomic_fetch_add_explicit(&st->n_ops, b->n, memory_order_relaxed);
    if (b->nrows > 0) {
        int rc = st->ops->commit(st->be, b->rows, b->nrows, &cerr);
        if (rc != DAAS_OK) {
            daas_log(DAAS_LOG_ERROR, "store", "commit of %zu writes failed: %s", b->nrows,
                     cerr.msg);
            atomic_fetch_add_explicit(&st->n_failed, 1, memory_order_relaxed);
            fail_batch(b);
            wake_batch(st, b);
            return;
        }
        atomic_fetch_add_explicit(&st->n_batches, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&st->n_writes, b->nrows, memory_order_relaxed);
    }
    render_batch(st, b);
    apply_batch(st, b);
    notify_batch(st, b);
    wake_batch(st, b);
}

void *daas_store__writer_main(void *arg)
{
    daas_store *st = arg;
    batch *b = daas_xmalloc(sizeof *b);
    while (take_batch(st, b))
        run_batch(st, b);
    daas_free(b);
    return NULL;
}

/* ---- the public write calls ---------------------------------------------------------- */

/* Validates key and value and prepares op (the value is copied into a blob here, on the
 * caller's thread, so the writer does no copying). */
static int op_init(daas_store *st, daas_store__op *op, int kind, const char *key,
                   const daas_bytes *val, int64_t expect_rev, daas_err *err)
{
    memset(op, 0, sizeof *op);
    int rc = daas_store__check_key(key, &op->klen, err);
    if (rc != DAAS_OK)
        return rc;
    if (expect_rev < 0)
        return daas_fail(err, DAAS_EINVAL, "store: negative revision");
    if (val && val->len > st->opts.max_value)
        return daas_fail(err, DAAS_ETOOBIG, "store: value of %zu bytes for %s exceeds %zu",
                         val->len, key, st->opts.max_value);
    if (val && val->len && !val->ptr)
        return daas_fail(err, DAAS_EINVAL, "store: value without bytes");
    op->kind = kind;
    op->key = key;
    op->hash = daas_store__hash(&st->idx, key, op->klen);
    op->expect_rev = expect_rev;
    if (val)
        op->val = daas_blob_new(val->len ? (const void *)val->ptr : "", val->len);
    return DAAS_OK;
}

/* Turns an op's result code into the caller's error. */
static int op_result(const daas_store__op *op, int64_t *rev_out, daas_err *err)
{
    switch (op->rc) {
    case DAAS_OK:
        if (rev_out)
            *rev_out = op->rev;
        return DAAS_OK;
    case DAAS_EEXIST:
        return daas_fail(err, op->rc, "%s already exists", op->key);
    case DAAS_ENOTFOUND:
        return daas_fail(err, op->rc, "%s not found", op->key);
    case DAAS_ECONFLICT:
        if (rev_out)
            *rev_out = op->rev;
        return daas_fail(err, op->rc, "%s is at revision %lld, not %lld", op->key,
                         (long long)op->rev, (long long)op->expect_rev);
    case DAAS_ECLOSED:
        return daas_fail(err, op->rc, "store is closed");
    default:
        if (op->err.code != DAAS_OK)
            return daas_fail(err, op->rc, "%s", op->err.msg);
        return daas_fail(err, op->rc, "store: write of %s failed (commit error)", op->key);
    }
}

static void op_fini(daas_store__op *op)
{
    daas_blob_unref(&op->val);
    daas_blob_unref(&op->obj);
}

int daas_store_create(daas_store *st, const char *key, daas_bytes val, int64_t *rev_out,
                      daas_err *err)
{
    daas_store__op op;
    int rc = op_init(st, &op, DAAS_STORE__OP_CREATE, key, &val, 0, err);
    if (rc == DAAS_OK) {
        (void)daas_store__submit(st, &op);
        rc = op_result(&op, rev_out, err);
    }
    op_fini(&op);
    return rc;
}

void daas_store__finish_async(daas_store__op *op)
{
    daas_err err = {0};
    int rc = op_result(op, NULL, &err);
    op->async(op->async_arg, rc, op->rev, &err);
    daas_free((char *)op->key);
    op_fini(op);
    daas_free(op);
}

int daas_store_create_async(daas_store *st, const char *key, daas_bytes val,
                            daas_store_done_fn done, void *arg, daas_err *err)
{
    daas_store__op *op = daas_xmalloc(sizeof *op);
    int rc = op_init(st, op, DAAS_STORE__OP_CREATE, key, &val, 0, err);
    if (rc != DAAS_OK) {
        op_fini(op);
        daas_free(op);
        return rc;
    }
    op->key = daas_xstrdup(key);
    op->async = done;
    op->async_arg = arg;
    bool queued;
    if (st->etcd) {
        queued = daas_store__etcd_queue(st, op) == DAAS_OK;
    } else {
        pthread_mutex_lock(&st->qmu);
        queued = enqueue(st, op);
        pthread_mutex_unlock(&st->qmu);
    }
    if (!queued) {
        rc = op_result(op, NULL, err);
        daas_free((char *)op->key);
        op_fini(op);
        daas_free(op);
    }
    return rc;
}

int daas_store_update(daas_store *st, const char *key, daas_bytes val, int64_t expect_rev,
                      int64_t *rev_out, daas_err *err)
{
    daas_store__op op;
    int rc = op_init(st, &op, DAAS_STORE__OP_UPDATE, key, &val, expect_rev, err);
    if (rc == DAAS_OK) {
        (void)daas_store__submit(st, &op);
        rc = op_result(&op, rev_out, err);
    }
    op_fini(&op);
    return rc;
}

int daas_store_delete(daas_store *st, const char *key, int64_t expect_rev, daas_kv *prev_out,
                      int64_t *rev_out, daas_err *err)
{
    daas_store__op op;
    if (prev_out)
        memset(prev_out, 0, sizeof *prev_out);
    int rc = op_init(st, &op, DAAS_STORE__OP_DELETE, key, NULL, expect_rev, err);
    if (rc == DAAS_OK) {
        (void)daas_store__submit(st, &op);
        rc = op_result(&op, rev_out, err);
    }
    if (rc == DAAS_OK && prev_out) {
        /* As the DELETE event carries it: the last value, at the delete's revision. */
        prev_out->key = daas_xstrdup(key);
        prev_out->val = op.val;
        prev_out->obj = op.obj;
        prev_out->mod_rev = op.rev;
        prev_out->create_rev = op.create_rev;
        op.val = op.obj = NULL;
    }
    op_fini(&op);
    return rc;
}
