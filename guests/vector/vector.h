/* Shared declarations of the vector exerciser (main.c and the generated cases.c). */
#ifndef VECTOR_H
#define VECTOR_H

#include "runtime.h"

/* Inputs and outputs of one case (see gen-cases.py for the register conventions). */
struct vst {
    u8 v[5][16] ALIGNED(8);     /* %v16..%v19 and the old %v20 */
    u64 g[3];                   /* %r1..%r3 */
    u64 ccin;                   /* cc << 28, set with SPM before the instruction */
    u32 fpcin;                  /* FPC loaded before the instruction */
    u32 fpcout;                 /* FPC afterwards */
    u8 out[16] ALIGNED(8);      /* %v20 afterwards */
    u64 gout;                   /* %r1 afterwards */
    int cc;                     /* IPM result (cc in bits 2-3 of the low byte) */
};

struct vcase {
    void (*fn)(struct vst *s);
    const char *text;
    int kind;                   /* 0 V, 1 M, 2 G, 3 L, 4 X, 5 S, 6 F: see gen-cases.py */
    int stores;
    int fp;                     /* F: element format of the operands (2 short, 3 long, 4 extended; 0 integers) */
};

extern const struct vcase vcases[];
extern const int vcase_count;

#endif
