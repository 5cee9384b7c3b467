/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A dump, from start to end:
 *   1. open the input; the classifier (when the dump level drops classes) and the self-check
 *   2. kdump: the header, sub-header and notes
 *   3. the scan: both bitmaps (kdump: written in place; otherwise kept in a bm_store)
 *   4. kdump: reserve the descriptor table; ELF: lay out and write the headers
 *   5. the copy (pipeline.c), the writer marking the dump incomplete if a write fails
 *   6. a stream's end record
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "macro.h"
#include "progress.h"
#include "run.h"
#include "scan.h"
#include "sigbus.h"
#include "source.h"
#include "writer.h"

void mdl_message(const struct mdl_callbacks *cb, int level, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (!cb || !cb->message)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cb->message(level, text, cb->userdata);
}

int mdl_fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

int mdl_open_input(const char *path, vmcore_t **ret_v, int *ret_fd, char *err, size_t errlen)
{
	vmcore_t *v;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mdl_fail(err, errlen, negative_errno(), "cannot open '%s': %s", path,
				strerror(errno));
	v = vmcore_new();
	if (!v) {
		close(fd);
		return mdl_fail(err, errlen, -ENOMEM, "out of memory");
	}
	r = vmcore_open_fd(v, fd);
	if (r < 0) {
		mdl_fail(err, errlen, r, "'%s': %s", path, vmcore_strerror(v));
		vmcore_free(v);
		close(fd);
		return r;
	}
	*ret_v = v;
	*ret_fd = fd;
	return 0;
}

int mdl_open_output(const struct mdl_options *o, struct sink *sink, char *err, size_t errlen)
{
	int r;

	if (o->dry_run) {
		sink_open_null(sink);
		return 0;
	}
	if (!o->dumpfile) {
		if (isatty(STDOUT_FILENO))
			return mdl_fail(err, errlen, -EINVAL, "standard output is a terminal: redirect "
					"the flattened stream (-F) to a file or a pipe");
		r = sink_open_flat(sink, STDOUT_FILENO);
		if (r < 0)
			return mdl_fail(err, errlen, r, "writing the stream header: %s", strerror(-r));
		return 0;
	}
	r = sink_open_file(sink, o->dumpfile, o->force);
	if (r == -EEXIST)
		return mdl_fail(err, errlen, r, "'%s' exists: remove it, or overwrite it with -f",
				o->dumpfile);
	if (r < 0)
		return mdl_fail(err, errlen, r, "cannot create '%s': %s", o->dumpfile, strerror(-r));
	return 0;
}

static int on_procfs(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

struct dump {
	const struct mdl_options *o;
	const struct mdl_callbacks *cb;
	struct mdl_stats *st;
	vmcore_t *v;
	int fd;
	vmcore_classifier_t *cl;
	struct protect prot;
	int have_prot;
	struct sink sink;
	struct bm_store bm;
	struct kdump_writer kw;
	struct elf_writer ew;
	struct progress progress;
	size_t ps;
	const struct mdl_seam *seam;
	double t_start;
};

static int put_bitmaps(void *userdata, uint64_t index, const uint8_t *b1, const uint8_t *b2)
{
	struct dump *d = userdata;
	int r = 0;

	if (d->o->format == MDL_FORMAT_KDUMP)
		r = kdump_writer_bitmaps(&d->kw, index, b1, b2);
	if (r == 0)
		r = bm_store_put(&d->bm, index, b2);
	return r;
}

static void scan_progress(void *userdata, uint64_t done, uint64_t total, int finished)
{
	struct dump *d = userdata;

	progress_update(&d->progress, done, 0, finished);
}

static void copy_progress(void *userdata, const struct writer_counts *n)
{
	struct dump *d = userdata;

	progress_update(&d->progress, n->done, n->done * d->ps, n->done >= n->to_write);
}

/*
 * The classifier and the self-check; a failure here only means keeping more. At -d 0 and 1
 * nothing is dropped by class, but the kernel image and page tables are still worked out:
 * the writer saves them first.
 */
static int setup_filter(struct dump *d)
{
	int by_class = d->o->dump_level & ~VMCORE_DL_ZERO;
	int r;

	r = vmcore_classifier_new(d->v, &d->cl);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (by_class)
			mdl_message(d->cb, MDL_ML_COMMON,
				    "cannot classify pages (%s): every page is kept%s",
				    vmcore_strerror(d->v),
				    d->o->dump_level & VMCORE_DL_ZERO ? " but zero pages" : "");
		d->cl = NULL;
		return 0;
	}
	r = protect_build(d->v, d->cl, by_class, &d->prot);
	if (r < 0)
		return r;
	d->have_prot = 1;
	if (!by_class) {
		/* the scan needs no classes: every page is kept */
		d->cl = vmcore_classifier_free(d->cl);
		return 0;
	}
	d->st->classified = 1;
	d->st->self_checked = 1;
	d->st->protected_pages = d->prot.pages[PROTECT_KERNEL] + d->prot.pages[PROTECT_TABLES] +
				 d->prot.pages[PROTECT_MEMMAP];
	if (d->prot.note[0])
		mdl_message(d->cb, MDL_ML_COMMON, "self-check incomplete: %s", d->prot.note);
	mdl_message(d->cb, MDL_ML_DEBUG,
		    "self-check guards %llu pages: kernel image %llu, page tables %llu, "
		    "struct pages %llu", (unsigned long long)d->st->protected_pages,
		    (unsigned long long)d->prot.pages[PROTECT_KERNEL],
		    (unsigned long long)d->prot.pages[PROTECT_TABLES],
		    (unsigned long long)d->prot.pages[PROTECT_MEMMAP]);
	return 0;
}

static int scan(struct dump *d, uint64_t *ret_n_dump)
{
	struct scan s = {
		.v = d->v,
		.cl = d->cl,
		.prot = d->have_prot && d->cl ? &d->prot : NULL,
		.level = d->o->dump_level,
		.zero_in_scan = d->o->format == MDL_FORMAT_ELF && (d->o->dump_level & VMCORE_DL_ZERO),
		.fd = d->fd,
		.put = put_bitmaps,
		.userdata = d,
		.progress = scan_progress,
		.progress_userdata = d,
	};
	double t = mdl_now();
	int r;

	if (d->o->format == MDL_FORMAT_KDUMP && d->sink.kind == SINK_FILE)
		bm_store_init_file(&d->bm, &d->sink, d->kw.bitmap2_off, vmcore_max_pfn(d->v));
	else {
		r = bm_store_init_memory(&d->bm, vmcore_max_pfn(d->v));
		if (r < 0)
			return r;
	}
	progress_begin(&d->progress, d->cb, "Excluding unnecessary pages", vmcore_max_pfn(d->v));
	r = scan_run(&s, d->st, ret_n_dump);
	d->st->seconds_scan = mdl_now() - t;
	mdl_message(d->cb, MDL_ML_DEBUG, "scan: %llu pages to dump, bitmap store %zu bytes, %.3f s",
		    (unsigned long long)*ret_n_dump, bm_store_memory(&d->bm), d->st->seconds_scan);
	return r;
}

static int copy(struct dump *d, struct writer_counts **ret_counts)
{
	int kdump = d->o->format == MDL_FORMAT_KDUMP;
	struct source src;
	struct pipeline_config cfg = {
		.page_size = d->ps,
		.method = kdump ? d->o->compression : 0,
		/* all of memory (-d 0, 1): throughput first; kernel pages: size first */
		.zstd_level = d->o->dump_level & ~VMCORE_DL_ZERO ? 1 : -1,
		.zero_check = kdump && (d->o->dump_level & VMCORE_DL_ZERO),
		.fill = source_fill,
		.release = source_release,
		.source = &src,
		.produce = kdump ? kdump_writer_produce : elf_writer_produce,
		.consume = kdump ? kdump_writer_consume : elf_writer_consume,
		.userdata = kdump ? (void *)&d->kw : (void *)&d->ew,
	};
	struct pipeline_stats ps = {};
	struct writer_counts *n = kdump ? &d->kw.n : &d->ew.n;
	struct dedup dd = {};
	double t = mdl_now();
	int r;

	if (kdump) {
		r = dedup_init(&dd, d->fd, d->ps);
		if (r < 0)
			return r;
		cfg.dedup = &dd;
		d->kw.dedup = &dd;
	}

	cfg.workers = d->o->num_threads ? d->o->num_threads :
					   pipeline_default_workers(cfg.method, d->ps);
	d->st->workers = cfg.workers;
	source_init(&src, d->v, d->fd, !d->o->non_mmap && (on_procfs(d->fd) ||
							   (d->seam && d->seam->force_mmap)));
	/* a page that cannot be read through the mapping must be lost, not kill us: the guard */
	if (src.use_mmap) {
		r = sigbus_guard_install();
		if (r == 0)
			src.guarded = 1;
		else
			src.use_mmap = 0;
	}
	if (d->seam && d->seam->before_copy)
		d->seam->before_copy(d->seam->userdata);
	if (kdump) {
		d->kw.progress = copy_progress;
		d->kw.progress_userdata = d;
	} else {
		d->ew.progress = copy_progress;
		d->ew.progress_userdata = d;
	}
	progress_begin(&d->progress, d->cb, "Copying data", n->to_write);
	r = pipeline_run(&cfg, &ps);
	if (src.guarded)
		sigbus_guard_remove();
	if (src.faults)
		mdl_message(d->cb, MDL_ML_ERROR, "%llu pages of '%s' raised SIGBUS when read through "
			    "mmap(): saved as lost", (unsigned long long)src.faults, d->o->vmcore);
	d->kw.dedup = NULL;
	dedup_done(&dd);
	d->st->seconds_copy = mdl_now() - t;
	d->st->bytes_in = ps.bytes_in;
	mdl_message(d->cb, MDL_ML_DEBUG,
		    "copy: %.2f s; reader %.2f s busy, %.2f s waiting; %u workers %.2f s busy, "
		    "%.2f s waiting; writer %.2f s busy, %.2f s waiting", d->st->seconds_copy,
		    ps.read_busy, ps.read_wait, cfg.workers, ps.work_busy, ps.work_wait,
		    ps.write_busy, ps.write_wait);
	*ret_counts = n;
	return r;
}

/* How much made it: for the message of a failed dump. */
static void describe_saved(struct dump *d, const struct writer_counts *n, int marked, char *buf,
			   size_t len)
{
	snprintf(buf, len, "%llu of %llu pages were saved (%.1f MiB written); the dump is "
		 "incomplete but readable as far as it got%s",
		 (unsigned long long)n->saved, (unsigned long long)n->to_write,
		 (double)d->sink.bytes / (1 << 20),
		 marked ? ", and marked incomplete in its header" :
		 d->sink.kind == SINK_FLAT ? " (a stream cannot be marked: it has no end record)" :
		 " (its header could not be marked)");
}

static int dump(struct dump *d, char *err, size_t errlen)
{
	const struct mdl_options *o = d->o;
	struct writer_counts *n = NULL;
	uint64_t n_dump = 0;
	int kdump = o->format == MDL_FORMAT_KDUMP, marked = 0, r;
	char saved[256];

	r = setup_filter(d);
	if (r < 0)
		return mdl_fail(err, errlen, r, "out of memory");
	mdl_message(d->cb, MDL_ML_DEBUG, "setup (classifier, self-check): %.3f s",
		    mdl_now() - d->t_start);
	r = mdl_open_output(o, &d->sink, err, errlen);
	if (r < 0)
		return r;
	d->sink.drop_cache = on_procfs(d->fd);
	if (d->seam) {
		d->sink.fail_after = d->seam->fail_after;
		d->sink.fail_errno = d->seam->fail_errno;
		d->sink.at_limit = d->seam->at_limit;
		d->sink.at_limit_data = d->seam->userdata;
	}

	if (kdump) {
		r = kdump_writer_init(&d->kw, d->v, o, &d->sink);
		if (r == 0)
			r = kdump_writer_headers(&d->kw);
	} else
		r = elf_writer_init(&d->ew, d->v, o, &d->sink);
	if (r == -EOPNOTSUPP)
		return mdl_fail(err, errlen, r, "ELF output (-E) needs an ELF input");
	if (r < 0)
		return mdl_fail(err, errlen, r, "writing the dump headers: %s", strerror(-r));

	r = scan(d, &n_dump);
	if (r < 0)
		return mdl_fail(err, errlen, r, "%s: %s", d->sink.error ? "writing the bitmaps" :
				"scanning the page frames", strerror(-r));
	r = kdump ? kdump_writer_start_pages(&d->kw, &d->bm, n_dump,
					     d->have_prot ? &d->prot : NULL) :
		    elf_writer_headers(&d->ew, &d->bm);
	if (r < 0)
		return mdl_fail(err, errlen, r, "%s: %s", kdump ? "reserving the page descriptor "
				"table" : "writing the ELF headers", strerror(-r));

	r = copy(d, &n);
	{
		int r2 = kdump ? kdump_writer_finish(&d->kw, &marked) :
				 elf_writer_finish(&d->ew, &marked);
		if (r == 0)
			r = r2;
	}
	if (r == 0)
		r = sink_finish(&d->sink);

	d->st->to_write = n->to_write;
	d->st->written = n->saved;
	d->st->zero_pages = n->zero;
	d->st->dup_pages = n->dup;
	d->st->compressed = n->compressed;
	d->st->unreadable = n->lost;
	d->st->bytes_written = d->sink.bytes;
	d->st->output_size = d->sink.size;
	d->st->marked_incomplete = marked;
	if (kdump) {
		/* makedumpfile counts zero pages among the excluded ones */
		d->st->class_pages[VMCORE_CLASS_ZERO] += n->zero;
		d->st->excluded[VMCORE_CLASS_ZERO] += n->zero;
	}
	if (r < 0) {
		d->st->incomplete = 1;
		describe_saved(d, n, marked, saved, sizeof(saved));
		return mdl_fail(err, errlen, r, "%s failed: %s: %s",
				d->sink.error ? "writing the dump" : "copying the pages",
				strerror(-r), saved);
	}
	if (n->lost) {
		d->st->incomplete = 1;
		return mdl_fail(err, errlen, -EIO, "%llu pages could not be read from '%s' and are "
				"missing from the dump%s", (unsigned long long)n->lost, o->vmcore,
				marked ? " (marked incomplete in its header)" : "");
	}
	return 0;
}

/* Debugging: the peak and current memory of this process, as the kernel counts it. */
static void memory_message(const struct mdl_callbacks *cb)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128], text[256] = "";
	size_t n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6) || !strncmp(line, "RssAnon:", 8) ||
		    !strncmp(line, "RssFile:", 8) || !strncmp(line, "RssShmem:", 9)) {
			char *colon = strchr(line, ':'), *v = colon + 1;
			line[strcspn(line, "\n")] = '\0';
			*colon = '\0';
			v += strspn(v, " \t");
			n += (size_t)snprintf(text + n, sizeof(text) - MIN(n, sizeof(text)), "%s%s %s",
					      n ? ", " : "", line, v);
		}
	fclose(f);
	mdl_message(cb, MDL_ML_DEBUG, "memory: %s", text);
}

int mdl_run_dump(const struct mdl_options *o, const struct mdl_callbacks *cb,
		 struct mdl_stats *st, char *err, size_t errlen, const struct mdl_seam *seam)
{
	struct dump d = { .o = o, .cb = cb, .st = st, .fd = -1, .seam = seam };
	double t = mdl_now();

	d.t_start = t;
	int r;

	*st = (struct mdl_stats){};
	r = mdl_open_input(o->vmcore, &d.v, &d.fd, err, errlen);
	if (r < 0)
		return r;
	d.ps = vmcore_page_size(d.v);
	mdl_message(cb, MDL_ML_DEBUG, "input: %s, %s, %u-byte pages, %llu page frames",
		    o->vmcore, vmcore_format_name(d.v), vmcore_page_size(d.v),
		    (unsigned long long)vmcore_max_pfn(d.v));
	if (o->compression && o->format == MDL_FORMAT_KDUMP && d.ps > 65536)
		r = mdl_fail(err, errlen, -EOPNOTSUPP, "pages of %zu bytes are too large", d.ps);
	else
		r = dump(&d, err, errlen);
	if (r < 0 && !st->incomplete && o->dumpfile)
		/* cut in the headers or bitmaps: nothing a reader could use */
		sink_discard(&d.sink, o->dumpfile);
	st->seconds_total = mdl_now() - t;
	memory_message(cb);

	kdump_writer_done(&d.kw);
	elf_writer_done(&d.ew);
	bm_store_done(&d.bm);
	sink_close(&d.sink);
	if (d.have_prot)
		protect_done(&d.prot);
	vmcore_classifier_free(d.cl);
	vmcore_free(d.v);
	if (d.fd >= 0)
		close(d.fd);
	return r;
}

int mdl_run(const struct mdl_options *o, const struct mdl_callbacks *cb, struct mdl_stats *st,
	    char *err, size_t errlen)
{
	*st = (struct mdl_stats){};
	if (errlen)
		err[0] = '\0';
	if (o->check_params)
		return 0;
	switch (o->mode) {
	case MDL_MODE_DUMP:
		return mdl_run_dump(o, cb, st, err, errlen, NULL);
	case MDL_MODE_REARRANGE:
		return mdl_rearrange(o, cb, st, err, errlen);
	case MDL_MODE_DMESG:
		return mdl_dump_dmesg(o, cb, err, errlen);
	default:
		return 0;
	}
}
