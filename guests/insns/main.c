/*
 * insns: instruction exerciser.  Runs sequences of fixed-point, logical,
 * shift, load/store, branch, storage-to-storage and a few system
 * instructions on fixed inputs and prints every result and condition code,
 * one line per case.  The output depends only on the architecture, so it
 * is a differential test between QEMU and any other faithful machine.
 */
#include "insns.h"

static void group(const char *name)
{
    printf("== %s\n", name);
}

void line_begin(const char *name)
{
    printf("%-8s", name);
}

void line_val(u64 value)
{
    printf(" %016lx", value);
}

void line_vals(int count, const u64 *values)
{
    for (int i = 0; i < count; i++)
        line_val(values[i]);
}

void line_bytes(const void *data, size_t len)
{
    const u8 *p = data;

    putchar(' ');
    for (size_t i = 0; i < len; i++)
        printf("%02x", p[i]);
}

void line_text(const char *text)
{
    printf(" %s", text);
}

void line_arrow(void)
{
    printf(" ->");
}

void line_end_cc(int cc)
{
    printf(" cc=%d\n", cc);
}

void line_end(void)
{
    putchar('\n');
}

void report(const char *name, int n_in, const u64 *in, int n_out, const u64 *out, int cc)
{
    line_begin(name);
    line_vals(n_in, in);
    line_arrow();
    line_vals(n_out, out);
    if (cc >= 0)
        line_end_cc(cc);
    else
        line_end();
}

int main(void)
{
    group("add/subtract");
    test_arith();
    group("multiply/divide");
    test_muldiv();
    group("compare");
    test_compare();
    group("logical");
    test_logic();
    group("shift/rotate");
    test_shift_rotate();
    group("load/store");
    test_load_store();
    group("branch");
    test_branch();
    group("storage-to-storage");
    test_storage();
    group("string/compare-and-swap");
    test_strings();
    group("system");
    test_system();
    printf("insns: done\n");
    return 0;
}
