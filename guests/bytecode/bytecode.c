/*
 * bytecode: a small stack-machine interpreter (one big switch in a loop)
 * running a program that sums Collatz sequence lengths and hashes them.
 * The program is assembled at start-up; run i (of n) covers the start
 * values 1 + 200*i ... 200*(i+1).
 */
#include "runtime.h"

enum opcode {
    OP_HALT,
    OP_PUSH,        /* imm: push imm */
    OP_LOAD,        /* slot: push var[slot] */
    OP_STORE,       /* slot: var[slot] = pop */
    OP_INC,         /* slot: var[slot]++ */
    OP_ADD, OP_SUB, OP_MUL, OP_DIVU, OP_MODU,
    OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR,
    OP_DUP, OP_DROP, OP_SWAP, OP_OVER,
    OP_LT, OP_EQ, OP_NOT,
    OP_JMP,         /* target */
    OP_JZ,          /* target: pop, jump if zero */
    OP_JNZ,         /* target: pop, jump if not zero */
    OP_CALL,        /* target */
    OP_RET,
};

#define MAX_CODE  256
#define MAX_STACK 64
#define MAX_VARS  8

/* Each run of the program covers this many start values. */
#define NUMBERS_PER_RUN 200

enum var { V_I, V_END, V_X, V_STEPS, V_SUM, V_HASH, V_MAX };

struct program {
    u32 code[MAX_CODE];
    u32 len;
};

static struct program prog;

static u32 here(void)
{
    return prog.len;
}

static void op(enum opcode o)
{
    prog.code[prog.len++] = o;
}

static void op1(enum opcode o, u32 arg)
{
    prog.code[prog.len++] = o;
    prog.code[prog.len++] = arg;
}

/* Emit a jump whose target is filled in later by patch(). */
static u32 jump_forward(enum opcode o)
{
    op1(o, 0);
    return prog.len - 1;
}

static void patch(u32 at)
{
    prog.code[at] = prog.len;
}

static void assemble(void)
{
    u32 outer, inner, done, odd, next, fn_mix, skip_fn;

    /* fn_mix: hash = (hash ^ top) * 16777619, consumes top of stack. */
    skip_fn = jump_forward(OP_JMP);
    fn_mix = here();
    op1(OP_LOAD, V_HASH);
    op(OP_XOR);
    op1(OP_PUSH, 16777619);
    op(OP_MUL);
    op1(OP_STORE, V_HASH);
    op(OP_RET);
    patch(skip_fn);

    /* for (; i < end; i++) */
    outer = here();
    op1(OP_LOAD, V_I);
    op1(OP_STORE, V_X);
    op1(OP_PUSH, 0);
    op1(OP_STORE, V_STEPS);

    /* while (x != 1) { x = x odd ? 3x+1 : x/2; steps++; } */
    inner = here();
    op1(OP_LOAD, V_X);
    op1(OP_PUSH, 1);
    op(OP_EQ);
    done = jump_forward(OP_JNZ);
    op1(OP_LOAD, V_X);
    op1(OP_PUSH, 1);
    op(OP_AND);
    odd = jump_forward(OP_JNZ);
    op1(OP_LOAD, V_X);
    op1(OP_PUSH, 1);
    op(OP_SHR);
    op1(OP_STORE, V_X);
    next = jump_forward(OP_JMP);
    patch(odd);
    op1(OP_LOAD, V_X);
    op(OP_DUP);
    op(OP_DUP);
    op(OP_ADD);
    op(OP_ADD);
    op1(OP_PUSH, 1);
    op(OP_ADD);
    op1(OP_STORE, V_X);
    patch(next);
    op1(OP_INC, V_STEPS);
    op1(OP_JMP, inner);
    patch(done);

    /* sum += steps; max = max(max, steps); mix(steps) */
    op1(OP_LOAD, V_SUM);
    op1(OP_LOAD, V_STEPS);
    op(OP_ADD);
    op1(OP_STORE, V_SUM);
    op1(OP_LOAD, V_MAX);
    op1(OP_LOAD, V_STEPS);
    op(OP_LT);
    skip_fn = jump_forward(OP_JZ);
    op1(OP_LOAD, V_STEPS);
    op1(OP_STORE, V_MAX);
    patch(skip_fn);
    op1(OP_LOAD, V_STEPS);
    op1(OP_LOAD, V_I);
    op1(OP_PUSH, 7);
    op(OP_MODU);
    op(OP_XOR);
    op1(OP_CALL, fn_mix);

    op1(OP_INC, V_I);
    op1(OP_LOAD, V_I);
    op1(OP_LOAD, V_END);
    op(OP_LT);
    op1(OP_JNZ, outer);
    op(OP_HALT);
}

struct vm {
    u64 var[MAX_VARS];
    u64 stack[MAX_STACK];
    u32 calls[MAX_STACK];
    u64 executed;
};

static void run(struct vm *vm)
{
    const u32 *code = prog.code;
    u64 *sp = vm->stack;        /* points above the top element */
    u32 *rp = vm->calls;
    u32 pc = 0;
    u64 a, b;

    for (;;) {
        u32 insn = code[pc++];

        vm->executed++;
        switch (insn) {
        case OP_HALT:
            return;
        case OP_PUSH:
            *sp++ = code[pc++];
            break;
        case OP_LOAD:
            *sp++ = vm->var[code[pc++]];
            break;
        case OP_STORE:
            vm->var[code[pc++]] = *--sp;
            break;
        case OP_INC:
            vm->var[code[pc++]]++;
            break;
        case OP_ADD:  b = *--sp; a = *--sp; *sp++ = a + b; break;
        case OP_SUB:  b = *--sp; a = *--sp; *sp++ = a - b; break;
        case OP_MUL:  b = *--sp; a = *--sp; *sp++ = (u32)(a * b); break;
        case OP_DIVU: b = *--sp; a = *--sp; *sp++ = b ? a / b : 0; break;
        case OP_MODU: b = *--sp; a = *--sp; *sp++ = b ? a % b : 0; break;
        case OP_AND:  b = *--sp; a = *--sp; *sp++ = a & b; break;
        case OP_OR:   b = *--sp; a = *--sp; *sp++ = a | b; break;
        case OP_XOR:  b = *--sp; a = *--sp; *sp++ = a ^ b; break;
        case OP_SHL:  b = *--sp; a = *--sp; *sp++ = a << (b & 63); break;
        case OP_SHR:  b = *--sp; a = *--sp; *sp++ = a >> (b & 63); break;
        case OP_DUP:  a = sp[-1]; *sp++ = a; break;
        case OP_DROP: sp--; break;
        case OP_SWAP: a = sp[-1]; sp[-1] = sp[-2]; sp[-2] = a; break;
        case OP_OVER: a = sp[-2]; *sp++ = a; break;
        case OP_LT:   b = *--sp; a = *--sp; *sp++ = a < b; break;
        case OP_EQ:   b = *--sp; a = *--sp; *sp++ = a == b; break;
        case OP_NOT:  sp[-1] = !sp[-1]; break;
        case OP_JMP:
            pc = code[pc];
            break;
        case OP_JZ:
            pc = *--sp == 0 ? code[pc] : pc + 1;
            break;
        case OP_JNZ:
            pc = *--sp != 0 ? code[pc] : pc + 1;
            break;
        case OP_CALL:
            *rp++ = pc + 1;
            pc = code[pc];
            break;
        case OP_RET:
            pc = *--rp;
            break;
        default:
            panic("bytecode: bad opcode %u at %u", insn, pc - 1);
        }
    }
}

int main(void)
{
    long n = cmdline_long("n", 15);
    u64 sum = 0, executed = 0;
    u32 hash = 0;
    u64 max = 0;

    assemble();
    printf("bytecode: program is %u words\n", prog.len);
    for (long iter = 0; iter < n; iter++) {
        struct vm vm;

        memset(&vm, 0, sizeof(vm));
        vm.var[V_I] = 1 + iter * NUMBERS_PER_RUN;
        vm.var[V_END] = vm.var[V_I] + NUMBERS_PER_RUN;
        vm.var[V_HASH] = 2166136261u;
        run(&vm);
        sum += vm.var[V_SUM];
        hash ^= (u32)vm.var[V_HASH];
        if (vm.var[V_MAX] > max)
            max = vm.var[V_MAX];
        executed += vm.executed;
    }
    printf("bytecode: n=%ld steps=%lu longest=%lu hash=0x%08x executed=%lu\n",
           n, sum, max, hash, executed);
    return 0;
}
