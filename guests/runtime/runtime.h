/*
 * Freestanding runtime for the bare-metal s390x test guests.
 *
 * Every guest provides `int main(void)`; the runtime sets up the machine,
 * calls it and passes its return value to exit().
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "asm.h"

typedef uint8_t  u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t   s8;
typedef int16_t  s16;
typedef int32_t  s32;
typedef int64_t  s64;

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ALIGNED(n)      __attribute__((aligned(n)))
#define NORETURN        __attribute__((noreturn))
#define NOINLINE        __attribute__((noinline))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ---- PSW ---------------------------------------------------------------- */

struct psw {
    u64 mask;
    u64 addr;
} ALIGNED(8);

#define PSW_MASK_PER        0x4000000000000000UL   /* bit 1 */
#define PSW_MASK_DAT        0x0400000000000000UL   /* bit 5 */
#define PSW_MASK_IO         0x0200000000000000UL   /* bit 6 */
#define PSW_MASK_EXT        0x0100000000000000UL   /* bit 7 */
#define PSW_MASK_KEY        0x00f0000000000000UL   /* bits 8-11 */
#define PSW_MASK_MCHECK     0x0004000000000000UL   /* bit 13 */
#define PSW_MASK_WAIT       0x0002000000000000UL   /* bit 14 */
#define PSW_MASK_PSTATE     0x0001000000000000UL   /* bit 15 */
#define PSW_MASK_CC         0x0000300000000000UL   /* bits 18-19 */
#define PSW_MASK_PM         0x00000f0000000000UL   /* bits 20-23 */
#define PSW_MASK_EA         0x0000000100000000UL   /* bit 31 */
#define PSW_MASK_BA         0x0000000080000000UL   /* bit 32 */

/* Supervisor state, 64-bit addressing, DAT off, everything disabled. */
#define PSW_MASK_KERNEL     (PSW_MASK_EA | PSW_MASK_BA)

/* ---- lowcore ------------------------------------------------------------ */

struct lowcore {
    u8  pad_0x000[0x080];
    u32 ext_params;                 /* 0x080 */
    u16 ext_cpu_addr;               /* 0x084 */
    u16 ext_int_code;               /* 0x086 */
    u16 svc_ilc;                    /* 0x088 */
    u16 svc_code;                   /* 0x08a */
    u16 pgm_ilc;                    /* 0x08c */
    u16 pgm_code;                   /* 0x08e */
    u32 data_exc_code;              /* 0x090 */
    u8  pad_0x094[0x0a8 - 0x094];
    u64 trans_exc_code;             /* 0x0a8 */
    u8  pad_0x0b0[0x0b8 - 0x0b0];
    u32 subchannel_id;              /* 0x0b8 */
    u32 io_int_parm;                /* 0x0bc */
    u32 io_int_word;                /* 0x0c0 */
    u8  pad_0x0c4[0x120 - 0x0c4];
    struct psw restart_old_psw;     /* 0x120 */
    struct psw ext_old_psw;         /* 0x130 */
    struct psw svc_old_psw;         /* 0x140 */
    struct psw pgm_old_psw;         /* 0x150 */
    struct psw mcck_old_psw;        /* 0x160 */
    struct psw io_old_psw;          /* 0x170 */
    u8  pad_0x180[0x1a0 - 0x180];
    struct psw restart_new_psw;     /* 0x1a0 */
    struct psw ext_new_psw;         /* 0x1b0 */
    struct psw svc_new_psw;         /* 0x1c0 */
    struct psw pgm_new_psw;         /* 0x1d0 */
    struct psw mcck_new_psw;        /* 0x1e0 */
    struct psw io_new_psw;          /* 0x1f0 */
    u64 save_gprs[16];              /* 0x200, runtime scratch */
    struct psw save_psw;            /* 0x280, runtime scratch */
    u8  pad_0x290[0x2000 - 0x290];  /* the prefix area is 8 KiB */
};

/*
 * The current CPU's prefix area, addressed with real address 0 (the linker
 * script defines the symbol), so the compiler never sees a null pointer.
 */
extern volatile struct lowcore lowcore;

/* ---- interrupts --------------------------------------------------------- */

struct irq_frame {
    u64 gprs[16];
    struct psw psw;
};

/* Installed with rt_set_ext_hook(); called for every external interruption
 * code the runtime does not handle itself (it handles 0x2401).  Runs with
 * interrupts disabled; must not print. */
typedef void (*ext_hook_fn)(u16 code, u32 param);
void rt_set_ext_hook(ext_hook_fn hook);

/* Called for SVC interruptions; without a hook an SVC is fatal. */
typedef void (*svc_hook_fn)(u16 code, u16 ilc, struct irq_frame *frame);
void rt_set_svc_hook(svc_hook_fn hook);

/* What a caught program interruption looked like. */
struct pgm_info {
    u16 code;           /* program interruption code (lowcore 0x8e) */
    u16 ilc;            /* instruction length in bytes (2, 4 or 6) */
    u32 dxc;            /* data exception code (lowcore 0x90) */
    struct psw old_psw; /* program old PSW */
    u64 gprs[16];       /* registers at the interruption */
};

/*
 * Run fn(arg).  If it causes a program interruption, fill *info, resume
 * right here in supervisor state with interrupts disabled (whatever PSW the
 * interrupted code ran with) and return 1.  Otherwise return 0.
 */
int rt_catch_pgm(void (*fn)(void *arg), void *arg, struct pgm_info *info);

/*
 * Wait in an enabled wait state with the given interrupt masks (e.g.
 * PSW_MASK_EXT) until one interruption has been handled.  Returns with
 * I/O and external interruptions disabled again.
 */
void rt_wait_for_interrupt(u64 masks);

/* Switch the PSW mask (e.g. to problem state) and continue. */
void rt_enter_psw(u64 mask);

typedef u64 rt_jmp_buf[18];   /* r6-r15, f8-f15 */
int rt_setjmp(rt_jmp_buf env) __attribute__((returns_twice));
void rt_longjmp(rt_jmp_buf env, int val) NORETURN;

/* ---- console and formatted output -------------------------------------- */

int putchar(int c);
int puts(const char *s);                 /* appends a newline */
void console_write(const char *s, size_t len);
void console_flush(void);

int printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* ---- program exit -------------------------------------------------------- */

/* Flush, print "EXIT: STATUS=<code*2+1>" and stop this CPU. */
void exit(int code) NORETURN;
/* Print a message and exit(1). */
void panic(const char *fmt, ...) NORETURN PRINTF_LIKE(1, 2);

/* ---- command line ------------------------------------------------------- */

/* The NUL-terminated -append text (empty string if there was none). */
const char *cmdline(void);
/* Value of `key=<number>` in the command line (decimal or 0x hex), or def. */
long cmdline_long(const char *key, long def);

/* ---- strings and memory ------------------------------------------------- */

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);

/* Guest entry point. */
int main(void);

#endif
