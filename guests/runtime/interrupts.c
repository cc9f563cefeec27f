/*
 * Interruption handling: new PSWs, the C side of the entry stubs, catching
 * expected program interruptions and waiting for external interruptions.
 */
#include "runtime.h"
#include "s390.h"
#include "internal.h"

#define EXT_CODE_SERVICE_SIGNAL 0x2401

static ext_hook_fn ext_hook;
static svc_hook_fn svc_hook;

struct pgm_catcher {
    rt_jmp_buf env;
    struct pgm_info *info;
};

static struct pgm_catcher *volatile pgm_catcher;

_Static_assert(__builtin_offsetof(struct lowcore, ext_int_code) == LC_EXT_INT_CODE, "lowcore");
_Static_assert(__builtin_offsetof(struct lowcore, pgm_code) == LC_PGM_CODE, "lowcore");
_Static_assert(__builtin_offsetof(struct lowcore, io_int_word) == LC_IO_INT_WORD, "lowcore");
_Static_assert(__builtin_offsetof(struct lowcore, io_old_psw) == LC_IO_OLD_PSW, "lowcore");
_Static_assert(__builtin_offsetof(struct lowcore, io_new_psw) == LC_IO_NEW_PSW, "lowcore");
_Static_assert(__builtin_offsetof(struct lowcore, save_gprs) == LC_SAVE_GPRS, "lowcore");
_Static_assert(__builtin_offsetof(struct lowcore, save_psw) == LC_SAVE_PSW, "lowcore");
_Static_assert(sizeof(struct irq_frame) == IRQ_FRAME_SIZE, "irq frame");

static void set_new_psw(volatile struct psw *psw, void (*handler)(void))
{
    psw->mask = PSW_MASK_KERNEL;
    psw->addr = (u64)(uintptr_t)handler;
}

void interrupts_init(void)
{
    set_new_psw(&lowcore.restart_new_psw, rt_restart_entry);
    set_new_psw(&lowcore.ext_new_psw, rt_ext_entry);
    set_new_psw(&lowcore.svc_new_psw, rt_svc_entry);
    set_new_psw(&lowcore.pgm_new_psw, rt_pgm_entry);
    set_new_psw(&lowcore.mcck_new_psw, rt_mcck_entry);
    set_new_psw(&lowcore.io_new_psw, rt_io_entry);
    /* No clock-comparator, CPU-timer, emergency-signal, external-call or
     * malfunction-alert interruptions unless a guest asks for them. */
    ctl_clear_bits(0, CR0_CLOCK_COMPARATOR | CR0_CPU_TIMER | 0xf000);
}

void rt_set_ext_hook(ext_hook_fn hook)
{
    ext_hook = hook;
}

void rt_set_svc_hook(svc_hook_fn hook)
{
    svc_hook = hook;
}

void rt_wait_for_interrupt(u64 masks)
{
    rt_load_wait_psw(PSW_MASK_KERNEL | PSW_MASK_WAIT | masks);
}

int rt_catch_pgm(void (*fn)(void *arg), void *arg, struct pgm_info *info)
{
    struct pgm_catcher catcher;

    catcher.info = info;
    if (rt_setjmp(catcher.env)) {
        /* Resumed by handle_program() below; it cleared pgm_catcher. */
        return 1;
    }
    pgm_catcher = &catcher;
    fn(arg);
    pgm_catcher = NULL;
    return 0;
}

static void print_frame(const struct irq_frame *frame)
{
    for (int i = 0; i < 16; i += 4)
        printf("  r%-2d %016lx %016lx %016lx %016lx\n", i,
               frame->gprs[i], frame->gprs[i + 1],
               frame->gprs[i + 2], frame->gprs[i + 3]);
}

static void handle_program(struct irq_frame *frame)
{
    struct pgm_catcher *catcher = pgm_catcher;
    u16 code = lowcore.pgm_code;
    u16 ilc = lowcore.pgm_ilc & 0x6;

    if (catcher) {
        struct pgm_info *info = catcher->info;

        pgm_catcher = NULL;
        info->code = code;
        info->ilc = ilc;
        info->dxc = lowcore.data_exc_code;
        info->old_psw = frame->psw;
        memcpy(info->gprs, frame->gprs, sizeof(info->gprs));
        /* Resume in rt_catch_pgm() via rt_longjmp(env, 1). */
        frame->psw.mask = PSW_MASK_KERNEL;
        frame->psw.addr = (u64)(uintptr_t)rt_longjmp;
        frame->gprs[2] = (u64)(uintptr_t)catcher->env;
        frame->gprs[3] = 1;
        return;
    }

    printf("PROGRAM CHECK code=0x%04x ilc=%u psw=%016lx %016lx\n",
           code, ilc, frame->psw.mask, frame->psw.addr);
    print_frame(frame);
    exit(1);
}

static void handle_external(struct irq_frame *frame)
{
    u16 code = lowcore.ext_int_code;
    u32 param = lowcore.ext_params;

    if (code == EXT_CODE_SERVICE_SIGNAL)
        sclp_service_signal(param);
    else if (ext_hook)
        ext_hook(code, param);
    else {
        /* Keep the condition from interrupting the panic output forever. */
        ctl_clear_bits(0, CR0_CLOCK_COMPARATOR | CR0_CPU_TIMER | 0xf000);
        panic("unexpected external interruption code=0x%04x param=0x%08x", code, param);
    }

    /*
     * An interruption ends an enabled wait (rt_wait_for_interrupt): resume
     * after the wait, running and with I/O and external interruptions
     * disabled, so the waiter can check its condition without races.
     */
    if (frame->psw.mask & PSW_MASK_WAIT)
        frame->psw.mask &= ~(PSW_MASK_WAIT | PSW_MASK_IO | PSW_MASK_EXT);
}

static void handle_svc(struct irq_frame *frame)
{
    u16 code = lowcore.svc_code;
    u16 ilc = lowcore.svc_ilc & 0x6;

    if (!svc_hook)
        panic("unexpected SVC %u", code);
    svc_hook(code, ilc, frame);
}

void rt_interrupt(int irq_class, struct irq_frame *frame)
{
    switch (irq_class) {
    case IRQ_PROGRAM:
        handle_program(frame);
        break;
    case IRQ_EXTERNAL:
        handle_external(frame);
        break;
    case IRQ_SVC:
        handle_svc(frame);
        break;
    case IRQ_IO:
        panic("unexpected I/O interruption subchannel=0x%08x psw=%016lx %016lx",
              lowcore.subchannel_id, frame->psw.mask, frame->psw.addr);
    case IRQ_MCHECK:
        panic("unexpected machine check psw=%016lx %016lx",
              frame->psw.mask, frame->psw.addr);
    default:
        panic("unexpected restart interruption psw=%016lx %016lx",
              frame->psw.mask, frame->psw.addr);
    }
}
