/*
 * sched_test - unit tests of qmail-send's scheduler (sched.c) with a fake
 * clock and fake queue files: deliveries started within the concurrency,
 * success, deferral on qmail's retry schedule, failure into a bounce,
 * the queue lifetime, ALRM, TERM, and the failures of the outside world
 * (an unreadable file, a bounce that cannot be written or sent, a mark
 * that does not stick).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "sched.h"
#include "sendq.h"

#define MSGS	8
#define T0	1000000		/* the fake clock starts here */

/* The fake queue: per message and channel a recipient file. */
struct fmsg {
	unsigned long id;
	struct str recs[SCHED_CHANNELS];
	int	 exists[SCHED_CHANNELS];
	int	 open_fail;		/* job_open says -1 this many times */
	int	 bounced;		/* bounce paragraphs */
	int	 finished;
};

struct fake {
	struct fmsg m[MSGS];
	int	 bounce_add_fail;	/* this many bounce_add calls fail */
	int	 bounce_send_fail;	/* ... bounce_send calls */
	int	 mark_fail;		/* ... mark calls */
	int	 sent_bounces;
	int	 handles_open;
	struct str log;			/* one line per call of interest */
	struct str started;		/* "c:slot:id:recip\n" per start */
};

static struct fake F;

static struct fmsg *
fm(unsigned long id)
{
	int	 i;

	for (i = 0; i < MSGS; i++)
		if (F.m[i].id == id)
			return &F.m[i];
	fail_msg("no message %lu", id);
	return NULL;
}

static int
op_job_open(void *ctx, int c, unsigned long id, struct str *recs,
    struct str *sender, int *handle_r)
{
	struct fmsg *m = fm(id);

	(void)ctx;
	if (m->open_fail > 0) {
		m->open_fail--;
		return -1;
	}
	if (!m->exists[c])
		return 0;
	assert_int_equal(str_copyb(recs, m->recs[c].s, m->recs[c].len), 0);
	assert_int_equal(str_copys(sender, "s@x.example"), 0);
	*handle_r = (int)(id * 2 + (unsigned long)c);
	F.handles_open++;
	return 1;
}

static void
op_job_close(void *ctx, int handle)
{
	(void)ctx;
	(void)handle;
	F.handles_open--;
}

static int
op_mark(void *ctx, int handle, size_t pos)
{
	struct fmsg *m = fm((unsigned long)handle / 2);

	(void)ctx;
	if (F.mark_fail > 0) {
		F.mark_fail--;
		return -1;
	}
	m->recs[handle % 2].s[pos] = 'D';
	return 0;
}

static int
op_unlink_chan(void *ctx, int c, unsigned long id)
{
	(void)ctx;
	fm(id)->exists[c] = 0;
	return 0;
}

static int
op_start(void *ctx, int c, int slot, unsigned long id, const char *sender,
    const char *recip)
{
	(void)ctx;
	(void)sender;
	return str_printf(&F.started, "%d:%d:%lu:%s\n", c, slot, id, recip);
}

static int
op_bounce_add(void *ctx, unsigned long id, const char *recip,
    const char *report, size_t n, const char *extra)
{
	(void)ctx;
	(void)report;
	(void)n;
	if (F.bounce_add_fail > 0) {
		F.bounce_add_fail--;
		return -1;
	}
	fm(id)->bounced++;
	return str_printf(&F.log, "bounce %lu %s%s\n", id, recip,
	    extra != NULL ? " toolong" : "");
}

static int
op_bounce_send(void *ctx, unsigned long id)
{
	(void)ctx;
	if (F.bounce_send_fail > 0) {
		F.bounce_send_fail--;
		return 0;
	}
	if (fm(id)->bounced > 0) {
		F.sent_bounces++;
		fm(id)->bounced = 0;
	}
	return 1;
}

static void
op_finish(void *ctx, unsigned long id)
{
	(void)ctx;
	fm(id)->finished++;
	assert_int_equal(str_printf(&F.log, "finish %lu\n", id), 0);
}

static void
op_log(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static const struct sched_ops ops = {
	NULL, op_job_open, op_job_close, op_mark, op_unlink_chan, op_start,
	op_bounce_add, op_bounce_send, op_finish, op_log
};

/* Fake message id with local recipients rl (a NULL-ended list). */
static void
fake_msg(int i, unsigned long id, const char *const *rl)
{
	struct fmsg *m = &F.m[i];

	m->id = id;
	m->recs[0] = (struct str)STR_INIT(STR_UNBOUNDED);
	m->recs[1] = (struct str)STR_INIT(STR_UNBOUNDED);
	for (; *rl != NULL; rl++) {
		assert_int_equal(str_catc(&m->recs[0], 'T'), 0);
		assert_int_equal(str_cats(&m->recs[0], *rl), 0);
		assert_int_equal(str_catc(&m->recs[0], '\0'), 0);
	}
	m->exists[0] = 1;
}

static int
setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	F.log = (struct str)STR_INIT(STR_UNBOUNDED);
	F.started = (struct str)STR_INIT(STR_UNBOUNDED);
	return 0;
}

static int
teardown(void **state)
{
	int	 i;

	(void)state;
	for (i = 0; i < MSGS; i++) {
		str_free(&F.m[i].recs[0]);
		str_free(&F.m[i].recs[1]);
	}
	str_free(&F.log);
	str_free(&F.started);
	return 0;
}

/* A scheduler with local concurrency conc, no remote spawn. */
static void
start(struct sched *s, int conc, long lifetime)
{
	int	 up[2] = { 1, 0 }, cc[2] = { conc, 0 };

	assert_int_equal(sched_init(s, &ops, up, cc, lifetime), 0);
}

static void
add(struct sched *s, unsigned long id, time_t birth, time_t now)
{
	int	 has[2] = { 1, 0 };
	time_t	 next[2] = { now, now };

	sched_add(s, id, birth, has, next, now);
}

/* Count of lines in F.started. */
static int
nstarted(void)
{
	int	 n = 0;
	size_t	 i;

	for (i = 0; i < F.started.len; i++)
		n += F.started.s[i] == '\n';
	return n;
}

static void
test_success(void **state)
{
	static const char *const r[] = { "a@l", "b@l", NULL };
	struct sched s;

	(void)state;
	fake_msg(0, 17, r);
	start(&s, 1, 604800);
	add(&s, 17, T0, T0);
	assert_true(sched_known(&s, 17));
	assert_int_equal(sched_run(&s, T0), 0);
	/* Concurrency 1: one at a time, in file order. */
	assert_string_equal(F.started.s, "0:0:17:a@l\n");
	assert_false(sched_idle(&s));
	sched_report(&s, 0, 0, "Kdid 1+0+0\n", 11, T0);
	assert_int_equal(F.m[0].recs[0].s[0], 'D');
	assert_int_equal(sched_run(&s, T0), 0);
	assert_string_equal(F.started.s, "0:0:17:a@l\n0:0:17:b@l\n");
	sched_report(&s, 0, 0, "K", 1, T0 + 1);
	assert_int_equal(sched_run(&s, T0 + 1), 0);
	/* Every recipient done: the file goes, then the message. */
	assert_int_equal(F.m[0].exists[0], 0);
	assert_int_equal(F.m[0].finished, 1);
	assert_string_equal(F.log.s, "finish 17\n");
	assert_false(sched_known(&s, 17));
	assert_true(sched_idle(&s));
	assert_int_equal(F.handles_open, 0);
	assert_int_equal(sched_wake(&s, T0 + 1), T0 + 1 + 86400);
	sched_free(&s);
}

static void
test_deferral_schedule(void **state)
{
	static const char *const r[] = { "a@l", NULL };
	struct sched s;
	time_t	 t, due;
	int	 tries = 0;

	(void)state;
	fake_msg(0, 5, r);
	start(&s, 10, 604800);
	add(&s, 5, T0, T0);
	t = T0;
	/* qmail's schedule: birth + (floor(sqrt(age)) + 10)^2. */
	while (tries < 4) {
		assert_int_equal(sched_run(&s, t), 0);
		assert_int_equal(nstarted(), ++tries);
		t += 7;
		sched_report(&s, 0, 0, "Zlater\n", 7, t);
		/* First the look at the message (bounces) that a pass ends
		 * with; then nothing until the retry. */
		assert_int_equal(sched_wake(&s, t), t);
		assert_int_equal(sched_run(&s, t), 0);
		due = sendq_nextretry(T0, t, 10);
		assert_int_equal(sched_wake(&s, t), due);
		assert_int_equal(sched_run(&s, due - 1), 0);
		assert_int_equal(nstarted(), tries);	/* not yet */
		t = due;
	}
	assert_int_equal(F.m[0].exists[0], 1);
	assert_int_equal(F.m[0].finished, 0);
	/* ALRM: due now. */
	assert_int_equal(sched_run(&s, t), 0);
	sched_report(&s, 0, 0, "Z", 1, t);
	sched_retry_all(&s, t + 1);
	assert_int_equal(sched_run(&s, t + 1), 0);
	assert_int_equal(nstarted(), tries + 2);
	sched_report(&s, 0, 0, "K", 1, t + 1);
	assert_int_equal(sched_run(&s, t + 1), 0);
	assert_int_equal(F.m[0].finished, 1);
	sched_free(&s);
}

static void
test_failure_bounces(void **state)
{
	static const char *const r[] = { "a@l", "b@l", NULL };
	struct sched s;

	(void)state;
	fake_msg(0, 9, r);
	start(&s, 10, 604800);
	add(&s, 9, T0, T0);
	assert_int_equal(sched_run(&s, T0), 0);
	assert_int_equal(nstarted(), 2);
	sched_report(&s, 0, 1, "Dno such user\n", 14, T0);
	sched_report(&s, 0, 0, "K", 1, T0);
	assert_int_equal(sched_run(&s, T0), 0);
	assert_string_equal(F.log.s, "bounce 9 b@l\nfinish 9\n");
	assert_int_equal(F.sent_bounces, 1);
	sched_free(&s);
}

static void
test_lifetime(void **state)
{
	static const char *const r[] = { "a@l", NULL };
	struct sched s;

	(void)state;
	fake_msg(0, 3, r);
	start(&s, 10, 3600);
	add(&s, 3, T0, T0 + 3601);	/* queued an hour and a second ago */
	assert_int_equal(sched_run(&s, T0 + 3601), 0);
	sched_report(&s, 0, 0, "Zstill down\n", 12, T0 + 3601);
	assert_int_equal(sched_run(&s, T0 + 3601), 0);
	assert_string_equal(F.log.s, "bounce 3 a@l toolong\nfinish 3\n");
	sched_free(&s);
}

static void
test_concurrency(void **state)
{
	static const char *const r[] = { "a@l", "b@l", "c@l", NULL };
	struct sched s;
	int	 i;

	(void)state;
	for (i = 0; i < 3; i++)
		fake_msg(i, (unsigned long)(100 + i), r);
	start(&s, 2, 604800);
	for (i = 0; i < 3; i++)
		add(&s, (unsigned long)(100 + i), T0, T0);
	assert_int_equal(sched_run(&s, T0), 0);
	assert_int_equal(nstarted(), 2);
	/* Each report frees a slot for the next recipient; never more. */
	for (i = 0; i < 7; i++) {
		sched_report(&s, 0, i % 2, "K", 1, T0);
		assert_int_equal(sched_run(&s, T0), 0);
		assert_int_equal(nstarted(), i + 3);
	}
	sched_report(&s, 0, 1, "K", 1, T0);
	sched_report(&s, 0, 0, "K", 1, T0);
	assert_int_equal(sched_run(&s, T0), 0);
	assert_int_equal(nstarted(), 9);
	for (i = 0; i < 3; i++)
		assert_int_equal(F.m[i].finished, 1);
	/* A report for a free slot is ignored. */
	sched_report(&s, 0, 1, "K", 1, T0);
	sched_report(&s, 0, 7, "K", 1, T0);
	assert_true(sched_idle(&s));
	sched_free(&s);
}

static void
test_outside_failures(void **state)
{
	static const char *const r[] = { "a@l", NULL };
	struct sched s;

	(void)state;
	fake_msg(0, 4, r);
	start(&s, 10, 604800);
	/* An unreadable file: tried again after SENDQ_SLEEP_SYSFAIL. */
	F.m[0].open_fail = 1;
	add(&s, 4, T0, T0);
	assert_int_equal(sched_run(&s, T0), 0);
	assert_int_equal(nstarted(), 0);
	assert_int_equal(sched_wake(&s, T0), T0 + SENDQ_SLEEP_SYSFAIL);
	assert_int_equal(sched_run(&s, T0 + SENDQ_SLEEP_SYSFAIL), 0);
	assert_int_equal(nstarted(), 1);
	/* The bounce cannot be written: not marked, tried again. */
	F.bounce_add_fail = 1;
	sched_report(&s, 0, 0, "Dbad\n", 5, T0 + 200);
	assert_int_equal(F.m[0].recs[0].s[0], 'T');
	assert_int_equal(F.m[0].exists[0], 1);
	assert_int_equal(sched_run(&s, T0 + 200), 0);
	assert_int_equal(nstarted(), 1);
	assert_int_equal(sched_wake(&s, T0 + 200),
	    sendq_nextretry(T0, T0 + 200, 10));
	assert_int_equal(sched_run(&s, sched_wake(&s, T0 + 200)), 0);
	assert_int_equal(nstarted(), 2);
	/* The mark does not stick: delivered again later. */
	F.mark_fail = 1;
	sched_report(&s, 0, 0, "K", 1, T0 + 900);
	assert_int_equal(F.m[0].exists[0], 1);
	assert_int_equal(sched_run(&s, T0 + 900), 0);
	assert_int_equal(sched_run(&s, sched_wake(&s, T0 + 900)), 0);
	assert_int_equal(nstarted(), 3);
	/* Now it fails for good, and the bounce cannot be sent at first. */
	F.bounce_send_fail = 1;
	sched_report(&s, 0, 0, "Dbad\n", 5, T0 + 2000);
	assert_int_equal(sched_run(&s, T0 + 2000), 0);
	assert_int_equal(F.m[0].finished, 0);
	assert_int_equal(sched_wake(&s, T0 + 2000),
	    T0 + 2000 + SENDQ_SLEEP_SYSFAIL);
	assert_int_equal(sched_run(&s, T0 + 2000 + SENDQ_SLEEP_SYSFAIL), 0);
	assert_int_equal(F.m[0].finished, 1);
	assert_int_equal(F.sent_bounces, 1);
	sched_free(&s);
}

static void
test_exitasap(void **state)
{
	static const char *const r[] = { "a@l", "b@l", NULL };
	struct sched s;

	(void)state;
	fake_msg(0, 8, r);
	start(&s, 1, 604800);
	add(&s, 8, T0, T0);
	assert_int_equal(sched_run(&s, T0), 0);
	assert_int_equal(nstarted(), 1);
	sched_exitasap(&s);
	assert_false(sched_idle(&s));
	sched_report(&s, 0, 0, "K", 1, T0);
	assert_true(sched_idle(&s));
	assert_int_equal(sched_run(&s, T0), 0);
	assert_int_equal(nstarted(), 1);	/* nothing new */
	assert_int_equal(F.m[0].finished, 0);
	sched_free(&s);
	assert_int_equal(F.handles_open, 0);
}

/* A message that has no recipients at all, and one whose file is gone:
 * both are looked at once and removed. */
static void
test_nothing_to_do(void **state)
{
	static const char *const none[] = { NULL };
	struct sched s;
	int	 has[2] = { 0, 0 };
	time_t	 next[2] = { T0, T0 };

	(void)state;
	fake_msg(0, 1, none);
	fake_msg(1, 2, none);
	F.m[1].exists[0] = 0;
	start(&s, 10, 604800);
	sched_add(&s, 1, T0, has, next, T0);
	add(&s, 2, T0, T0);
	add(&s, 2, T0, T0);	/* known: ignored */
	assert_int_equal(sched_run(&s, T0), 0);
	assert_int_equal(nstarted(), 0);
	assert_int_equal(F.m[0].finished, 1);
	assert_int_equal(F.m[1].finished, 1);
	sched_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferral_schedule, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failure_bounces, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrency, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outside_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exitasap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_do, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
