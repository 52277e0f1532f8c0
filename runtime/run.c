/* run: the process-level pieces of a bpftrace run and the one-shot flow.
 * The -c child, signals through a signalfd, and load -> attach -> BEGIN ->
 * loop -> detach -> END -> maps, leaving nothing in the kernel on any path. */
#define _GNU_SOURCE  /* pipe2, strchrnul */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "rt_priv.h"

#define NOTIFY_ENV "__BPFTRACE_NOTIFY_PROBES_ATTACHED"

static int run_watch(struct rt *rt, int fd, enum rt_ep_tag tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(rt->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int run_pidfd(pid_t pid)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

static bool run_is_exec(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* A bare name is looked up in PATH; the first executable match wins. */
static char *run_find_exec(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char buf[4096];

	if (strchr(name, '/'))
		return run_is_exec(name) ? strdup(name) : NULL;
	if (!*name)
		return NULL;
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; p; p = *end ? end + 1 : NULL) {
		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), end > p ? p : ".", name);
		if (run_is_exec(buf))
			return strdup(buf);
	}
	return NULL;
}

/* bpftrace 0.17 splits -c on every single space, keeping empty words. */
static char **run_split(const char *cmd)
{
	size_t n = 1, i;
	const char *p;
	char **argv, *copy, *s;

	for (p = cmd; *p; p++)
		n += *p == ' ';
	argv = calloc(n + 1, sizeof(*argv));
	copy = strdup(cmd);
	if (!argv || !copy) {
		free(argv);
		free(copy);
		return NULL;
	}
	for (i = 0, s = copy; i < n; i++) {
		argv[i] = s;
		s = strchrnul(s, ' ');
		if (*s)
			*s++ = '\0';
	}
	return argv;
}

static void run_free_argv(char **argv)
{
	if (argv)
		free(argv[0]);
	free(argv);
}

/* The child waits on go[0] for one byte (EOF: we gave up, so it quits) and
 * reports a failed execv through err[1], which exec closes on success. */
static void run_child_main(const char *path, char **argv, int go, int errfd, pid_t parent)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGPIPE };
	sigset_t none;
	char c;
	int e;
	size_t i;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	/* a SIGKILLed bpfdeck cannot SIGTERM its -c child as its exit path does: the
	 * kernel does it (this survives execv); a parent already gone means quit */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		_exit(1);
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	if (c != 'g')
		_exit(1);
	execv(path, argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

pid_t rt_spawn_child(struct rt *rt, const char *cmd)
{
	int go[2] = { -1, -1 }, ep[2] = { -1, -1 }, err;
	char **argv = NULL, *path = NULL;
	pid_t pid, self;

	argv = run_split(cmd);
	if (!argv)
		return rt_fail(rt, -ENOMEM, "Failed to fork child: out of memory");
	path = run_find_exec(argv[0]);
	if (!path) {
		err = rt_fail(rt, -ENOENT,
			      "Failed to fork child: path '%s' does not exist or is not executable",
			      argv[0]);
		goto cleanup;
	}
	if (pipe2(go, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
		err = rt_fail(rt, -errno, "Failed to fork child: pipe: %s", strerror(errno));
		goto cleanup;
	}
	fflush(NULL);
	self = getpid();
	pid = fork();
	if (pid < 0) {
		err = rt_fail(rt, -errno, "Failed to fork child: %s", strerror(errno));
		goto cleanup;
	}
	if (pid == 0)
		run_child_main(path, argv, go[0], ep[1], self);
	rt->child_pid = pid;
	rt->child_go_fd = go[1];
	rt->child_err_fd = ep[0];
	go[1] = ep[0] = -1;
	rt->child_pidfd = run_pidfd(pid);
	err = rt->child_pidfd < 0 ? rt->child_pidfd : run_watch(rt, rt->child_pidfd, RT_EP_CHILD);
	if (err) {
		rt_fail(rt, err, "Failed to fork child: pidfd: %s", strerror(-err));
		goto cleanup;
	}
	err = pid;

cleanup:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	free(path);
	run_free_argv(argv);
	return err;
}

int rt_child_release(struct rt *rt)
{
	int e = 0, err = 0;
	ssize_t r;

	if (rt->child_go_fd < 0)
		return 0;
	if (write(rt->child_go_fd, "g", 1) != 1)
		err = rt_fail(rt, -errno, "Failed to run child: %s", strerror(errno));
	close(rt->child_go_fd);
	rt->child_go_fd = -1;
	/* Returns at exec (EOF) or with the errno of a failed exec. */
	while (!err && (r = read(rt->child_err_fd, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (!err && e)
		err = rt_fail(rt, -e, "Failed to run child: %s", strerror(e));
	close(rt->child_err_fd);
	rt->child_err_fd = -1;
	return err;
}

static void run_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
}

int rt_signals_hold(void)
{
	sigset_t set;

	run_stop_signals(&set);
	return pthread_sigmask(SIG_BLOCK, &set, NULL) ? -EINVAL : 0;
}

int rt_signals_release(void)
{
	sigset_t set;

	run_stop_signals(&set);
	return pthread_sigmask(SIG_UNBLOCK, &set, NULL) ? -EINVAL : 0;
}

int rt_signals_catch(struct rt *rt)
{
	sigset_t set;
	int err;

	if (rt->sig_fd >= 0)
		return 0;
	/* Blocked for good: a signal arriving while we are busy waits in the fd. */
	if (rt_signals_hold())
		return rt_fail(rt, -EINVAL, "signals: cannot block");
	run_stop_signals(&set);
	rt->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (rt->sig_fd < 0)
		return rt_fail(rt, -errno, "signals: signalfd: %s", strerror(errno));
	err = run_watch(rt, rt->sig_fd, RT_EP_SIGNAL);
	return err ? rt_fail(rt, err, "signals: epoll: %s", strerror(-err)) : 0;
}

/* -p: stop when the traced process exits, as bpftrace does. */
static void run_watch_target(struct rt *rt)
{
	int fd;

	if (rt->s->cfg.target_pid <= 0 || rt->target_pidfd >= 0)
		return;
	fd = run_pidfd(rt->s->cfg.target_pid);
	if (fd < 0)
		return;
	if (run_watch(rt, fd, RT_EP_TARGET)) {
		close(fd);
		return;
	}
	rt->target_pidfd = fd;
}

static int run_load(struct rt *rt, struct clause_obj **objs, struct rt_clause **cs, int n)
{
	bool rejected = false, sys, tp;
	char *log = NULL;
	int i, err = 0;

	for (i = 0; i < n && !err; i++) {
		err = rt_clause_load(rt, objs[i], &cs[i], &log);
		if (log && rt->opts.verbose) {
			fputs(log, stderr);
			fflush(stderr);
		}
		rejected = err && log;
		free(log);
		log = NULL;
	}
	/* keep script order on a shared tracepoint: perf events for all its programs
	 * (each round turns one more kind off, so this ends) */
	while (!err && (sys = sysraw_mixed(cs, n)) | (tp = tpraw_mixed(cs, n))) {
		rt->sysraw_off |= sys;
		rt->tpraw_off |= tp;
		for (i = 0; i < n && !err; i++) {
			rt_clause_free(rt, cs[i]);
			cs[i] = NULL;
			err = rt_clause_load(rt, objs[i], &cs[i], &log);
			rejected = err && log;
			free(log);
			log = NULL;
		}
	}
	if (err && rt->err_located)
		rt_msg(rt, MSG_INFO, "%s", rt_strerror(rt));
	else if (err)
		rt_msg(rt, MSG_ERROR, "%s%s", rt_strerror(rt),
		       rejected && !rt->opts.verbose ? " (try -v for the verifier log)" : "");
	return err;
}

static int run_trigger(struct rt *rt, struct rt_clause **cs, int n, enum probe_kind kind)
{
	int i, err;

	for (i = 0; i < n; i++) {
		err = rt_clause_trigger(rt, cs[i], kind);
		if (err) {
			rt_msg(rt, MSG_ERROR, "%s", rt_strerror(rt));
			return err;
		}
	}
	return 0;
}

/* Probes that run when asked (iter) run once after BEGIN; their records are
 * printed and the run ends, as bpftrace ends after iterating. */
static int run_on_demand(struct rt *rt, struct rt_clause **cs, int n)
{
	char why[256] = "";
	bool ran = false;
	int i, j, r = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < cs[i]->links.n; j++) {
			const struct rt_link *l = &cs[i]->links.v[j];

			if (!l->run_ops || !l->run_ops->run)
				continue;
			r = l->run_ops->run(l, why, sizeof(why));
			if (r < 0)
				return rt_fail(rt, r, "Error running iterator: %s", why);
			ran = true;
			while ((r = events_consume(rt)) == 1 && !rt->stop)
				;
			if (r < 0)
				return r;
		}
	}
	if (ran)
		rt_request_stop(rt, RT_STOP_EXIT);
	return 0;
}

/* exit() in a probe ends the run, but bpftrace 0.17 notices it only at the end of
 * a poll round, and its probes go on counting until then: a burst that raced the
 * exit() (a uretprobe in a short loop: corpus intcast."Sum casted retval") is in
 * its maps. We notice within microseconds, so leave the probes attached this long
 * before detaching, dropping what they print meanwhile. */
#define RUN_EXIT_SETTLE_MS 10

static void run_exit_settle(struct rt *rt)
{
	/* drained every millisecond so a fast producer does not fill the buffer and
	 * count as lost events */
	for (int ms = 0; ms < RUN_EXIT_SETTLE_MS; ms++) {
		rt_drain(rt, false);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000L }, NULL);
	}
	rt_drain(rt, false);
}

int rt_run_oneshot(struct rt *rt, struct clause_obj **objs, int n)
{
	struct rt_clause **cs;
	uint64_t lost;
	int i, r, nprobes = 0, ret = RT_EXIT_FAILURE;
	bool attached = false, on_demand = false;

	cs = calloc(n ? n : 1, sizeof(*cs));
	if (!cs) {
		rt_msg(rt, MSG_ERROR, "out of memory");
		return RT_EXIT_FAILURE;
	}
	if (rt_signals_catch(rt) || rt_maps_sync(rt)) {
		rt_msg(rt, MSG_ERROR, "%s", rt_strerror(rt));
		goto cleanup;
	}
	run_watch_target(rt);
	/* announced before loading, as bpftrace 0.17 does: a program the verifier
	 * refuses is reported after this line */
	for (i = 0; i < n; i++)
		nprobes += clause_obj_nprobes(objs[i]);
	if (!rt->opts.quiet_attach && rt->o->ops->attached)
		rt->o->ops->attached(rt->o, nprobes);
	if (rt->o->ops->flush)
		rt->o->ops->flush(rt->o);
	if (run_load(rt, objs, cs, n))
		goto cleanup;
	/* BEGIN runs before the other probes attach, as in bpftrace 0.17, so no
	 * interval or tracepoint can fire ahead of it. */
	if (run_trigger(rt, cs, n, PK_BEGIN))
		goto cleanup;
	/* BEGIN ran in this thread: its records are there without waiting for epoll. */
	r = events_consume(rt);
	if (rt->o->ops->flush)
		rt->o->ops->flush(rt->o);       /* printed before the loop sleeps */
	if (!rt->stop && rt_attach_all(rt, cs, n)) {
		rt_msg(rt, MSG_ERROR, "%s", rt_strerror(rt));
		goto cleanup;
	}
	attached = true;
	/* a BEGIN that called exit() ends the run before anything attaches: no notice,
	 * as with bpftrace */
	if (!rt->stop && getenv(NOTIFY_ENV)) {
		/* stderr, as bpftrace: stdout may be piped into a JSON reader */
		fprintf(stderr, "%s\n", NOTIFY_ENV);
	}
	if (rt_child_release(rt)) {
		rt_msg(rt, MSG_ERROR, "%s", rt_strerror(rt));
		goto cleanup;
	}
	if (r >= 0 && !rt->stop) {
		r = run_on_demand(rt, cs, n);
		on_demand = rt->stop != RT_RUNNING;
	}
	while (r >= 0 && !rt->stop)
		r = rt_poll(rt, -1);
	if (r < 0)
		rt_msg(rt, MSG_ERROR, "%s", rt_strerror(rt));
	else if (rt->stop == RT_STOP_EXIT && !on_demand)
		run_exit_settle(rt);
	if (rt->child_pid > 0 && !rt->child_reaped)
		kill(rt->child_pid, SIGTERM);
	rt_detach_all(rt, cs, n);
	attached = false;
	/* After exit() nothing more is printed but END's output. */
	rt_drain(rt, rt->stop != RT_STOP_EXIT);
	if (run_trigger(rt, cs, n, PK_END))
		goto cleanup;
	rt_drain(rt, true);
	lost = rt_lost_events(rt);
	if (lost && rt->o->ops->lost_events)
		rt->o->ops->lost_events(rt->o, lost);
	rt_print_maps(rt, true);
	ret = 0;

cleanup:
	if (attached)
		rt_detach_all(rt, cs, n);
	for (i = 0; i < n; i++)
		rt_clause_free(rt, cs[i]);
	free(cs);
	if (rt->o->ops->flush)
		rt->o->ops->flush(rt->o);
	return ret;
}
