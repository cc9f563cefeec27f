/*
 * Constants shared by assembly and C.  Only #defines here.
 */
#ifndef GUEST_ASM_H
#define GUEST_ASM_H

/* Size of the register save area every s390x ELF ABI frame starts with. */
#define STACK_FRAME             160

#define STACK_SIZE              (64 * 1024)
#define IRQ_STACK_SIZE          (16 * 1024)

/* Interrupt classes passed to rt_interrupt(). */
#define IRQ_RESTART             0
#define IRQ_EXTERNAL            1
#define IRQ_SVC                 2
#define IRQ_PROGRAM             3
#define IRQ_MCHECK              4
#define IRQ_IO                  5

/* struct irq_frame: 16 GPRs + PSW. */
#define IRQ_FRAME_SIZE          (16 * 8 + 16)

/* Hard-float builds: the interrupt entry also saves the FPC and the FPRs
 * (z13 and later: all 32 vector registers) above the frame, since the C
 * handlers use them (gcc even keeps GPR values in FPRs). */
#if defined(__VX__)
#define IRQ_FP_SAVE_SIZE        (8 + 32 * 16)
#elif defined(__FP_FAST_FMA)
#define IRQ_FP_SAVE_SIZE        (8 + 16 * 8)
#else
#define IRQ_FP_SAVE_SIZE        0
#endif

/* Lowcore (prefix area) offsets, z/Architecture layout. */
#define LC_EXT_PARAMS           0x080   /* u32 external interruption parameter */
#define LC_EXT_CPU_ADDR         0x084   /* u16 */
#define LC_EXT_INT_CODE         0x086   /* u16 external interruption code */
#define LC_SVC_ILC              0x088   /* u16 */
#define LC_SVC_CODE             0x08a   /* u16 */
#define LC_PGM_ILC              0x08c   /* u16 */
#define LC_PGM_CODE             0x08e   /* u16 */
#define LC_DATA_EXC_CODE        0x090   /* u32 DXC */
#define LC_TRANS_EXC_CODE       0x0a8   /* u64 */
#define LC_IO_SUBCHANNEL_ID     0x0b8   /* u32 */
#define LC_IO_INT_PARM          0x0bc   /* u32 */
#define LC_IO_INT_WORD          0x0c0   /* u32 */
#define LC_RESTART_OLD_PSW      0x120
#define LC_EXT_OLD_PSW          0x130
#define LC_SVC_OLD_PSW          0x140
#define LC_PGM_OLD_PSW          0x150
#define LC_MCCK_OLD_PSW         0x160
#define LC_IO_OLD_PSW           0x170
#define LC_RESTART_NEW_PSW      0x1a0
#define LC_EXT_NEW_PSW          0x1b0
#define LC_SVC_NEW_PSW          0x1c0
#define LC_PGM_NEW_PSW          0x1d0
#define LC_MCCK_NEW_PSW         0x1e0
#define LC_IO_NEW_PSW           0x1f0
/* 0x200..0x2ff is not used by the architecture; the runtime keeps the
 * interrupted registers and the PSW to return to there. */
#define LC_SAVE_GPRS            0x200   /* 16 x u64 */
#define LC_SAVE_PSW             0x280   /* 16 bytes */

#endif
