/*
 * Decimal output of doubles for nbody (hard float), computed in binary128
 * (long double): the value scaled by powers of ten and rounded to an
 * integer, accurate to far more digits than printed.
 */
#include "runtime.h"
#include "fmt.h"

static int digits(char *out, unsigned long long v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int k = 0; k < n; k++)
        out[k] = t[n - 1 - k];
    return n;
}

static long double pow10l(int n)
{
    long double p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

static unsigned long long round_ll(long double v)
{
    return (unsigned long long)(v + 0.5L);
}

void print_double(const char *label, double v, char conv, int prec)
{
    char buf[64];
    int n = 0;
    unsigned long long bits;

    __builtin_memcpy(&bits, &v, 8);
    if (bits >> 63)
        buf[n++] = '-';
    bits &= ~(1ULL << 63);
    if (bits >= 0x7ff0000000000000ULL) {
        const char *s = bits == 0x7ff0000000000000ULL ? "inf" : "nan";
        for (; *s; s++)
            buf[n++] = *s;
    } else if (conv == 'f') {
        long double a = v < 0 ? -(long double)v : (long double)v;
        unsigned long long i = round_ll(a * pow10l(prec));
        char d[24];
        int nd = digits(d, i);
        int lead = nd - prec;                 /* digits before the point */
        if (lead <= 0) {
            buf[n++] = '0';
        } else {
            for (int k = 0; k < lead; k++)
                buf[n++] = d[k];
        }
        if (prec > 0) {
            buf[n++] = '.';
            for (int k = lead; k < 0; k++)
                buf[n++] = '0';
            for (int k = lead < 0 ? 0 : lead; k < nd; k++)
                buf[n++] = d[k];
        }
    } else {
        long double a = v < 0 ? -(long double)v : (long double)v;
        int e10 = 0;
        if (a != 0) {
            while (a >= 10) { a /= 10; e10++; }
            while (a < 1) { a *= 10; e10--; }
        }
        unsigned long long i = round_ll(a * pow10l(prec));
        if (i >= (unsigned long long)pow10l(prec + 1)) {
            i = round_ll((long double)i / 10);
            e10++;
        }
        char d[24];
        int nd = digits(d, i);
        buf[n++] = d[0];
        if (prec > 0) {
            buf[n++] = '.';
            for (int k = 1; k < nd; k++)
                buf[n++] = d[k];
        }
        buf[n++] = 'e';
        buf[n++] = e10 < 0 ? '-' : '+';
        int ae = e10 < 0 ? -e10 : e10;
        if (ae < 10)
            buf[n++] = '0';
        n += digits(buf + n, (unsigned long long)ae);
    }
    buf[n] = 0;
    printf("%s: %s\n", label, buf);
}
