/* The modem lab: serial modem-control lines for pseudo-terminals, loaded with LD_PRELOAD.
 *
 * A pty has no CTS, DCD, RI or DSR, and no DTR or RTS a UPS could see. This library
 * stands in for the port's lines in any process it is preloaded into (a real NUT driver,
 * or `nutrio run`): it wraps libc's ioctl and tcsendbreak, and for a descriptor open on
 * a device that has a state file in $NUTRIO_MODEM_DIR it serves the modem-control
 * requests from that file instead of the kernel. Every other call goes to libc.
 *
 * The state file of /dev/pts/5 is $NUTRIO_MODEM_DIR/_dev_pts_5, 4096 bytes of int32
 * words shared by mmap (tests/drivers/sim/modemlab.py makes, writes and reads it):
 *   [0] magic  [1] inputs the UPS drives (CTS, CAR, RNG, DSR)  [2] outputs the driver set
 *   [3] errno to fail every line request with (0: none)  [4] events recorded
 *   [5] line reads (TIOCMGET) served
 *   [8 + 2i], [9 + 2i]: event i, an operation and its value (see enum op)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#define STATE_SIZE 4096
#define MAGIC 0x4d4f444d /* "MDOM" */
#define FIRST_EVENT 8
#define MAX_EVENTS ((STATE_SIZE / 4 - FIRST_EVENT) / 2)
#define MAX_PORTS 64

enum word { W_MAGIC, W_INPUTS, W_OUTPUTS, W_FAIL, W_COUNT, W_READS };
enum op { OP_SET = 1, OP_BIS = 2, OP_BIC = 3, OP_BREAK = 4, OP_BREAK_ON = 5, OP_BREAK_OFF = 6 };
#define INPUTS (TIOCM_CTS | TIOCM_CAR | TIOCM_RNG | TIOCM_DSR)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct { char path[PATH_MAX]; int32_t *words; } ports[MAX_PORTS];
static int nports;

/* The state words of the device fd is open on, or NULL when it is none of ours. */
static int32_t *state_of(int fd)
{
	const char *dir = getenv("NUTRIO_MODEM_DIR");
	char link[64], path[PATH_MAX], file[PATH_MAX * 2];
	ssize_t len;
	int32_t *words = NULL;

	if (dir == NULL)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len <= 0)
		return NULL;
	path[len] = '\0';
	pthread_mutex_lock(&lock);
	for (int i = 0; i < nports && words == NULL; i++)
		if (strcmp(ports[i].path, path) == 0)
			words = ports[i].words;
	if (words == NULL && nports < MAX_PORTS) {
		snprintf(file, sizeof(file), "%s/%s", dir, path);
		for (char *c = file + strlen(dir) + 1; *c; c++)
			if (*c == '/')
				*c = '_';
		int sfd = open(file, O_RDWR | O_CLOEXEC);
		if (sfd >= 0) {
			void *map = mmap(NULL, STATE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
			close(sfd);
			if (map != MAP_FAILED && ((int32_t *)map)[W_MAGIC] == MAGIC) {
				words = map;
				snprintf(ports[nports].path, PATH_MAX, "%s", path);
				ports[nports++].words = words;
			}
		}
	}
	pthread_mutex_unlock(&lock);
	return words;
}

static void record(int32_t *w, int op, int value)
{
	int32_t i = __atomic_fetch_add(&w[W_COUNT], 1, __ATOMIC_SEQ_CST);

	if (i < (int32_t)MAX_EVENTS) {
		w[FIRST_EVENT + 2 * i] = op;
		w[FIRST_EVENT + 2 * i + 1] = value;
	}
}

/* One modem request on our port; returns what ioctl returns. */
static int serve(int32_t *w, unsigned long request, void *arg)
{
	int32_t fail = __atomic_load_n(&w[W_FAIL], __ATOMIC_SEQ_CST);
	int bits = (request == TCSBRK || request == TCSBRKP) ? (int)(intptr_t)arg
		: (request == TIOCSBRK || request == TIOCCBRK) ? 0 : *(int *)arg;

	if (fail != 0) {
		errno = fail;
		return -1;
	}
	switch (request) {
	case TIOCMGET:
		*(int *)arg = (w[W_INPUTS] & INPUTS) | (w[W_OUTPUTS] & ~INPUTS);
		__atomic_fetch_add(&w[W_READS], 1, __ATOMIC_SEQ_CST);
		return 0;
	case TIOCMSET:
		w[W_OUTPUTS] = bits & ~INPUTS;
		record(w, OP_SET, bits);
		return 0;
	case TIOCMBIS:
		__atomic_fetch_or(&w[W_OUTPUTS], bits & ~INPUTS, __ATOMIC_SEQ_CST);
		record(w, OP_BIS, bits);
		return 0;
	case TIOCMBIC:
		__atomic_fetch_and(&w[W_OUTPUTS], ~bits, __ATOMIC_SEQ_CST);
		record(w, OP_BIC, bits);
		return 0;
	case TIOCSBRK:
		record(w, OP_BREAK_ON, 0);
		return 0;
	case TIOCCBRK:
		record(w, OP_BREAK_OFF, 0);
		return 0;
	default: /* TCSBRK, TCSBRKP */
		record(w, OP_BREAK, bits);
		return 0;
	}
}

static int is_modem_request(unsigned long request)
{
	return request == TIOCMGET || request == TIOCMSET || request == TIOCMBIS
		|| request == TIOCMBIC || request == TIOCSBRK || request == TIOCCBRK
		|| request == TCSBRK || request == TCSBRKP;
}

__attribute__((visibility("default"))) int ioctl(int fd, unsigned long request, ...)
{
	static int (*real_ioctl)(int, unsigned long, void *);
	va_list ap;
	void *arg;
	int32_t *w;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (is_modem_request(request) && (w = state_of(fd)) != NULL)
		return serve(w, request, arg);
	if (real_ioctl == NULL)
		real_ioctl = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
	return real_ioctl(fd, request, arg);
}

/* glibc's tcsendbreak calls its own ioctl, out of reach of the wrapper above. */
__attribute__((visibility("default"))) int tcsendbreak(int fd, int duration)
{
	static int (*real_break)(int, int);
	int32_t *w = state_of(fd);

	if (w != NULL) {
		int32_t fail = __atomic_load_n(&w[W_FAIL], __ATOMIC_SEQ_CST);
		if (fail != 0) {
			errno = fail;
			return -1;
		}
		record(w, OP_BREAK, duration);
		return 0;
	}
	if (real_break == NULL)
		real_break = (int (*)(int, int))dlsym(RTLD_NEXT, "tcsendbreak");
	return real_break(fd, duration);
}
