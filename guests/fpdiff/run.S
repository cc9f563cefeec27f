/*
 * fpdiff: runs one instruction under test with a complete register state.
 *
 *   void fpd_run(struct fpd_ctx *ctx)
 *
 * Loads CR0 with AFP (and vector) on, the FPC, all vector registers (VLM)
 * or the 16 FPRs (LD), the condition code and program mask (SPM), the case's
 * CR0 and all 16 GPRs, executes the patched slot fpd_slot (6 bytes: the
 * instruction, padded with BCR 0,0; in a page of its own), then stores
 * everything back.  A program
 * interruption during the slot lands in fpd_pgm (the program new PSW points
 * there while a case runs), which stores the registers the same way.  The
 * lowcore bytes 0x300-0x30f are this guest's scratch: 0x300 the IPM result,
 * 0x304 "interrupted".
 */
        .machine z13
        /* a page of its own, more than the JIT's region window (4 KiB) away from
         * main: patching the slot drops only this page's translations */
        .section .text.fpdiff_run, "ax"
        .balign 4096
        .skip   8192

        .equ    CTX_GPR_IN, 0
        .equ    CTX_GPR_OUT, 128
        .equ    CTX_VR_IN, 256
        .equ    CTX_VR_OUT, 768
        .equ    CTX_FPC_IN, 1280
        .equ    CTX_FPC_OUT, 1284
        .equ    CTX_CR0_CASE, 1288
        .equ    CTX_CR0_RUN, 1296
        .equ    CTX_CCPM, 1304
        .equ    CTX_IPM, 1308
        .equ    CTX_USE_VX, 1312
        .equ    CTX_INTERRUPTED, 1316
        .equ    CTX_SAVED_R15, 1320

        .globl  fpd_run
fpd_run:
        stmg    %r6, %r15, 48(%r15)
        larl    %r1, fpd_fsave          /* the ABI's callee-saved FPRs (hard-float C caller) */
        std     %f8, 0(%r1)
        std     %f9, 8(%r1)
        std     %f10, 16(%r1)
        std     %f11, 24(%r1)
        std     %f12, 32(%r1)
        std     %f13, 40(%r1)
        std     %f14, 48(%r1)
        std     %f15, 56(%r1)
        larl    %r1, fpd_ctxp
        stg     %r2, 0(%r1)
        stg     %r15, CTX_SAVED_R15(%r2)
        lctlg   %c0, %c0, CTX_CR0_RUN(%r2)
        lfpc    CTX_FPC_IN(%r2)
        lt      %r0, CTX_USE_VX(%r2)
        jz      1f
        vlm     %v0, %v15, CTX_VR_IN(%r2)
        vlm     %v16, %v31, CTX_VR_IN+256(%r2)
        j       2f
1:      ld      %f0, CTX_VR_IN+0*16(%r2)
        ld      %f1, CTX_VR_IN+1*16(%r2)
        ld      %f2, CTX_VR_IN+2*16(%r2)
        ld      %f3, CTX_VR_IN+3*16(%r2)
        ld      %f4, CTX_VR_IN+4*16(%r2)
        ld      %f5, CTX_VR_IN+5*16(%r2)
        ld      %f6, CTX_VR_IN+6*16(%r2)
        ld      %f7, CTX_VR_IN+7*16(%r2)
        ld      %f8, CTX_VR_IN+8*16(%r2)
        ld      %f9, CTX_VR_IN+9*16(%r2)
        ld      %f10, CTX_VR_IN+10*16(%r2)
        ld      %f11, CTX_VR_IN+11*16(%r2)
        ld      %f12, CTX_VR_IN+12*16(%r2)
        ld      %f13, CTX_VR_IN+13*16(%r2)
        ld      %f14, CTX_VR_IN+14*16(%r2)
        ld      %f15, CTX_VR_IN+15*16(%r2)
2:      l       %r1, CTX_CCPM(%r2)
        spm     %r1
        lctlg   %c0, %c0, CTX_CR0_CASE(%r2)
        lmg     %r0, %r15, CTX_GPR_IN(%r2)
        jg      fpd_slot
        .globl  fpd_after
fpd_after:
        stmg    %r0, %r15, 0x200
        ipm     %r0
        st      %r0, 0x300
        mvi     0x304, 0
fpd_common:
        larl    %r1, fpd_ctxp
        lg      %r2, 0(%r1)
        mvc     CTX_GPR_OUT(128, %r2), 0x200
        mvc     CTX_IPM(4, %r2), 0x300
        mvc     CTX_INTERRUPTED+3(1, %r2), 0x304
        lghi    %r0, 0
        spm     %r0                     /* program mask off again for the C code */
        lctlg   %c0, %c0, CTX_CR0_RUN(%r2)
        stfpc   CTX_FPC_OUT(%r2)
        lt      %r0, CTX_USE_VX(%r2)
        jz      3f
        vstm    %v0, %v15, CTX_VR_OUT(%r2)
        vstm    %v16, %v31, CTX_VR_OUT+256(%r2)
        j       4f
3:      std     %f0, CTX_VR_OUT+0*16(%r2)
        std     %f1, CTX_VR_OUT+1*16(%r2)
        std     %f2, CTX_VR_OUT+2*16(%r2)
        std     %f3, CTX_VR_OUT+3*16(%r2)
        std     %f4, CTX_VR_OUT+4*16(%r2)
        std     %f5, CTX_VR_OUT+5*16(%r2)
        std     %f6, CTX_VR_OUT+6*16(%r2)
        std     %f7, CTX_VR_OUT+7*16(%r2)
        std     %f8, CTX_VR_OUT+8*16(%r2)
        std     %f9, CTX_VR_OUT+9*16(%r2)
        std     %f10, CTX_VR_OUT+10*16(%r2)
        std     %f11, CTX_VR_OUT+11*16(%r2)
        std     %f12, CTX_VR_OUT+12*16(%r2)
        std     %f13, CTX_VR_OUT+13*16(%r2)
        std     %f14, CTX_VR_OUT+14*16(%r2)
        std     %f15, CTX_VR_OUT+15*16(%r2)
4:      lghi    %r0, 0
        sfpc    %r0                     /* the C code's FPC: 0 */
        larl    %r1, fpd_fsave
        ld      %f8, 0(%r1)
        ld      %f9, 8(%r1)
        ld      %f10, 16(%r1)
        ld      %f11, 24(%r1)
        ld      %f12, 32(%r1)
        ld      %f13, 40(%r1)
        ld      %f14, 48(%r1)
        ld      %f15, 56(%r1)
        lg      %r15, CTX_SAVED_R15(%r2)
        lmg     %r6, %r15, 48(%r15)
        br      %r14

        .globl  fpd_pgm
fpd_pgm:
        stmg    %r0, %r15, 0x200
        mvi     0x304, 1
        j       fpd_common

        .balign 4096

        /* the patched slot: a page of its own again, so that a patch drops
         * only the translation of these two instructions */
        .section .text.fpdiff_slot, "ax"
        .balign 4096
        .skip   8192
        .globl  fpd_slot
fpd_slot:
        .byte   0x07, 0x00, 0x07, 0x00, 0x07, 0x00
        jg      fpd_after
        .balign 4096

        .data
        .align  8
fpd_ctxp:
        .quad   0
fpd_fsave:
        .space  64
        .section .note.GNU-stack, "", @progbits
