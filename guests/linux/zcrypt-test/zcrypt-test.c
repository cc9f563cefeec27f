/*
 * zcrypt-test: a static Linux program (glibc, s390x) for a Linux guest with passed-through AP queues.
 * Opens /dev/z90crypt and issues ICARSAMODEXPO (m^e mod n, public exponent) and ICARSACRT (c^d mod n
 * through the CRT key parts) for 1024-, 2048- and 4096-bit keys with known vectors (vectors.h, from
 * gen-vectors.py), checks every result, and prints requests per second of guest time (CLOCK_MONOTONIC).
 * Before and after it prints /sys/bus/ap/ap_interrupts, the cards' and queues' sysfs attributes and the
 * AP bus line of /proc/interrupts.
 * Usage: zcrypt-test [REQUESTS]   (timed requests per key size and operation; default 20)
 *        zcrypt-test loop N      (life cycle: N 1024-bit requests, ME and CRT alternating, that go on
 *                                 after failed ones, 1 s later; the host changes the queues meanwhile)
 * Exit code 0 when every result is correct (in the loop: no wrong result; failed requests are counted
 * by errno and reported, and the last request must succeed: the driver recovered).
 */
#include <asm/zcrypt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "vectors.h"

static void print_file(const char *label, const char *path)
{
    char buf[256];
    FILE *f = fopen(path, "r");
    if (!f) { printf("%s: (%s)\n", label, strerror(errno)); return; }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    while (n > 0 && buf[n - 1] == '\n') buf[--n] = 0;
    printf("%s: %s\n", label, buf);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static void print_ap_state(const char *when)
{
    static const char *card_attrs[] = { "type", "hwtype", "online", "request_count", "requestq_count", "pendingq_count", 0 };
    static const char *queue_attrs[] = { "online", "interrupt", "request_count", "requestq_count", "pendingq_count", 0 };
    char path[600], label[300];
    printf("--- AP state %s\n", when);
    print_file("ap_interrupts", "/sys/bus/ap/ap_interrupts");
    struct dirent **list;
    int n = scandir("/sys/bus/ap/devices", &list, 0, by_name);
    for (int i = 0; i < n; i++) {
        const char *d = list[i]->d_name;
        if (d[0] != '.') {
            const char **attrs = strncmp(d, "card", 4) == 0 ? card_attrs : queue_attrs;
            for (int a = 0; attrs[a]; a++) {
                snprintf(path, sizeof path, "/sys/bus/ap/devices/%s/%s", d, attrs[a]);
                snprintf(label, sizeof label, "%s %s", d, attrs[a]);
                print_file(label, path);
            }
        }
        free(list[i]);
    }
    if (n >= 0) free(list);
    FILE *f = fopen("/proc/interrupts", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (strstr(line, "AP Bus")) printf("/proc/interrupts: %s", line);
        fclose(f);
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

struct key {
    int bits;
    const unsigned char *n, *e, *m, *c, *p, *q, *dp, *dq, *u;
};

static int modexpo(int fd, const struct key *k, unsigned char *out)
{
    unsigned len = k->bits / 8;
    struct ica_rsa_modexpo r = {
        .inputdata = (unsigned char *)k->m, .inputdatalength = len, .outputdata = out, .outputdatalength = len,
        .b_key = (unsigned char *)k->e, .n_modulus = (unsigned char *)k->n,
    };
    return ioctl(fd, ICARSAMODEXPO, &r);
}

static int crt(int fd, const struct key *k, unsigned char *out)
{
    unsigned len = k->bits / 8;
    struct ica_rsa_modexpo_crt r = {
        .inputdata = (unsigned char *)k->c, .inputdatalength = len, .outputdata = out, .outputdatalength = len,
        .bp_key = (unsigned char *)k->dp, .bq_key = (unsigned char *)k->dq,
        .np_prime = (unsigned char *)k->p, .nq_prime = (unsigned char *)k->q, .u_mult_inv = (unsigned char *)k->u,
    };
    return ioctl(fd, ICARSACRT, &r);
}

static const struct key keys[] = {
        { 1024, n1024, e1024, m1024, c1024, p1024, q1024, dp1024, dq1024, u1024 },
        { 2048, n2048, e2048, m2048, c2048, p2048, q2048, dp2048, dq2048, u2048 },
        { 4096, n4096, e4096, m4096, c4096, p4096, q4096, dp4096, dq4096, u4096 },
};

/* The life-cycle loop: requests go on while the host unbinds, resets or releases queues. */
static int loop(int n)
{
    const struct key *k = &keys[0];
    unsigned len = k->bits / 8;
    unsigned char out[512];
    int ok = 0, wrong = 0, failed = 0, last_ok = 0, first_fail = -1, first_errno = 0, recovered_at = -1;
    int errnos[8] = { 0 }, counts[8] = { 0 }, kinds = 0;
    print_ap_state("before");
    int fd = open("/dev/z90crypt", O_RDWR);
    if (fd < 0) {
        printf("zcrypt-test: open /dev/z90crypt: %s\nzcrypt-test: FAIL\n", strerror(errno));
        return 1;
    }
    printf("loop: start, %d requests\n", n);
    double t0 = now();
    for (int r = 0; r < n; r++) {
        int op = r & 1;
        memset(out, 0, len);
        int rc = op ? crt(fd, k, out) : modexpo(fd, k, out);
        if (rc != 0) {
            int e = errno, i;
            if (failed++ == 0) { first_fail = r; first_errno = e; }
            for (i = 0; i < kinds && errnos[i] != e; i++) {}
            if (i == kinds && kinds < 8) errnos[kinds++] = e;
            if (i < 8) counts[i]++;
            last_ok = 0;
            sleep(1); /* as a client would: give the AP bus time to find its queues again (its rescan runs every 30 s) */
            continue;
        }
        if (memcmp(out, op ? k->m : k->c, len) != 0) { wrong++; last_ok = 0; continue; }
        if (failed && !last_ok && recovered_at < 0) recovered_at = r;
        ok++;
        last_ok = 1;
    }
    double t = now() - t0;
    close(fd);
    printf("loop: %d requests, %d ok, %d wrong, %d failed, %.3f s of guest time\n", n, ok, wrong, failed, t);
    for (int i = 0; i < kinds; i++)
        printf("loop: failed with %s: %d\n", strerror(errnos[i]), counts[i]);
    if (failed)
        printf("loop: first failure at request %d (%s), ok again from request %d\n", first_fail, strerror(first_errno), recovered_at);
    print_ap_state("after");
    int pass = wrong == 0 && last_ok;
    printf("zcrypt-test: %s\n", pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "loop") == 0) return loop(atoi(argv[2]));
    int requests = argc > 1 ? atoi(argv[1]) : 20;
    int failures = 0;
    setvbuf(stdout, 0, _IOLBF, 0);
    print_ap_state("before");
    int fd = open("/dev/z90crypt", O_RDWR);
    if (fd < 0) {
        printf("zcrypt-test: open /dev/z90crypt: %s\nzcrypt-test: FAIL\n", strerror(errno));
        return 1;
    }
    unsigned char out[512];
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct key *k = &keys[i];
        unsigned len = k->bits / 8;
        for (int op = 0; op < 2; op++) {
            const char *name = op ? "ICARSACRT" : "ICARSAMODEXPO";
            const unsigned char *want = op ? k->m : k->c;
            memset(out, 0, sizeof out);
            int rc = op ? crt(fd, k, out) : modexpo(fd, k, out);
            if (rc != 0) {
                printf("%s %d-bit: ioctl failed: %s\n", name, k->bits, strerror(errno));
                failures++;
                continue;
            }
            int ok = memcmp(out, want, len) == 0;
            printf("%s %d-bit: %s (result %02x%02x%02x%02x...%02x%02x)\n", name, k->bits, ok ? "ok" : "WRONG",
                   out[0], out[1], out[2], out[3], out[len - 2], out[len - 1]);
            if (!ok) { failures++; continue; }
            double t0 = now();
            int bad = 0;
            for (int r = 0; r < requests; r++) {
                memset(out, 0, len);
                if ((op ? crt(fd, k, out) : modexpo(fd, k, out)) != 0 || memcmp(out, want, len) != 0) bad++;
            }
            double t = now() - t0;
            printf("%s %d-bit: %d requests, %d wrong, %.0f requests/s of guest time\n", name, k->bits, requests, bad,
                   t > 0 ? requests / t : 0.0);
            failures += bad;
        }
    }
    close(fd);
    print_ap_state("after");
    printf("zcrypt-test: %s\n", failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
