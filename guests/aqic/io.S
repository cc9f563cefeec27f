/*
 * The aqic guest's I/O interruption entry (the runtime panics on I/O
 * interruptions; this guest takes adapter interruptions).  Same frame as the
 * runtime's stubs: struct irq_frame {u64 gprs[16]; u64 psw_mask, psw_addr;}
 * on a stack of its own; aqic_io_interrupt(frame) may change the frame, which
 * is reloaded with LMG + LPSWE.  I/O interruptions arrive disabled for I/O,
 * so they never nest.
 */
#include "asm.h"

        .text
        .globl  aqic_io_entry
aqic_io_entry:
        stmg    %r0, %r15, LC_SAVE_GPRS
        larl    %r1, aqic_io_stack_top
        lay     %r15, -(IRQ_FRAME_SIZE + STACK_FRAME)(%r1)
        la      %r4, STACK_FRAME(%r15)          /* r4 = frame */
        mvc     0(128, %r4), LC_SAVE_GPRS       /* frame->gprs */
        mvc     128(16, %r4), LC_IO_OLD_PSW     /* frame->psw */
        lgr     %r2, %r4
        lgr     %r6, %r4                        /* callee-saved copy */
        brasl   %r14, aqic_io_interrupt
        mvc     LC_SAVE_PSW(16), 128(%r6)
        lmg     %r0, %r15, 0(%r6)
        lpswe   LC_SAVE_PSW

        .bss
        .balign 4096
aqic_io_stack:
        .space  8192
        .globl  aqic_io_stack_top
aqic_io_stack_top:

        .section .note.GNU-stack, "", @progbits
