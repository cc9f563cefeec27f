/*
 * strings: string-library style loops over generated text.  Each round
 * builds a set of pseudo-random words, then measures (strlen), compares
 * (strcmp/strncmp/memcmp), copies (strcpy/memcpy/memmove), searches
 * (strchr/strrchr/memchr/strstr) and concatenates them, folding every
 * result into a checksum.
 */
#include "runtime.h"

#define WORDS     256
#define WORD_MAX  24
#define TEXT_SIZE 8192

static char words[WORDS][WORD_MAX + 1];
static char text[TEXT_SIZE];
static char scratch[TEXT_SIZE];

static u32 seed = 7;

static u32 next_random(void)
{
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
}

static void make_words(void)
{
    for (int i = 0; i < WORDS; i++) {
        int len = 1 + next_random() % WORD_MAX;

        for (int k = 0; k < len; k++)
            words[i][k] = (char)('a' + next_random() % 12);   /* small alphabet: many shared prefixes */
        words[i][len] = '\0';
    }
}

static u32 mix(u32 h, u32 v)
{
    return (h ^ v) * 16777619u;
}

static u32 round_checksum(void)
{
    u32 h = 2166136261u;
    size_t pos = 0;

    /* Lengths and pairwise comparisons. */
    for (int i = 0; i < WORDS; i++) {
        h = mix(h, (u32)strlen(words[i]));
        h = mix(h, (u32)(strcmp(words[i], words[(i * 7 + 3) % WORDS]) + 1));
        h = mix(h, (u32)(strncmp(words[i], words[(i + 1) % WORDS], 3) + 1));
    }

    /* Concatenate all words, separated by spaces. */
    text[0] = '\0';
    for (int i = 0; i < WORDS; i++) {
        size_t len = strlen(words[i]);

        if (pos + len + 2 >= TEXT_SIZE)
            break;
        memcpy(text + pos, words[i], len);
        pos += len;
        text[pos++] = ' ';
        text[pos] = '\0';
    }
    h = mix(h, (u32)pos);

    /* Character searches. */
    for (char c = 'a'; c < 'a' + 12; c++) {
        const char *p = strchr(text, c);
        const char *q = strrchr(text, c);
        const char *r = memchr(text, c, pos);
        u32 count = 0;

        for (const char *s = text; (s = strchr(s, c)) != NULL; s++)
            count++;
        h = mix(h, p ? (u32)(p - text) : 0xffffffffu);
        h = mix(h, q ? (u32)(q - text) : 0xffffffffu);
        h = mix(h, r ? (u32)(r - text) : 0xffffffffu);
        h = mix(h, count);
    }

    /* Substring searches for some words. */
    for (int i = 0; i < WORDS; i += 5) {
        const char *p = strstr(text + 1, words[i]);

        h = mix(h, p ? (u32)(p - text) : 0xffffffffu);
    }

    /* Copies, overlapping moves and whole-buffer comparison. */
    strcpy(scratch, text);
    memmove(scratch + 3, scratch, pos / 2);
    memmove(scratch, scratch + 5, pos / 2);
    h = mix(h, (u32)(memcmp(scratch, text, pos) + 1));
    for (size_t i = 0; i < pos; i += 64)
        h = mix(h, (u8)scratch[i]);

    /* Reverse each word in place, then compare with the original. */
    for (int i = 0; i < WORDS; i++) {
        char tmp[WORD_MAX + 1];
        size_t len = strlen(words[i]);

        strcpy(tmp, words[i]);
        for (size_t a = 0, b = len - 1; a < b; a++, b--) {
            char t = tmp[a];

            tmp[a] = tmp[b];
            tmp[b] = t;
        }
        h = mix(h, (u32)(strcmp(tmp, words[i]) + 1));
    }
    return h;
}

int main(void)
{
    long n = cmdline_long("n", 50);
    u32 checksum = 0;

    for (long iter = 0; iter < n; iter++) {
        make_words();
        checksum = mix(checksum, round_checksum());
    }
    printf("strings: n=%ld words=%d checksum=0x%08x\n", n, WORDS, checksum);
    return 0;
}
