/*
 * Guest entry point, parameter area, interrupt entry stubs and a few
 * helpers that cannot be written in C.
 *
 * The image is linked at 0x10000 with its entry there, so QEMU's -kernel
 * loader treats it like a Linux image: it starts the CPU at 0x10000 and
 * copies the -append text to 0x10480.  The CPU starts with DAT off and all
 * interrupts disabled; nothing else about the initial state is relied on.
 */
#include "asm.h"

/* ------------------------------------------------------------------------
 * 0x10000: first instructions.  Must not grow past 0x10400.
 */
        .section .head.text, "ax"
        .globl  _start
_start:
        sam64                           /* whatever mode we were started in */
        jg      rt_entry                /* jump over the parameter area */

/* ------------------------------------------------------------------------
 * 0x10400..0x10880: Linux-compatible parameter area (zero in the image).
 *   0x10408  initrd start (8 bytes)    0x10410  initrd size (8 bytes)
 *   0x10480  NUL-terminated command line, at most 1 KiB
 */
        .section .parmarea, "aw"
        .globl  parm_area
parm_area:
        .fill   0x480, 1, 0

/* ------------------------------------------------------------------------
 * Real entry: prefix 0, clear .bss, set up the stack, call C.
 */
        .text
        .globl  rt_entry
rt_entry:
        sam64
        /* Known PSW: supervisor state, key 0, 64-bit, DAT/PER/interrupts
         * off, cc 0, program mask 0 - whatever ran before us. */
        larl    %r1, .Linitial_psw
        lpswe   0(%r1)
.Lpsw_loaded:
        larl    %r1, .Lzero_word
        spx     0(%r1)                  /* lowcore at absolute 0 */
#if defined(__VX__) || defined(__FP_FAST_FMA)
        /* Built with hard float: the compiled code uses all 16 floating-point
         * registers (and, for z13 or later, the vector registers), so the
         * AFP-register control (CR0 bit 45) and the vector enablement control
         * (bit 46) go on before any C code runs. */
        larl    %r1, .Lcr0_scratch
        stctg   %c0, %c0, 0(%r1)
#ifdef __VX__
        oi      5(%r1), 0x06
#else
        oi      5(%r1), 0x04
#endif
        lctlg   %c0, %c0, 0(%r1)
#endif

        larl    %r2, __bss_start        /* both 8-byte aligned */
        larl    %r3, __bss_end
        lghi    %r0, 0
        j       2f
1:      stg     %r0, 0(%r2)
        aghi    %r2, 8
2:      clgr    %r2, %r3
        jl      1b

        larl    %r15, rt_stack_top
        aghi    %r15, -STACK_FRAME
        brasl   %r14, rt_start_c        /* does not return */
3:      j       3b

/* ------------------------------------------------------------------------
 * Interrupt entry.  Every class has a tiny stub that saves the interrupted
 * registers in the lowcore scratch area, picks a stack, builds a
 * struct irq_frame {u64 gprs[16]; u64 psw_mask, psw_addr;} on it and calls
 * rt_interrupt(class, frame).  On return the (possibly modified) frame is
 * reloaded with LMG + LPSWE.
 *
 * Stack choice: the interrupt stack top, unless the interrupted r15 already
 * points into the interrupt stack (a nested interrupt, e.g. the console
 * waiting for its service signal inside a program-check handler), in which
 * case the new frame goes below the interrupted one.
 */
        .macro  IRQ_STUB name, class, old_psw
        .globl  \name
\name:
        stmg    %r0, %r15, LC_SAVE_GPRS
        lghi    %r2, \class
        lghi    %r3, \old_psw
        j       irq_common
        .endm

        IRQ_STUB rt_restart_entry,  IRQ_RESTART,  LC_RESTART_OLD_PSW
        IRQ_STUB rt_ext_entry,      IRQ_EXTERNAL, LC_EXT_OLD_PSW
        IRQ_STUB rt_svc_entry,      IRQ_SVC,      LC_SVC_OLD_PSW
        IRQ_STUB rt_pgm_entry,      IRQ_PROGRAM,  LC_PGM_OLD_PSW
        IRQ_STUB rt_mcck_entry,     IRQ_MCHECK,   LC_MCCK_OLD_PSW
        IRQ_STUB rt_io_entry,       IRQ_IO,       LC_IO_OLD_PSW

irq_common:
        larl    %r1, rt_irq_stack_top
        larl    %r4, rt_irq_stack
        clgr    %r15, %r4               /* r15 below the interrupt stack? */
        jl      1f
        clgr    %r15, %r1               /* ... or above it? */
        jh      1f
        lgr     %r1, %r15               /* nested: continue below */
        nill    %r1, 0xfff8
1:      lay     %r15, -(IRQ_FRAME_SIZE + IRQ_FP_SAVE_SIZE + STACK_FRAME)(%r1)
        la      %r4, STACK_FRAME(%r15)          /* r4 = frame */
        mvc     0(128, %r4), LC_SAVE_GPRS       /* frame->gprs */
        mvc     128(16, %r4), 0(%r3)            /* frame->psw */
#if IRQ_FP_SAVE_SIZE
        stfpc   IRQ_FRAME_SIZE(%r4)
#ifdef __VX__
        vstm    %v0, %v15, IRQ_FRAME_SIZE+8(%r4)
        vstm    %v16, %v31, IRQ_FRAME_SIZE+8+256(%r4)
#else
        std     %f0, IRQ_FRAME_SIZE+8+0*8(%r4)
        std     %f1, IRQ_FRAME_SIZE+8+1*8(%r4)
        std     %f2, IRQ_FRAME_SIZE+8+2*8(%r4)
        std     %f3, IRQ_FRAME_SIZE+8+3*8(%r4)
        std     %f4, IRQ_FRAME_SIZE+8+4*8(%r4)
        std     %f5, IRQ_FRAME_SIZE+8+5*8(%r4)
        std     %f6, IRQ_FRAME_SIZE+8+6*8(%r4)
        std     %f7, IRQ_FRAME_SIZE+8+7*8(%r4)
        std     %f8, IRQ_FRAME_SIZE+8+8*8(%r4)
        std     %f9, IRQ_FRAME_SIZE+8+9*8(%r4)
        std     %f10, IRQ_FRAME_SIZE+8+10*8(%r4)
        std     %f11, IRQ_FRAME_SIZE+8+11*8(%r4)
        std     %f12, IRQ_FRAME_SIZE+8+12*8(%r4)
        std     %f13, IRQ_FRAME_SIZE+8+13*8(%r4)
        std     %f14, IRQ_FRAME_SIZE+8+14*8(%r4)
        std     %f15, IRQ_FRAME_SIZE+8+15*8(%r4)
#endif
#endif
        lgr     %r3, %r4
        lgr     %r6, %r4                        /* callee-saved copy */
        brasl   %r14, rt_interrupt
#if IRQ_FP_SAVE_SIZE
        lfpc    IRQ_FRAME_SIZE(%r6)
#ifdef __VX__
        vlm     %v0, %v15, IRQ_FRAME_SIZE+8(%r6)
        vlm     %v16, %v31, IRQ_FRAME_SIZE+8+256(%r6)
#else
        ld      %f0, IRQ_FRAME_SIZE+8+0*8(%r6)
        ld      %f1, IRQ_FRAME_SIZE+8+1*8(%r6)
        ld      %f2, IRQ_FRAME_SIZE+8+2*8(%r6)
        ld      %f3, IRQ_FRAME_SIZE+8+3*8(%r6)
        ld      %f4, IRQ_FRAME_SIZE+8+4*8(%r6)
        ld      %f5, IRQ_FRAME_SIZE+8+5*8(%r6)
        ld      %f6, IRQ_FRAME_SIZE+8+6*8(%r6)
        ld      %f7, IRQ_FRAME_SIZE+8+7*8(%r6)
        ld      %f8, IRQ_FRAME_SIZE+8+8*8(%r6)
        ld      %f9, IRQ_FRAME_SIZE+8+9*8(%r6)
        ld      %f10, IRQ_FRAME_SIZE+8+10*8(%r6)
        ld      %f11, IRQ_FRAME_SIZE+8+11*8(%r6)
        ld      %f12, IRQ_FRAME_SIZE+8+12*8(%r6)
        ld      %f13, IRQ_FRAME_SIZE+8+13*8(%r6)
        ld      %f14, IRQ_FRAME_SIZE+8+14*8(%r6)
        ld      %f15, IRQ_FRAME_SIZE+8+15*8(%r6)
#endif
#endif
        mvc     LC_SAVE_PSW(16), 128(%r6)
        lmg     %r0, %r15, 0(%r6)
        lpswe   LC_SAVE_PSW

/* ------------------------------------------------------------------------
 * void rt_load_wait_psw(u64 mask)
 * Load a PSW with the given mask (normally wait bit + interrupt masks) whose
 * address is our own return point.  The external handler resumes here.
 */
        .globl  rt_load_wait_psw
rt_load_wait_psw:
        stg     %r2, 0(%r15)            /* caller's save area, 8-aligned */
        larl    %r1, 1f
        stg     %r1, 8(%r15)
        lpswe   0(%r15)
1:      br      %r14

/* ------------------------------------------------------------------------
 * void rt_enter_psw(u64 mask) - continue at the return address with the
 * given PSW mask (e.g. to switch to problem state).  Registers are kept.
 */
        .globl  rt_enter_psw
rt_enter_psw:
        stg     %r2, 0(%r15)
        stg     %r14, 8(%r15)
        lpswe   0(%r15)

/* ------------------------------------------------------------------------
 * int rt_setjmp(rt_jmp_buf env) / void rt_longjmp(rt_jmp_buf env, int val)
 * The callee-saved registers r6..r15 are kept, and in hard-float builds
 * f8..f15 too (the ABI's callee-saved FPRs).
 */
        .globl  rt_setjmp
rt_setjmp:
        stmg    %r6, %r15, 0(%r2)
#if defined(__VX__) || defined(__FP_FAST_FMA)
        std     %f8, 80(%r2)
        std     %f9, 88(%r2)
        std     %f10, 96(%r2)
        std     %f11, 104(%r2)
        std     %f12, 112(%r2)
        std     %f13, 120(%r2)
        std     %f14, 128(%r2)
        std     %f15, 136(%r2)
#endif
        lghi    %r2, 0
        br      %r14

        .globl  rt_longjmp
rt_longjmp:
        lmg     %r6, %r15, 0(%r2)
#if defined(__VX__) || defined(__FP_FAST_FMA)
        ld      %f8, 80(%r2)
        ld      %f9, 88(%r2)
        ld      %f10, 96(%r2)
        ld      %f11, 104(%r2)
        ld      %f12, 112(%r2)
        ld      %f13, 120(%r2)
        ld      %f14, 128(%r2)
        ld      %f15, 136(%r2)
#endif
        lgfr    %r2, %r3
        br      %r14

        .section .rodata
        .balign 8
.Lzero_word:
        .long   0, 0
.Linitial_psw:
        .quad   0x0000000180000000, .Lpsw_loaded

/* ------------------------------------------------------------------------
 * Stacks.
 */
        .bss
        .balign 4096
        .globl  rt_stack
rt_stack:
        .space  STACK_SIZE
        .globl  rt_stack_top
rt_stack_top:
        .globl  rt_irq_stack
rt_irq_stack:
        .space  IRQ_STACK_SIZE
        .globl  rt_irq_stack_top
rt_irq_stack_top:

#if defined(__VX__) || defined(__FP_FAST_FMA)
        .data
        .balign 8
.Lcr0_scratch:
        .quad   0
#endif

        .section .note.GNU-stack, "", @progbits
