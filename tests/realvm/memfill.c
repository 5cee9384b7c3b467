// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memfill: put known data into a guest's memory before it is crashed, so that
 * the vmcore has a realistic mix of page kinds to test against.
 *
 * It runs as a static binary inside the test initramfs (tests/realvm), built
 * with `gcc -static -O2`. It depends on nothing but libc.
 *
 *   memfill hold-pattern SIZE [TAG]  anonymous memory full of pattern pages,
 *                                    held by a background process
 *   memfill hold-zero SIZE           anonymous memory written with zeros (real
 *                                    pages, not the shared zero page), held
 *   memfill exit-pattern SIZE [TAG]  pattern pages, then exit: the pages go
 *                                    back to the buddy allocator with the
 *                                    pattern still in them
 *   memfill stream SIZE [TAG]        write SIZE bytes of pattern pages to
 *                                    stdout (e.g. into a block device, so they
 *                                    stay in the page cache)
 *
 * The hold-* commands return once the memory is filled; the holder stays
 * behind (its PID is printed) until it is killed.
 *
 * A pattern page is a pure function of (TAG, page index n), so a test can
 * recompute any page it finds in a dump:
 *   bytes    0..63    "KDUMP-SUITE-MEMFILL <TAG> <n>\n" padded with '.'
 *   bytes   64..1023  splitmix64 words seeded by hash(TAG) + n: noise that
 *                     does not compress
 *   bytes 1024..4095  the 64-bit word (n << 8 | 0xa5) repeated, little
 *                     endian: compresses well
 * so a page compresses to roughly a quarter, as a lot of real memory does.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

enum { PAGE = 4096, HEADER = 64, NOISE_END = 1024 };

static const char *prog = "memfill";

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: %s hold-pattern SIZE [TAG]\n"
                "       %s hold-zero SIZE\n"
                "       %s exit-pattern SIZE [TAG]\n"
                "       %s stream SIZE [TAG]\n"
                "SIZE takes a K, M or G suffix (powers of 1024).\n",
                prog, prog, prog, prog);
}

static int parse_size(const char *s, uint64_t *ret)
{
        char *end;
        uint64_t v, mult = 1;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s)
                return -1;
        switch (*end) {
        case '\0': break;
        case 'k': case 'K': mult = 1ULL << 10; end++; break;
        case 'm': case 'M': mult = 1ULL << 20; end++; break;
        case 'g': case 'G': mult = 1ULL << 30; end++; break;
        default: return -1;
        }
        if (*end != '\0' || v > UINT64_MAX / mult)
                return -1;
        *ret = v * mult;
        return 0;
}

static uint64_t splitmix64(uint64_t *state)
{
        uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static uint64_t hash_tag(const char *tag)
{
        uint64_t h = 0xcbf29ce484222325ULL; // FNV-1a

        for (; *tag; tag++)
                h = (h ^ (unsigned char)*tag) * 0x100000001b3ULL;
        return h;
}

static void store_le64(unsigned char *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

static void fill_page(unsigned char *page, const char *tag, uint64_t seed, uint64_t n)
{
        uint64_t state = seed + n, word = n << 8 | 0xa5;
        int len;

        memset(page, '.', HEADER);
        len = snprintf((char *)page, HEADER, "KDUMP-SUITE-MEMFILL %s %" PRIu64 "\n", tag, n);
        if (len > 0 && len < HEADER)
                page[len] = '.'; // overwrite snprintf's NUL, keep the text ASCII
        page[HEADER - 1] = '\n';
        for (int off = HEADER; off < NOISE_END; off += 8)
                store_le64(page + off, splitmix64(&state));
        store_le64(page + NOISE_END, word);
        // Doubling copies keep this cheap under TCG.
        for (int filled = 8; NOISE_END + filled < PAGE; filled *= 2) {
                int room = PAGE - NOISE_END - filled;

                memcpy(page + NOISE_END + filled, page + NOISE_END, filled < room ? filled : room);
        }
}

static unsigned char *map_anon(uint64_t size)
{
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
                fprintf(stderr, "%s: mmap %" PRIu64 " bytes: %s\n", prog, size, strerror(errno));
                return NULL;
        }
        return p;
}

static int fill_pattern(uint64_t size, const char *tag)
{
        uint64_t seed = hash_tag(tag);
        unsigned char *mem = map_anon(size);

        if (!mem)
                return -1;
        for (uint64_t n = 0; n < size / PAGE; n++)
                fill_page(mem + n * PAGE, tag, seed, n);
        return 0;
}

static int fill_zero(uint64_t size)
{
        volatile unsigned char *mem = map_anon(size);

        if (!mem)
                return -1;
        // A write fault allocates a private zeroed page; a read would only map
        // the shared zero page, which is not what we want to hold.
        for (uint64_t off = 0; off < size; off += PAGE)
                mem[off] = 0;
        return 0;
}

static int stream(uint64_t size, const char *tag)
{
        static unsigned char buf[256 * PAGE];
        uint64_t seed = hash_tag(tag), pages = size / PAGE, n = 0;

        while (n < pages) {
                size_t count = 0, done = 0;

                for (; count < sizeof(buf) / PAGE && n < pages; count++, n++)
                        fill_page(buf + count * PAGE, tag, seed, n);
                while (done < count * PAGE) {
                        ssize_t w = write(STDOUT_FILENO, buf + done, count * PAGE - done);

                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w <= 0) {
                                fprintf(stderr, "%s: write: %s\n", prog, w < 0 ? strerror(errno) : "short write");
                                return -1;
                        }
                        done += (size_t)w;
                }
        }
        return 0;
}

// Fill in a child, report back through a pipe, and leave the child holding
// the memory. The parent returns only when the memory is really in place, so
// the caller's next step sees it; if the child dies (OOM), we fail.
static int hold(int (*fill)(uint64_t, const char *), uint64_t size, const char *tag)
{
        int fds[2];
        pid_t pid;
        char ok;

        if (pipe(fds) < 0) {
                perror("pipe");
                return 1;
        }
        pid = fork();
        if (pid < 0) {
                perror("fork");
                return 1;
        }
        if (pid == 0) {
                close(fds[0]);
                if (fill(size, tag) < 0)
                        _exit(1);
                if (write(fds[1], "y", 1) != 1)
                        _exit(1);
                close(fds[1]);
                // Stay detached from the caller's stdio so a pipe on it can close.
                if (freopen("/dev/null", "r+", stdout) == NULL ||
                    freopen("/dev/null", "r+", stdin) == NULL)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(fds[1]);
        if (read(fds[0], &ok, 1) != 1) {
                fprintf(stderr, "%s: filler process died before the memory was filled\n", prog);
                kill(pid, SIGKILL);
                return 1;
        }
        printf("%d\n", (int)pid);
        return 0;
}

static int fill_zero_tagless(uint64_t size, const char *tag)
{
        (void)tag;
        return fill_zero(size);
}

int main(int argc, char **argv)
{
        const char *cmd, *tag;
        uint64_t size;

        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
                usage(stdout);
                return 0;
        }
        if (argc < 3 || argc > 4 || parse_size(argv[2], &size) < 0) {
                usage(stderr);
                return 2;
        }
        cmd = argv[1];
        tag = argc == 4 ? argv[3] : cmd;
        if (strlen(tag) > 16) {
                fprintf(stderr, "%s: TAG is limited to 16 characters\n", prog);
                return 2;
        }
        size -= size % PAGE;

        if (!strcmp(cmd, "hold-pattern"))
                return hold(fill_pattern, size, tag);
        if (!strcmp(cmd, "hold-zero"))
                return hold(fill_zero_tagless, size, tag);
        if (!strcmp(cmd, "exit-pattern"))
                return fill_pattern(size, tag) < 0 ? 1 : 0;
        if (!strcmp(cmd, "stream"))
                return stream(size, tag) < 0 ? 1 : 0;
        usage(stderr);
        return 2;
}
