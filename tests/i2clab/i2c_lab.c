/* i2c_lab.c: an LD_PRELOAD library that turns /dev/i2c-N into a simulated bus.
 *
 * Loaded into a process (LD_PRELOAD) with I2CLAB_SOCKET set, it answers open() of a
 * path starting with "/dev/i2c-" with a Unix socket connected to the test's simulator
 * (tests/i2clab/server.py), and forwards what Linux's i2c-dev takes on that file:
 * ioctl I2C_SLAVE, I2C_SLAVE_FORCE, I2C_FUNCS and I2C_SMBUS (the caller's
 * i2c_smbus_ioctl_data and data union travel both ways), plain read() and write().
 * Every other file and ioctl goes to the C library untouched.
 *
 * Wire: a request head (magic, op, read_write, command, size, arg, payload length) and
 * its payload; a reply head (result: >= 0, or -errno; payload length) and its payload.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define API __attribute__((visibility("default")))
#define MAGIC 0x49324331u /* "I2C1" */
#define MAX_FD 4096
#define PREFIX "/dev/i2c-"
#define DATA_SIZE 34 /* union i2c_smbus_data */

enum { OP_OPEN = 1, OP_SLAVE = 2, OP_SMBUS = 3, OP_READ = 4, OP_WRITE = 5, OP_FUNCS = 6 };
/* linux/i2c-dev.h */
#define I2C_SLAVE 0x0703
#define I2C_SLAVE_FORCE 0x0706
#define I2C_FUNCS 0x0705
#define I2C_SMBUS 0x0720
#define I2C_TIMEOUT 0x0702
#define I2C_RETRIES 0x0701

struct smbus_args { /* struct i2c_smbus_ioctl_data */
	uint8_t read_write;
	uint8_t command;
	uint32_t size;
	uint8_t *data;
};

struct __attribute__((packed)) request {
	uint32_t magic;
	uint8_t op, read_write, command, pad;
	uint32_t size, arg, len;
};

struct __attribute__((packed)) reply_head {
	int32_t result;
	uint32_t len;
};

static unsigned char fake[MAX_FD];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int is_fake(int fd) { return fd >= 0 && fd < MAX_FD && fake[fd]; }

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One request and its reply; the reply's payload (at most `room` bytes) lands in `in`.
 * Returns the simulator's result, or -EIO when the simulator is gone. */
static int call(int fd, struct request req, const void *out, void *in, size_t room)
{
	struct reply_head head;
	char spill[256];
	int result = -EIO;
	req.magic = MAGIC;
	pthread_mutex_lock(&lock);
	if (send_all(fd, &req, sizeof req) == 0 && (!req.len || send_all(fd, out, req.len) == 0)
	    && recv_all(fd, &head, sizeof head) == 0) {
		result = head.result;
		size_t keep = head.len < room ? head.len : room;
		if (keep && recv_all(fd, in, keep) < 0)
			result = -EIO;
		for (size_t left = head.len - keep; left && result != -EIO;) {
			size_t n = left < sizeof spill ? left : sizeof spill;
			if (recv_all(fd, spill, n) < 0)
				result = -EIO;
			left -= n;
		}
	}
	pthread_mutex_unlock(&lock);
	return result;
}

static int fail(int result)
{
	errno = -result;
	return -1;
}

static int open_fake(const char *path)
{
	const char *where = getenv("I2CLAB_SOCKET");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (!where || strlen(where) >= sizeof addr.sun_path)
		return fail(-ENOENT);
	strcpy(addr.sun_path, where);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (fd >= MAX_FD || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		close(fd);
		return fail(-ENOENT);
	}
	struct request req = { .op = OP_OPEN, .len = (uint32_t)strlen(path) };
	int result = call(fd, req, path, NULL, 0);
	if (result < 0) {
		close(fd);
		return fail(result);
	}
	fake[fd] = 1;
	return fd;
}

static int wants_fake(const char *path)
{
	return path && getenv("I2CLAB_SOCKET") && strncmp(path, PREFIX, strlen(PREFIX)) == 0;
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);

#define REAL(name, type) static type real_##name; \
	if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

static mode_t mode_of(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_WRAPPER(name) \
	API int name(const char *path, int flags, ...) \
	{ \
		va_list ap; va_start(ap, flags); mode_t mode = mode_of(flags, ap); va_end(ap); \
		if (wants_fake(path)) return open_fake(path); \
		REAL(name, open_fn); \
		return real_##name(path, flags, mode); \
	}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

#define OPENAT_WRAPPER(name) \
	API int name(int dirfd, const char *path, int flags, ...) \
	{ \
		va_list ap; va_start(ap, flags); mode_t mode = mode_of(flags, ap); va_end(ap); \
		if (wants_fake(path)) return open_fake(path); \
		REAL(name, openat_fn); \
		return real_##name(dirfd, path, flags, mode); \
	}
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

#define OPEN2_WRAPPER(name) \
	API int name(const char *path, int flags) \
	{ \
		if (wants_fake(path)) return open_fake(path); \
		REAL(name, open2_fn); \
		return real_##name(path, flags); \
	}
OPEN2_WRAPPER(__open_2)
OPEN2_WRAPPER(__open64_2)

API int close(int fd)
{
	REAL(close, close_fn);
	if (is_fake(fd))
		fake[fd] = 0;
	return real_close(fd);
}

static int slave(int fd, struct request req)
{
	int result = call(fd, req, NULL, NULL, 0);
	return result < 0 ? fail(result) : 0;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
	struct request req = { 0 };
	switch (request) {
	case I2C_SLAVE:
	case I2C_SLAVE_FORCE:
		req.op = OP_SLAVE;
		req.arg = (uint32_t)(uintptr_t)arg;
		req.size = request == I2C_SLAVE_FORCE;
		return slave(fd, req);
	case I2C_FUNCS: {
		uint32_t funcs = 0;
		req.op = OP_FUNCS;
		int result = call(fd, req, NULL, &funcs, sizeof funcs);
		if (result < 0)
			return fail(result);
		*(unsigned long *)arg = funcs;
		return 0;
	}
	case I2C_SMBUS: {
		struct smbus_args *args = arg;
		uint8_t empty[DATA_SIZE] = { 0 };
		req.op = OP_SMBUS;
		req.read_write = args->read_write;
		req.command = args->command;
		req.size = args->size;
		req.len = DATA_SIZE;
		int result = call(fd, req, args->data ? args->data : empty,
		                  args->data ? args->data : empty, DATA_SIZE);
		return result < 0 ? fail(result) : result;
	}
	case I2C_TIMEOUT:
	case I2C_RETRIES:
		return 0;
	}
	return fail(-ENOTTY);
}

API int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (is_fake(fd))
		return fake_ioctl(fd, request, arg);
	REAL(ioctl, ioctl_fn);
	return real_ioctl(fd, request, arg);
}

API ssize_t read(int fd, void *buf, size_t count)
{
	if (is_fake(fd)) {
		struct request req = { .op = OP_READ, .arg = (uint32_t)count };
		int result = call(fd, req, NULL, buf, count);
		return result < 0 ? fail(result) : result;
	}
	REAL(read, read_fn);
	return real_read(fd, buf, count);
}

API ssize_t write(int fd, const void *buf, size_t count)
{
	if (is_fake(fd)) {
		struct request req = { .op = OP_WRITE, .len = (uint32_t)count };
		int result = call(fd, req, buf, NULL, 0);
		return result < 0 ? fail(result) : result;
	}
	REAL(write, write_fn);
	return real_write(fd, buf, count);
}
