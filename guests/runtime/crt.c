/*
 * C start-up, exit protocol and command-line access.
 */
#include "runtime.h"
#include "s390.h"
#include "internal.h"

/* Defined in start.S at 0x10400; the command line is at 0x10480. */
extern char parm_area[0x480];

#define CMDLINE_OFFSET  0x80
#define CMDLINE_MAX     0x400

void rt_start_c(void)
{
    interrupts_init();
    /* Make sure the command line is terminated even if it filled the area. */
    parm_area[CMDLINE_OFFSET + CMDLINE_MAX - 1] = '\0';
    exit(main());
}

void exit(int code)
{
    u16 cpu;

    printf("EXIT: STATUS=%d\n", code * 2 + 1);
    console_flush();

    /* Stop this CPU; the machine shuts down when no CPU is running. */
    cpu = store_cpu_address();
    for (;;)
        sigp(cpu, SIGP_STOP, 0, NULL);
}

void panic(const char *fmt, ...)
{
    va_list ap;

    printf("PANIC: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    exit(1);
}

const char *cmdline(void)
{
    return parm_area + CMDLINE_OFFSET;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

/* Parse a decimal or 0x-prefixed hexadecimal number; 0 if malformed. */
static int parse_number(const char *s, size_t len, long *out)
{
    int base = 10;
    int negative = 0;
    long value = 0;

    if (len && *s == '-') {
        negative = 1;
        s++;
        len--;
    }
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (len == 0)
        return 0;
    while (len--) {
        int d = digit_value(*s++);

        if (d >= base)
            return 0;
        value = value * base + d;
    }
    *out = negative ? -value : value;
    return 1;
}

long cmdline_long(const char *key, long def)
{
    const char *p = cmdline();
    size_t key_len = strlen(key);

    while (*p) {
        const char *token;
        size_t len;

        while (is_space(*p))
            p++;
        token = p;
        while (*p && !is_space(*p))
            p++;
        len = p - token;
        if (len > key_len && memcmp(token, key, key_len) == 0 && token[key_len] == '=') {
            long value;

            if (parse_number(token + key_len + 1, len - key_len - 1, &value))
                return value;
        }
    }
    return def;
}
