/* Runtime-internal declarations (not for guests). */
#ifndef GUEST_INTERNAL_H
#define GUEST_INTERNAL_H

#include "runtime.h"

void sclp_service_signal(u32 param);
void rt_load_wait_psw(u64 mask);
void rt_interrupt(int irq_class, struct irq_frame *frame);
void rt_start_c(void) NORETURN;
void interrupts_init(void);

/* Interrupt entry stubs in start.S. */
void rt_restart_entry(void);
void rt_ext_entry(void);
void rt_svc_entry(void);
void rt_pgm_entry(void);
void rt_mcck_entry(void);
void rt_io_entry(void);

#endif
