/*
 * libusb_lab.c: a stand-in for libusb-1.0 that forwards every call to the usblab device
 * server (tests/usblab/server.py) over a Unix socket, so real NUT drivers and pyusb talk to
 * simulated devices written in Python.
 *
 * How it works: the socket path comes from $USBLAB_SOCKET, read each time a connection is
 * made (or from usblab_use(), for a test that loads one copy of the library per lab).
 * libusb_get_device_list() opens a connection, asks for the device table and closes it;
 * libusb_open() opens a connection that belongs to the new handle until libusb_close(). Every
 * request is a fixed header (magic, version, op, six int32 arguments, payload length) and a
 * payload; every reply is (magic, status, value, payload length) and a payload. No threads:
 * each handle has a mutex so two threads never interleave frames on one socket. When the server
 * goes away a handle's calls return LIBUSB_ERROR_NO_DEVICE and enumeration returns
 * LIBUSB_ERROR_IO, as with a device or a bus that vanished.
 *
 * The structures are laid out as libusb.h (1.0.26) lays them out; this file does not need the
 * libusb headers. Only the synchronous API is implemented; the asynchronous calls exist so
 * that pyusb can load the library, and answer LIBUSB_ERROR_NOT_SUPPORTED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define API __attribute__((visibility("default")))

enum {
	LIBUSB_SUCCESS = 0, LIBUSB_ERROR_IO = -1, LIBUSB_ERROR_INVALID_PARAM = -2,
	LIBUSB_ERROR_ACCESS = -3, LIBUSB_ERROR_NO_DEVICE = -4, LIBUSB_ERROR_NOT_FOUND = -5,
	LIBUSB_ERROR_BUSY = -6, LIBUSB_ERROR_TIMEOUT = -7, LIBUSB_ERROR_OVERFLOW = -8,
	LIBUSB_ERROR_PIPE = -9, LIBUSB_ERROR_INTERRUPTED = -10, LIBUSB_ERROR_NO_MEM = -11,
	LIBUSB_ERROR_NOT_SUPPORTED = -12, LIBUSB_ERROR_OTHER = -99,
};

/* -- public structures (libusb.h layout) ------------------------------------------------ */

struct libusb_device_descriptor {
	uint8_t bLength, bDescriptorType;
	uint16_t bcdUSB;
	uint8_t bDeviceClass, bDeviceSubClass, bDeviceProtocol, bMaxPacketSize0;
	uint16_t idVendor, idProduct, bcdDevice;
	uint8_t iManufacturer, iProduct, iSerialNumber, bNumConfigurations;
};

struct libusb_endpoint_descriptor {
	uint8_t bLength, bDescriptorType, bEndpointAddress, bmAttributes;
	uint16_t wMaxPacketSize;
	uint8_t bInterval, bRefresh, bSynchAddress;
	const unsigned char *extra;
	int extra_length;
};

struct libusb_interface_descriptor {
	uint8_t bLength, bDescriptorType, bInterfaceNumber, bAlternateSetting, bNumEndpoints;
	uint8_t bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol, iInterface;
	const struct libusb_endpoint_descriptor *endpoint;
	const unsigned char *extra;
	int extra_length;
};

struct libusb_interface {
	const struct libusb_interface_descriptor *altsetting;
	int num_altsetting;
};

struct libusb_config_descriptor {
	uint8_t bLength, bDescriptorType;
	uint16_t wTotalLength;
	uint8_t bNumInterfaces, bConfigurationValue, iConfiguration, bmAttributes, MaxPower;
	const struct libusb_interface *interface;
	const unsigned char *extra;
	int extra_length;
};

struct libusb_version {
	uint16_t major, minor, micro, nano;
	const char *rc, *describe;
};

_Static_assert(sizeof(struct libusb_device_descriptor) == 18, "device descriptor layout");

/* -- private structures ------------------------------------------------------------------- */

#define MAX_PORTS 7
#define MAX_CONFIGS 8

typedef struct libusb_context { int unused; } libusb_context;

typedef struct libusb_device {
	int refs;
	uint32_t id;                 /* the server's name for this attachment */
	uint8_t bus, address, speed, nports;
	uint8_t ports[MAX_PORTS];
	struct libusb_device_descriptor desc;
	int nconfigs;
	unsigned char *config[MAX_CONFIGS];
	uint16_t config_len[MAX_CONFIGS];
} libusb_device;

typedef struct libusb_device_handle {
	int fd;                      /* -1 once the server connection broke */
	pthread_mutex_t lock;
	libusb_device *dev;
} libusb_device_handle;

/* a parsed configuration and the raw bytes its extra pointers point into */
struct lab_config {
	struct libusb_config_descriptor pub;   /* first: the caller frees through it */
	unsigned char *raw;
};

/* -- wire format (tests/usblab/wire.py holds the same numbers) ----------------------------- */

#define LAB_MAGIC 0x42414c55u        /* "ULAB" */
#define LAB_VERSION 1
#define LAB_BROKEN (-1000)           /* internal: the connection failed */
#define LAB_WAIT_MS 15000            /* reply deadline for calls that do not carry a timeout */
#define LAB_GRACE_MS 5000            /* added to a transfer's own timeout */

enum lab_op {
	OP_HELLO = 1, OP_LIST, OP_OPEN, OP_CLOSE, OP_CLAIM, OP_RELEASE, OP_KERNEL_ACTIVE,
	OP_DETACH, OP_ATTACH, OP_SET_CONFIG, OP_GET_CONFIG, OP_SET_ALT, OP_RESET, OP_CLEAR_HALT,
	OP_CONTROL, OP_BULK, OP_INTERRUPT, OP_AUTO_DETACH,
};

struct __attribute__((packed)) lab_request {
	uint32_t magic;
	uint16_t version, op;
	int32_t args[6];
	uint32_t length;
};

struct __attribute__((packed)) lab_reply_head {
	uint32_t magic;
	int32_t status, value;
	uint32_t length;
};

struct lab_reply {
	int32_t status, value;
	unsigned char *data;         /* malloc'd, length bytes; NULL when empty */
	uint32_t length;
};

static void warn_once(int *done, const char *text)
{
	if (!__atomic_exchange_n(done, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "usblab: %s\n", text);
}

static int send_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	while (len > 0) {
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

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* read exactly len bytes before the deadline (-1: none) */
static int recv_all(int fd, void *buf, size_t len, long deadline)
{
	unsigned char *p = buf;
	while (len > 0) {
		int wait = -1;
		if (deadline >= 0) {
			long left = deadline - now_ms();
			if (left <= 0)
				return -1;
			wait = (int)left;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
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

/* one request and its reply; LAB_BROKEN when the connection failed */
static int lab_call(int fd, int op, const int32_t args[6], const void *out, uint32_t outlen,
		    int wait_ms, struct lab_reply *reply)
{
	struct lab_request req = { .magic = LAB_MAGIC, .version = LAB_VERSION, .op = (uint16_t)op,
				   .length = outlen };
	struct lab_reply_head head;
	long deadline = wait_ms < 0 ? -1 : now_ms() + wait_ms;

	memset(reply, 0, sizeof(*reply));
	if (args)
		memcpy(req.args, args, sizeof(req.args));
	if (send_all(fd, &req, sizeof(req)) || (outlen && send_all(fd, out, outlen)))
		return LAB_BROKEN;
	if (recv_all(fd, &head, sizeof(head), deadline) || head.magic != LAB_MAGIC)
		return LAB_BROKEN;
	if (head.length) {
		reply->data = malloc(head.length);
		if (!reply->data)
			return LAB_BROKEN;
		if (recv_all(fd, reply->data, head.length, deadline)) {
			free(reply->data);
			reply->data = NULL;
			return LAB_BROKEN;
		}
	}
	reply->status = head.status;
	reply->value = head.value;
	reply->length = head.length;
	return 0;
}

/* Set by usblab_use(): a process that loads several copies of this library (each its own
 * file, so each its own dlopen and its own statics) points each copy at its own server. */
static char lab_socket[108], lab_client[64];

/* not libusb: this copy talks to the server at `path` as `client`, whatever the environment */
API void usblab_use(const char *path, const char *client)
{
	snprintf(lab_socket, sizeof(lab_socket), "%s", path ? path : "");
	snprintf(lab_client, sizeof(lab_client), "%s", client ? client : "");
}

/* a new connection to the server that has said hello; -1 when there is none */
static int lab_connect(void)
{
	static int warned_env, warned_version;
	const char *path = lab_socket[0] ? lab_socket : getenv("USBLAB_SOCKET");
	const char *client = lab_client[0] ? lab_client : getenv("USBLAB_CLIENT");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct lab_reply reply;
	int fd;

	if (!path || !*path) {
		warn_once(&warned_env, "USBLAB_SOCKET is not set: no USB devices");
		return -1;
	}
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		return -1;
	}
	if (!client || !*client)
		client = program_invocation_short_name;
	int32_t args[6] = { (int32_t)getpid() };
	if (lab_call(fd, OP_HELLO, args, client, (uint32_t)strlen(client), LAB_WAIT_MS, &reply)) {
		close(fd);
		return -1;
	}
	free(reply.data);
	if (reply.status != 0) {
		warn_once(&warned_version, "the device server speaks another protocol version");
		close(fd);
		return -1;
	}
	return fd;
}

/* -- library, context, errors ------------------------------------------------------------- */

static const struct libusb_version lab_version = { 1, 0, 26, 0, "", "usblab" };

API const struct libusb_version *libusb_get_version(void) { return &lab_version; }

API int libusb_init(libusb_context **ctx)
{
	if (ctx) {
		*ctx = calloc(1, sizeof(**ctx));
		if (!*ctx)
			return LIBUSB_ERROR_NO_MEM;
	}
	return LIBUSB_SUCCESS;
}

API void libusb_exit(libusb_context *ctx) { free(ctx); }
API void libusb_set_debug(libusb_context *ctx, int level) { (void)ctx; (void)level; }
API int libusb_set_option(libusb_context *ctx, int option, ...) { (void)ctx; (void)option; return LIBUSB_SUCCESS; }
API int libusb_setlocale(const char *locale) { (void)locale; return LIBUSB_SUCCESS; }

API int libusb_has_capability(uint32_t capability)
{
	/* HAS_CAPABILITY and SUPPORTS_DETACH_KERNEL_DRIVER; no hotplug, no HID access */
	return capability == 0x0000 || capability == 0x0101;
}

static const struct { int code; const char *name, *text; } lab_errors[] = {
	{ LIBUSB_SUCCESS, "LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED", "Success" },
	{ LIBUSB_ERROR_IO, "LIBUSB_ERROR_IO", "Input/Output Error" },
	{ LIBUSB_ERROR_INVALID_PARAM, "LIBUSB_ERROR_INVALID_PARAM", "Invalid parameter" },
	{ LIBUSB_ERROR_ACCESS, "LIBUSB_ERROR_ACCESS", "Access denied (insufficient permissions)" },
	{ LIBUSB_ERROR_NO_DEVICE, "LIBUSB_ERROR_NO_DEVICE", "No such device (it may have been disconnected)" },
	{ LIBUSB_ERROR_NOT_FOUND, "LIBUSB_ERROR_NOT_FOUND", "Entity not found" },
	{ LIBUSB_ERROR_BUSY, "LIBUSB_ERROR_BUSY", "Resource busy" },
	{ LIBUSB_ERROR_TIMEOUT, "LIBUSB_ERROR_TIMEOUT", "Operation timed out" },
	{ LIBUSB_ERROR_OVERFLOW, "LIBUSB_ERROR_OVERFLOW", "Overflow" },
	{ LIBUSB_ERROR_PIPE, "LIBUSB_ERROR_PIPE", "Pipe error" },
	{ LIBUSB_ERROR_INTERRUPTED, "LIBUSB_ERROR_INTERRUPTED", "System call interrupted (perhaps due to signal)" },
	{ LIBUSB_ERROR_NO_MEM, "LIBUSB_ERROR_NO_MEM", "Insufficient memory" },
	{ LIBUSB_ERROR_NOT_SUPPORTED, "LIBUSB_ERROR_NOT_SUPPORTED", "Operation not supported or unimplemented on this platform" },
	{ LIBUSB_ERROR_OTHER, "LIBUSB_ERROR_OTHER", "Other error" },
};

API const char *libusb_error_name(int code)
{
	for (size_t i = 0; i < sizeof(lab_errors) / sizeof(lab_errors[0]); i++)
		if (lab_errors[i].code == code)
			return lab_errors[i].name;
	return "**UNKNOWN**";
}

API const char *libusb_strerror(int code)
{
	for (size_t i = 0; i < sizeof(lab_errors) / sizeof(lab_errors[0]); i++)
		if (lab_errors[i].code == code)
			return lab_errors[i].text;
	return "Unknown error";
}

/* -- devices and enumeration ---------------------------------------------------------------- */

API libusb_device *libusb_ref_device(libusb_device *dev)
{
	__atomic_add_fetch(&dev->refs, 1, __ATOMIC_ACQ_REL);
	return dev;
}

API void libusb_unref_device(libusb_device *dev)
{
	if (!dev || __atomic_sub_fetch(&dev->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (int i = 0; i < dev->nconfigs; i++)
		free(dev->config[i]);
	free(dev);
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static void parse_device_descriptor(const unsigned char *p, struct libusb_device_descriptor *d)
{
	d->bLength = p[0]; d->bDescriptorType = p[1]; d->bcdUSB = le16(p + 2);
	d->bDeviceClass = p[4]; d->bDeviceSubClass = p[5]; d->bDeviceProtocol = p[6];
	d->bMaxPacketSize0 = p[7]; d->idVendor = le16(p + 8); d->idProduct = le16(p + 10);
	d->bcdDevice = le16(p + 12); d->iManufacturer = p[14]; d->iProduct = p[15];
	d->iSerialNumber = p[16]; d->bNumConfigurations = p[17];
}

/* one device of a LIST reply: id u32, bus, address, speed, nports, ports[7], descriptor[18],
   nconfigs, then per configuration a u16 length and its bytes; NULL when malformed */
static libusb_device *parse_device(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	if (end - p < 4 + 4 + MAX_PORTS + 18 + 1)
		return NULL;
	libusb_device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->refs = 1;
	dev->id = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	dev->bus = p[4]; dev->address = p[5]; dev->speed = p[6];
	dev->nports = p[7] > MAX_PORTS ? MAX_PORTS : p[7];
	memcpy(dev->ports, p + 8, MAX_PORTS);
	parse_device_descriptor(p + 8 + MAX_PORTS, &dev->desc);
	p += 8 + MAX_PORTS + 18;
	int n = *p++;
	for (int i = 0; i < n; i++) {
		if (end - p < 2 || end - p < 2 + le16(p) || dev->nconfigs == MAX_CONFIGS)
			goto bad;
		uint16_t len = le16(p);
		dev->config[i] = malloc(len ? len : 1);
		if (!dev->config[i])
			goto bad;
		memcpy(dev->config[i], p + 2, len);
		dev->config_len[i] = len;
		dev->nconfigs++;
		p += 2 + len;
	}
	*pp = p;
	return dev;
bad:
	libusb_unref_device(dev);
	return NULL;
}

API ssize_t libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
	struct lab_reply reply;
	(void)ctx;
	int fd = lab_connect();
	if (fd < 0)
		return LIBUSB_ERROR_IO;
	int r = lab_call(fd, OP_LIST, NULL, NULL, 0, LAB_WAIT_MS, &reply);
	close(fd);
	if (r || reply.status < 0 || reply.length < 4) {
		free(reply.data);
		return r || reply.status >= 0 ? LIBUSB_ERROR_IO : reply.status;
	}
	const unsigned char *p = reply.data + 4, *end = reply.data + reply.length;
	uint32_t count = le16(reply.data) | (uint32_t)le16(reply.data + 2) << 16;
	libusb_device **devs = calloc(count + 1, sizeof(*devs));
	ssize_t n = 0;
	while (devs && (uint32_t)n < count && (devs[n] = parse_device(&p, end)) != NULL)
		n++;
	free(reply.data);
	if (!devs)
		return LIBUSB_ERROR_NO_MEM;
	*list = devs;
	return n;
}

API void libusb_free_device_list(libusb_device **list, int unref_devices)
{
	if (!list)
		return;
	if (unref_devices)
		for (libusb_device **d = list; *d; d++)
			libusb_unref_device(*d);
	free(list);
}

API int libusb_get_device_descriptor(libusb_device *dev, struct libusb_device_descriptor *desc)
{
	*desc = dev->desc;
	return LIBUSB_SUCCESS;
}

API uint8_t libusb_get_bus_number(libusb_device *dev) { return dev->bus; }
API uint8_t libusb_get_device_address(libusb_device *dev) { return dev->address; }
API int libusb_get_device_speed(libusb_device *dev) { return dev->speed; }
API libusb_device *libusb_get_parent(libusb_device *dev) { (void)dev; return NULL; }

API uint8_t libusb_get_port_number(libusb_device *dev)
{
	return dev->nports ? dev->ports[dev->nports - 1] : 0;
}

API int libusb_get_port_numbers(libusb_device *dev, uint8_t *ports, int len)
{
	if (len < dev->nports)
		return LIBUSB_ERROR_OVERFLOW;
	memcpy(ports, dev->ports, dev->nports);
	return dev->nports;
}

API int libusb_get_port_path(libusb_context *ctx, libusb_device *dev, uint8_t *path, uint8_t len)
{
	(void)ctx;
	return libusb_get_port_numbers(dev, path, len);
}

/* -- configuration descriptors ----------------------------------------------------------- */

static void free_config(struct libusb_config_descriptor *c)
{
	if (!c)
		return;
	for (int i = 0; c->interface && i < c->bNumInterfaces; i++) {
		const struct libusb_interface *intf = &c->interface[i];
		for (int a = 0; a < intf->num_altsetting; a++)
			free((void *)intf->altsetting[a].endpoint);
		free((void *)intf->altsetting);
	}
	free((void *)c->interface);
	free(((struct lab_config *)c)->raw);
	free(c);
}

API void libusb_free_config_descriptor(struct libusb_config_descriptor *config) { free_config(config); }

/* where the extra bytes after a descriptor go: config, interface or endpoint */
struct extra_slot { const unsigned char **ptr; int *len; };

static void note_extra(struct extra_slot slot, const unsigned char *p, int len)
{
	if (slot.ptr && !*slot.ptr)
		*slot.ptr = p;
	if (slot.len)
		*slot.len += len;
}

static int add_altsetting(struct libusb_config_descriptor *c, int *slot, const unsigned char *p,
			  struct libusb_interface_descriptor **out)
{
	struct libusb_interface *ifs = (struct libusb_interface *)c->interface;
	if (*slot < 0 || p[3] == 0 || ifs[*slot].altsetting[0].bInterfaceNumber != p[2])
		(*slot)++;
	if (*slot >= c->bNumInterfaces)
		return -1;
	struct libusb_interface *intf = &ifs[*slot];
	void *grown = realloc((void *)intf->altsetting, (size_t)(intf->num_altsetting + 1) * sizeof(**out));
	if (!grown)
		return -1;
	intf->altsetting = grown;
	struct libusb_interface_descriptor *alt = (void *)&intf->altsetting[intf->num_altsetting++];
	memset(alt, 0, sizeof(*alt));
	alt->bLength = p[0]; alt->bDescriptorType = p[1]; alt->bInterfaceNumber = p[2];
	alt->bAlternateSetting = p[3]; alt->bNumEndpoints = p[4]; alt->bInterfaceClass = p[5];
	alt->bInterfaceSubClass = p[6]; alt->bInterfaceProtocol = p[7]; alt->iInterface = p[8];
	if (alt->bNumEndpoints) {
		alt->endpoint = calloc(alt->bNumEndpoints, sizeof(*alt->endpoint));
		if (!alt->endpoint)
			return -1;
	}
	*out = alt;
	return 0;
}

static int parse_config(const unsigned char *blob, int len, struct libusb_config_descriptor **out)
{
	if (len < 9 || blob[1] != 2)
		return LIBUSB_ERROR_IO;
	struct lab_config *lc = calloc(1, sizeof(*lc));
	if (!lc)
		return LIBUSB_ERROR_NO_MEM;
	struct libusb_config_descriptor *c = &lc->pub;
	lc->raw = malloc((size_t)len);
	c->interface = calloc(blob[4] ? blob[4] : 1, sizeof(*c->interface));
	if (!lc->raw || !c->interface)
		goto nomem;
	memcpy(lc->raw, blob, (size_t)len);
	const unsigned char *raw = lc->raw;
	c->bLength = raw[0]; c->bDescriptorType = raw[1]; c->wTotalLength = le16(raw + 2);
	c->bNumInterfaces = raw[4]; c->bConfigurationValue = raw[5]; c->iConfiguration = raw[6];
	c->bmAttributes = raw[7]; c->MaxPower = raw[8];

	struct extra_slot slot = { &c->extra, &c->extra_length };
	struct libusb_interface_descriptor *alt = NULL;
	int intf_slot = -1, nep = 0;
	for (int i = raw[0]; i + 2 <= len && raw[i] >= 2 && i + raw[i] <= len; i += raw[i]) {
		const unsigned char *p = raw + i;
		if (p[1] == 4 && p[0] >= 9) {
			if (add_altsetting(c, &intf_slot, p, &alt))
				goto nomem;
			nep = 0;
			slot = (struct extra_slot){ &alt->extra, &alt->extra_length };
		} else if (p[1] == 5 && p[0] >= 7 && alt && nep < alt->bNumEndpoints) {
			struct libusb_endpoint_descriptor *ep = (void *)&alt->endpoint[nep++];
			ep->bLength = p[0]; ep->bDescriptorType = p[1]; ep->bEndpointAddress = p[2];
			ep->bmAttributes = p[3]; ep->wMaxPacketSize = le16(p + 4); ep->bInterval = p[6];
			if (p[0] >= 9) {
				ep->bRefresh = p[7];
				ep->bSynchAddress = p[8];
			}
			slot = (struct extra_slot){ &ep->extra, &ep->extra_length };
		} else {
			note_extra(slot, p, p[0]);
		}
	}
	*out = c;
	return LIBUSB_SUCCESS;
nomem:
	free_config(c);
	return LIBUSB_ERROR_NO_MEM;
}

API int libusb_get_config_descriptor(libusb_device *dev, uint8_t index,
				     struct libusb_config_descriptor **config)
{
	if (index >= dev->nconfigs)
		return LIBUSB_ERROR_NOT_FOUND;
	return parse_config(dev->config[index], dev->config_len[index], config);
}

API int libusb_get_active_config_descriptor(libusb_device *dev, struct libusb_config_descriptor **config)
{
	return libusb_get_config_descriptor(dev, 0, config);
}

API int libusb_get_config_descriptor_by_value(libusb_device *dev, uint8_t value,
					      struct libusb_config_descriptor **config)
{
	for (int i = 0; i < dev->nconfigs; i++)
		if (dev->config_len[i] >= 9 && dev->config[i][5] == value)
			return libusb_get_config_descriptor(dev, (uint8_t)i, config);
	return LIBUSB_ERROR_NOT_FOUND;
}

static int max_packet_size(libusb_device *dev, unsigned char endpoint)
{
	struct libusb_config_descriptor *c;
	int found = LIBUSB_ERROR_NOT_FOUND;
	if (libusb_get_active_config_descriptor(dev, &c) != LIBUSB_SUCCESS)
		return LIBUSB_ERROR_OTHER;
	for (int i = 0; i < c->bNumInterfaces; i++)
		for (int a = 0; a < c->interface[i].num_altsetting; a++) {
			const struct libusb_interface_descriptor *alt = &c->interface[i].altsetting[a];
			for (int e = 0; e < alt->bNumEndpoints; e++)
				if (alt->endpoint[e].bEndpointAddress == endpoint && found < 0)
					found = alt->endpoint[e].wMaxPacketSize & 0x7ff;
		}
	free_config(c);
	return found;
}

API int libusb_get_max_packet_size(libusb_device *dev, unsigned char endpoint) { return max_packet_size(dev, endpoint); }
API int libusb_get_max_iso_packet_size(libusb_device *dev, unsigned char endpoint) { return max_packet_size(dev, endpoint); }

/* -- handles ------------------------------------------------------------------------------- */

API int libusb_open(libusb_device *dev, libusb_device_handle **handle)
{
	struct lab_reply reply;
	int32_t args[6] = { (int32_t)dev->id };
	int fd = lab_connect();
	if (fd < 0)
		return LIBUSB_ERROR_NO_DEVICE;
	if (lab_call(fd, OP_OPEN, args, NULL, 0, LAB_WAIT_MS, &reply)) {
		close(fd);
		return LIBUSB_ERROR_NO_DEVICE;
	}
	free(reply.data);
	if (reply.status != 0) {
		close(fd);
		return reply.status;
	}
	libusb_device_handle *h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		return LIBUSB_ERROR_NO_MEM;
	}
	h->fd = fd;
	pthread_mutex_init(&h->lock, NULL);
	h->dev = libusb_ref_device(dev);
	*handle = h;
	return LIBUSB_SUCCESS;
}

API libusb_device_handle *libusb_open_device_with_vid_pid(libusb_context *ctx, uint16_t vid, uint16_t pid)
{
	libusb_device **list;
	libusb_device_handle *handle = NULL;
	ssize_t n = libusb_get_device_list(ctx, &list);
	for (ssize_t i = 0; i < n && !handle; i++)
		if (list[i]->desc.idVendor == vid && list[i]->desc.idProduct == pid)
			if (libusb_open(list[i], &handle) != LIBUSB_SUCCESS)
				handle = NULL;
	if (n >= 0)
		libusb_free_device_list(list, 1);
	return handle;
}

API libusb_device *libusb_get_device(libusb_device_handle *handle) { return handle->dev; }

/* one request on a handle's connection: the reply's status, or NO_DEVICE when it broke */
static int handle_call(libusb_device_handle *h, int op, const int32_t args[6], const void *out,
		       uint32_t outlen, int wait_ms, struct lab_reply *reply)
{
	int status = LIBUSB_ERROR_NO_DEVICE;
	memset(reply, 0, sizeof(*reply));
	pthread_mutex_lock(&h->lock);
	if (h->fd >= 0) {
		if (lab_call(h->fd, op, args, out, outlen, wait_ms, reply) == 0) {
			status = reply->status;
		} else {
			close(h->fd);
			h->fd = -1;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return status;
}

/* a call with integer arguments whose reply carries only a status */
static int simple_call(libusb_device_handle *h, int op, int a, int b)
{
	struct lab_reply reply;
	int32_t args[6] = { a, b };
	int status = handle_call(h, op, args, NULL, 0, LAB_WAIT_MS, &reply);
	free(reply.data);
	return status;
}

API void libusb_close(libusb_device_handle *h)
{
	if (!h)
		return;
	simple_call(h, OP_CLOSE, 0, 0);
	if (h->fd >= 0)
		close(h->fd);
	pthread_mutex_destroy(&h->lock);
	libusb_unref_device(h->dev);
	free(h);
}

API int libusb_claim_interface(libusb_device_handle *h, int intf) { return simple_call(h, OP_CLAIM, intf, 0); }
API int libusb_release_interface(libusb_device_handle *h, int intf) { return simple_call(h, OP_RELEASE, intf, 0); }
API int libusb_kernel_driver_active(libusb_device_handle *h, int intf) { return simple_call(h, OP_KERNEL_ACTIVE, intf, 0); }
API int libusb_detach_kernel_driver(libusb_device_handle *h, int intf) { return simple_call(h, OP_DETACH, intf, 0); }
API int libusb_attach_kernel_driver(libusb_device_handle *h, int intf) { return simple_call(h, OP_ATTACH, intf, 0); }
API int libusb_set_auto_detach_kernel_driver(libusb_device_handle *h, int enable) { return simple_call(h, OP_AUTO_DETACH, enable, 0); }
API int libusb_set_configuration(libusb_device_handle *h, int config) { return simple_call(h, OP_SET_CONFIG, config, 0); }
API int libusb_set_interface_alt_setting(libusb_device_handle *h, int intf, int alt) { return simple_call(h, OP_SET_ALT, intf, alt); }
API int libusb_reset_device(libusb_device_handle *h) { return simple_call(h, OP_RESET, 0, 0); }
API int libusb_clear_halt(libusb_device_handle *h, unsigned char endpoint) { return simple_call(h, OP_CLEAR_HALT, endpoint, 0); }

API int libusb_get_configuration(libusb_device_handle *h, int *config)
{
	struct lab_reply reply;
	int status = handle_call(h, OP_GET_CONFIG, NULL, NULL, 0, LAB_WAIT_MS, &reply);
	free(reply.data);
	if (status == LIBUSB_SUCCESS)
		*config = reply.value;
	return status;
}

/* -- synchronous transfers ---------------------------------------------------------------- */

static int transfer_wait(unsigned int timeout)
{
	return timeout == 0 ? -1 : (int)timeout + LAB_GRACE_MS;  /* libusb: 0 waits forever */
}

API int libusb_control_transfer(libusb_device_handle *h, uint8_t request_type, uint8_t request,
				uint16_t value, uint16_t index, unsigned char *data, uint16_t length,
				unsigned int timeout)
{
	struct lab_reply reply;
	int in = request_type & 0x80;
	int32_t args[6] = { request_type, request, value, index, length, (int32_t)timeout };
	int status = handle_call(h, OP_CONTROL, args, in ? NULL : data, in ? 0 : length,
				 transfer_wait(timeout), &reply);
	if (status >= 0 && in) {
		status = reply.length < length ? (int)reply.length : length;
		memcpy(data, reply.data, (size_t)status);
	}
	free(reply.data);
	return status;
}

static int data_transfer(int op, libusb_device_handle *h, unsigned char endpoint, unsigned char *data,
			 int length, int *transferred, unsigned int timeout)
{
	struct lab_reply reply;
	int in = endpoint & 0x80;
	int32_t args[6] = { endpoint, length, (int32_t)timeout };
	int status = handle_call(h, op, args, in ? NULL : data, in || length < 0 ? 0 : (uint32_t)length,
				 transfer_wait(timeout), &reply);
	int done = reply.value;
	if (in) {
		done = (int)reply.length < length ? (int)reply.length : length;
		if (done > 0)
			memcpy(data, reply.data, (size_t)done);
	}
	if (transferred)
		*transferred = done < 0 ? 0 : done;
	free(reply.data);
	return status;
}

API int libusb_bulk_transfer(libusb_device_handle *h, unsigned char endpoint, unsigned char *data,
			     int length, int *transferred, unsigned int timeout)
{
	return data_transfer(OP_BULK, h, endpoint, data, length, transferred, timeout);
}

API int libusb_interrupt_transfer(libusb_device_handle *h, unsigned char endpoint, unsigned char *data,
				  int length, int *transferred, unsigned int timeout)
{
	return data_transfer(OP_INTERRUPT, h, endpoint, data, length, transferred, timeout);
}

/* libusb's own algorithm: the first language id, then the string in it, UTF-16LE to ASCII
   with '?' for anything else; its control transfers reach the server like any other */
API int libusb_get_string_descriptor_ascii(libusb_device_handle *h, uint8_t index,
					   unsigned char *data, int length)
{
	unsigned char buf[255];
	int r, di = 0;
	if (index == 0 || length < 1)
		return LIBUSB_ERROR_INVALID_PARAM;
	r = libusb_control_transfer(h, 0x80, 0x06, 0x0300, 0, buf, sizeof(buf), 1000);
	if (r < 0)
		return r;
	if (r < 4)
		return LIBUSB_ERROR_IO;
	uint16_t langid = le16(buf + 2);
	r = libusb_control_transfer(h, 0x80, 0x06, (uint16_t)(0x0300 | index), langid, buf, sizeof(buf), 1000);
	if (r < 0)
		return r;
	if (r < 2 || buf[1] != 0x03 || buf[0] > r)
		return LIBUSB_ERROR_IO;
	for (int si = 2; si + 1 < buf[0] && di < length - 1; si += 2)
		data[di++] = (buf[si] & 0x80) || buf[si + 1] ? '?' : buf[si];
	data[di] = 0;
	return di;
}

/* -- asynchronous API: present for pyusb, not supported ----------------------------------- */

API void *libusb_alloc_transfer(int iso_packets)
{
	/* room for struct libusb_transfer (64 bytes on LP64) and its iso descriptors */
	return calloc(1, 128 + (size_t)(iso_packets > 0 ? iso_packets : 0) * 16);
}

API void libusb_free_transfer(void *transfer) { free(transfer); }
API int libusb_submit_transfer(void *transfer) { (void)transfer; return LIBUSB_ERROR_NOT_SUPPORTED; }
API int libusb_cancel_transfer(void *transfer) { (void)transfer; return LIBUSB_ERROR_NOT_SUPPORTED; }
API int libusb_handle_events(libusb_context *ctx) { (void)ctx; return LIBUSB_SUCCESS; }
API int libusb_handle_events_timeout(libusb_context *ctx, void *tv) { (void)ctx; (void)tv; return LIBUSB_SUCCESS; }
API int libusb_handle_events_completed(libusb_context *ctx, int *completed) { (void)ctx; (void)completed; return LIBUSB_SUCCESS; }
API int libusb_get_next_timeout(libusb_context *ctx, void *tv) { (void)ctx; (void)tv; return 0; }

API int libusb_hotplug_register_callback(libusb_context *ctx, int events, int flags, int vendor_id,
					 int product_id, int dev_class, void *cb, void *user_data,
					 int *handle)
{
	(void)ctx; (void)events; (void)flags; (void)vendor_id; (void)product_id; (void)dev_class;
	(void)cb; (void)user_data; (void)handle;
	return LIBUSB_ERROR_NOT_SUPPORTED;
}

API void libusb_hotplug_deregister_callback(libusb_context *ctx, int handle) { (void)ctx; (void)handle; }
