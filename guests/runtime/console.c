/*
 * Console output through the SCLP (Service-Call Logical Processor) ASCII
 * console event (type 0x1a), the protocol QEMU's "sclpconsole" device and
 * real LPAR consoles implement.
 *
 * Protocol:
 *  1. SERVC 0x00780005 (Write Event Mask) once, enabling event type 0x1a in
 *     the control program's receive mask.
 *  2. SERVC 0x00760005 (Write Event Data) for each chunk of text, with one
 *     event buffer of type 0x1a holding the ASCII bytes.
 * Every accepted SERVC (cc 0) completes with a service-signal external
 * interruption (code 0x2401, SCCB address in the parameter); only then is
 * the SCCB's response code valid and the SCCB free for reuse.
 */
#include "runtime.h"
#include "s390.h"
#include "internal.h"

#define SCLP_CMD_WRITE_EVENT_MASK   0x00780005u
#define SCLP_CMD_WRITE_EVENT_DATA   0x00760005u

#define SCLP_RC_NORMAL_COMPLETION   0x0020

#define EVENT_TYPE_ASCII_CONSOLE    0x1a
#define EVENT_MASK(type)            (0x80000000u >> ((type) - 1))

/* Text is sent in chunks of at most this many bytes. */
#define CHUNK_SIZE  1000

struct sccb_header {
    u16 length;
    u8  function_code;
    u8  control[3];
    u16 response_code;
} __attribute__((packed));

struct write_event_mask_sccb {
    struct sccb_header h;
    u16 reserved;
    u16 mask_length;                /* 4: each mask below is 4 bytes */
    u32 cp_receive_mask;
    u32 cp_send_mask;
    u32 send_mask;
    u32 receive_mask;
} __attribute__((packed));

struct event_buffer_header {
    u16 length;                     /* including this header */
    u8  type;
    u8  flags;
    u16 reserved;
} __attribute__((packed));

struct write_event_data_sccb {
    struct sccb_header h;
    struct event_buffer_header ebh;
    char text[CHUNK_SIZE];
} __attribute__((packed));

/*
 * The SCCB must be 8-byte aligned, below 2 GiB, outside the first 8 KiB and
 * must not cross a 4 KiB boundary: a page-aligned page in .bss.
 */
static union {
    struct sccb_header h;
    struct write_event_mask_sccb mask;
    struct write_event_data_sccb data;
    u8 page[4096];
} sccb ALIGNED(4096);

static volatile int sclp_busy;
static int console_ready;
static u16 last_response;

static char out_buf[CHUNK_SIZE];
static size_t out_len;

/* Called by the external interruption handler for code 0x2401. */
void sclp_service_signal(u32 param)
{
    (void)param;
    sclp_busy = 0;
}

static int servc(u32 command, void *sccb_addr)
{
    int cc;

    /* SERVC is not known to the assembler: B220 is RRE. */
    asm volatile(".insn rre,0xb2200000,%1,%2\n\tipm %0\n\tsrl %0,28"
                 : "=d"(cc)
                 : "d"((u64)command), "a"((u64)(uintptr_t)sccb_addr)
                 : "cc", "memory");
    return cc;
}

/* Issue one SCLP command and wait for its completion interruption. */
static u16 sclp_call(u32 command)
{
    int cc;

    for (;;) {
        sclp_busy = 1;
        cc = servc(command, &sccb);
        if (cc == 0)
            break;
        sclp_busy = 0;
        if (cc == 3)                /* SCLP not operational */
            return 0;
        /* cc 2: busy with an earlier request, which will signal. */
        rt_wait_for_interrupt(PSW_MASK_EXT);
    }
    while (sclp_busy)
        rt_wait_for_interrupt(PSW_MASK_EXT);
    last_response = sccb.h.response_code;
    return last_response;
}

static void console_init(void)
{
    console_ready = 1;
    ctl_set_bits(0, CR0_SERVICE_SIGNAL);

    memset(&sccb, 0, sizeof(sccb.mask));
    sccb.mask.h.length = sizeof(sccb.mask);
    sccb.mask.mask_length = 4;
    sccb.mask.cp_receive_mask = EVENT_MASK(EVENT_TYPE_ASCII_CONSOLE);
    sclp_call(SCLP_CMD_WRITE_EVENT_MASK);
}

static void sclp_write_chunk(const char *text, size_t len)
{
    if (!console_ready)
        console_init();

    memset(&sccb, 0, sizeof(sccb.data.h) + sizeof(sccb.data.ebh));
    memcpy(sccb.data.text, text, len);
    sccb.data.h.length = sizeof(sccb.data.h) + sizeof(sccb.data.ebh) + len;
    sccb.data.ebh.length = sizeof(sccb.data.ebh) + len;
    sccb.data.ebh.type = EVENT_TYPE_ASCII_CONSOLE;
    sclp_call(SCLP_CMD_WRITE_EVENT_DATA);
}

void console_flush(void)
{
    if (out_len) {
        sclp_write_chunk(out_buf, out_len);
        out_len = 0;
    }
}

int putchar(int c)
{
    out_buf[out_len++] = (char)c;
    if (c == '\n' || out_len == sizeof(out_buf))
        console_flush();
    return (unsigned char)c;
}

void console_write(const char *s, size_t len)
{
    while (len--)
        putchar(*s++);
}

int puts(const char *s)
{
    console_write(s, strlen(s));
    putchar('\n');
    return 0;
}
