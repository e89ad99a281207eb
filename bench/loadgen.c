/* A closed-loop NUT protocol load generator on epoll (Linux), built by bench/cloadgen.py.

   loadgen HOST PORT "REQUEST" CONNS SECONDS

   CONNS connections; each sends REQUEST and a newline, reads the whole reply
   (one line, or through the END LIST line when REQUEST is a LIST) and only
   then sends the next. After SECONDS, prints one JSON object: requests/s,
   p50/p99 latency in ms and errors (a connection the server closed counts one
   error and is opened again). Compiled, it spends a few microseconds per
   request, so the server under test, not the generator, sets the pace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536

struct conn {
    int fd;
    size_t len;          /* bytes of the current reply so far */
    double started;      /* when its request went out */
    char buf[BUF];
};

static struct sockaddr_in addr;
static const char *request;
static size_t request_len;
static int listing;
static double *lat;
static size_t nlat, caplat;
static long errors;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void record(double seconds) {
    if (nlat == caplat) {
        caplat = caplat ? caplat * 2 : 1 << 16;
        lat = realloc(lat, caplat * sizeof *lat);
        if (!lat) { perror("realloc"); exit(1); }
    }
    lat[nlat++] = seconds;
}

static int open_conn(int ep, struct conn *c) {
    for (int tries = 0; tries < 5; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) { perror("socket"); exit(1); }
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            fcntl(fd, F_SETFL, O_NONBLOCK);
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            c->fd = fd;
            c->len = 0;
            return 0;
        }
        close(fd);
        errors++;
    }
    return -1;
}

static void send_request(struct conn *c) {
    c->started = now();
    /* a request line always fits an empty socket buffer */
    if (write(c->fd, request, request_len) != (ssize_t)request_len) errors++;
}

/* Is the reply in c->buf complete? */
static int complete(struct conn *c) {
    if (c->len == 0 || c->buf[c->len - 1] != '\n') return 0;
    if (!listing || strncmp(c->buf, "ERR ", 4) == 0 || strncmp(c->buf, "END LIST ", 9) == 0)
        return 1;
    size_t from = c->len > 600 ? c->len - 600 : 0;
    return memmem(c->buf + from, c->len - from, "\nEND LIST ", 10) != NULL;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double p) {
    if (!nlat) return 0.0;
    size_t i = (size_t)(p * nlat);
    return lat[i < nlat ? i : nlat - 1] * 1000.0;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT REQUEST CONNS SECONDS\n", argv[0]);
        return 2;
    }
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) { fprintf(stderr, "bad host\n"); return 2; }
    size_t n = strlen(argv[3]);
    char *line = malloc(n + 2);
    memcpy(line, argv[3], n);
    line[n] = '\n';
    line[n + 1] = 0;
    request = line;
    request_len = n + 1;
    listing = strncmp(request, "LIST ", 5) == 0;
    int conns = atoi(argv[4]);
    double seconds = atof(argv[5]);

    int ep = epoll_create1(0);
    struct conn *all = calloc((size_t)conns, sizeof *all);
    int open = 0;
    for (int i = 0; i < conns; i++)  /* all open first: latency measures serving */
        if (open_conn(ep, &all[i]) == 0) open++;
        else all[i].fd = -1;
    for (int i = 0; i < conns; i++)
        if (all[i].fd >= 0) send_request(&all[i]);
    double began = now(), until = began + seconds;
    struct epoll_event events[256];
    while (open > 0) {
        int ready = epoll_wait(ep, events, 256, 500);
        double t = now();
        for (int k = 0; k < ready; k++) {
            struct conn *c = events[k].data.ptr;
            ssize_t got = read(c->fd, c->buf + c->len, BUF - c->len);
            if (got < 0 && errno == EAGAIN) continue;
            if (got <= 0 || c->len + (size_t)got >= BUF) {  /* closed, failed, or a runaway reply */
                errors++;
                close(c->fd);  /* also leaves the epoll set */
                c->fd = -1;
                open--;
                if (t < until && open_conn(ep, c) == 0) { open++; send_request(c); }
                continue;
            }
            c->len += (size_t)got;
            if (!complete(c)) continue;
            t = now();
            record(t - c->started);
            c->len = 0;
            if (t >= until) {
                close(c->fd);
                c->fd = -1;
                open--;
                continue;
            }
            send_request(c);
        }
        if (t > until + 30) break;  /* a server that stopped answering */
    }
    double elapsed = now() - began;
    qsort(lat, nlat, sizeof *lat, by_value);
    printf("{\"conns\": %d, \"requests\": %zu, \"rps\": %.1f, \"p50_ms\": %.4f, \"p99_ms\": %.4f,"
           " \"errors\": %ld}\n", conns, nlat, nlat / elapsed, pct(0.50), pct(0.99), errors);
    return 0;
}
