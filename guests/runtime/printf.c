/*
 * printf subset: %d %i %u %x %X %o %c %s %p %% with the flags '-', '0' and '+',
 * a field width (number or '*'), a precision for %s, and the length
 * modifiers h, hh, l, ll, z and t.
 */
#include "runtime.h"

struct sink {
    int console;        /* write to the console instead of buf */
    char *buf;
    size_t size;
    size_t len;         /* characters produced so far */
};

static void emit(struct sink *out, char c)
{
    if (out->console)
        putchar(c);
    else if (out->len + 1 < out->size)
        out->buf[out->len] = c;
    out->len++;
}

static void emit_padding(struct sink *out, char c, int count)
{
    while (count-- > 0)
        emit(out, c);
}

static void emit_field(struct sink *out, const char *s, int len, int width,
                       int left, char pad)
{
    if (!left)
        emit_padding(out, pad, width - len);
    for (int i = 0; i < len; i++)
        emit(out, s[i]);
    if (left)
        emit_padding(out, ' ', width - len);
}

/* sign: '-', '+' or 0 for none. */
static void emit_number(struct sink *out, unsigned long long value, char sign,
                        unsigned base, int upper, int width, int left, int zero)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = digits[value % base];
        value /= base;
    } while (value);

    if (zero && !left) {
        /* The sign goes before the zero padding. */
        if (sign) {
            emit(out, sign);
            width--;
        }
        emit_padding(out, '0', width - n);
    } else {
        int len = n + (sign != 0);

        if (!left)
            emit_padding(out, ' ', width - len);
        if (sign)
            emit(out, sign);
        width -= len;
    }
    while (n)
        emit(out, tmp[--n]);
    if (left)
        emit_padding(out, ' ', width);
}

static void format(struct sink *out, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        int left = 0, zero = 0, plus = 0, width = 0, precision = -1, size = 0;
        unsigned long long value;
        char c;

        if (*fmt != '%') {
            emit(out, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else if (*fmt == '+')
                plus = 1;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            precision = 0;
            if (*fmt == '*') {
                precision = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    precision = precision * 10 + (*fmt++ - '0');
            }
        }
        /* size: -2 hh, -1 h, 0 int, 1 long, 2 long long */
        for (;; fmt++) {
            if (*fmt == 'h')
                size--;
            else if (*fmt == 'l' || *fmt == 'z' || *fmt == 't')
                size++;
            else
                break;
        }

        c = *fmt;
        switch (c) {
        case 'd':
        case 'i': {
            long long v;

            if (size >= 1)
                v = size == 1 ? va_arg(ap, long) : va_arg(ap, long long);
            else
                v = va_arg(ap, int);
            if (size == -1)
                v = (short)v;
            else if (size <= -2)
                v = (signed char)v;
            value = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
            emit_number(out, value, v < 0 ? '-' : plus ? '+' : 0, 10, 0, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            if (size >= 1)
                value = size == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long);
            else
                value = va_arg(ap, unsigned int);
            if (size == -1)
                value = (unsigned short)value;
            else if (size <= -2)
                value = (unsigned char)value;
            emit_number(out, value, 0, c == 'u' ? 10 : c == 'o' ? 8 : 16,
                         c == 'X', width, left, zero);
            break;
        case 'p':
            emit(out, '0');
            emit(out, 'x');
            value = (uintptr_t)va_arg(ap, void *);
            emit_number(out, value, 0, 16, 0, width > 2 ? width - 2 : 0, left, zero);
            break;
        case 'c': {
            char ch = (char)va_arg(ap, int);

            emit_field(out, &ch, 1, width, left, ' ');
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len;

            if (!s)
                s = "(null)";
            len = precision >= 0 ? (int)strnlen(s, precision) : (int)strlen(s);
            emit_field(out, s, len, width, left, ' ');
            break;
        }
        case '%':
            emit(out, '%');
            break;
        case '\0':
            return;
        default:
            /* Unknown conversion: print it verbatim. */
            emit(out, '%');
            emit(out, c);
            break;
        }
    }
}

int vprintf(const char *fmt, va_list ap)
{
    struct sink out = { 1, NULL, 0, 0 };

    format(&out, fmt, ap);
    return (int)out.len;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink out = { 0, buf, size, 0 };

    format(&out, fmt, ap);
    if (size)
        buf[out.len < size ? out.len : size - 1] = '\0';
    return (int)out.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
