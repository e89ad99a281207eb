/*
 * Modem lines for a pseudo-terminal, preloaded (LD_PRELOAD) into a real NUT driver.
 *
 * A pty has no modem lines: ioctl(TIOCMGET) fails there with ENOTTY, and NUT 2.8.0's
 * ser_get_dsr/ser_get_cts/ser_get_dcd ignore the failure and read an int nobody set
 * (safenet then stops with "Serial cable problem or nothing attached"). This library
 * answers a TIOCMGET that fails that way with the lines named in NUTRIO_MODEM_LINES
 * (a decimal TIOCM_* mask; DSR, CTS and CD when unset), as a cable to a live UPS would.
 * Every other call, and a TIOCMGET on a real serial port, goes to the C library.
 * TIOCMBIS/TIOCMBIC (DTR, RTS) still fail on a pty; NUT ignores their result.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

static int pretended_lines(void)
{
	const char *text = getenv("NUTRIO_MODEM_LINES");

	if (text == NULL || *text == '\0')
		return TIOCM_DSR | TIOCM_CTS | TIOCM_CAR;
	return atoi(text);
}

__attribute__((visibility("default")))
int ioctl(int fd, unsigned long request, ...)
{
	static ioctl_fn next;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (next == NULL)
		next = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	ret = next(fd, request, arg);
	if (ret == -1 && request == TIOCMGET && arg != NULL && (errno == ENOTTY || errno == EINVAL)) {
		*(int *)arg = pretended_lines();
		return 0;
	}
	return ret;
}
