/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --dump-dmesg: the crashed kernel's log, one record per line as makedumpfile prints it
 * (libvmcore's vmcore_dmesg()), to LOGFILE or, with -F, as a flattened stream on stdout.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "run.h"
#include "writer.h"

struct log_out {
	struct sink *sink;
	struct outbuf buf;
	int error;
};

static int add(struct log_out *l, const char *p, size_t len)
{
	while (len > 0) {
		size_t n;

		if (outbuf_room(&l->buf) == 0) {
			int r = outbuf_flush(&l->buf, l->sink);
			if (r < 0)
				return r;
		}
		n = MIN(len, outbuf_room(&l->buf));
		memcpy(l->buf.buf + l->buf.len, p, n);
		l->buf.len += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int line(const char *text, size_t len, void *userdata)
{
	struct log_out *l = userdata;

	l->error = add(l, text, len);
	if (l->error == 0)
		l->error = add(l, "\n", 1);
	return l->error ? 1 : 0;
}

int mdl_dump_dmesg(const struct mdl_options *o, const struct mdl_callbacks *cb, char *err,
		   size_t errlen)
{
	struct log_out l = {};
	struct sink sink = { .fd = -1 };
	vmcore_t *v = NULL;
	int fd = -1, r;

	r = mdl_open_input(o->vmcore, &v, &fd, err, errlen);
	if (r < 0)
		return r;
	r = mdl_open_output(o, &sink, err, errlen);
	if (r < 0)
		goto out;
	l.sink = &sink;
	r = outbuf_init(&l.buf, 64u << 10, 0);
	if (r < 0) {
		mdl_fail(err, errlen, r, "out of memory");
		goto out;
	}
	r = vmcore_dmesg(v, line, &l);
	if (l.error || r == 1) {
		r = mdl_fail(err, errlen, l.error ? l.error : -EIO, "writing the log: %s",
			     strerror(-(l.error ? l.error : -EIO)));
		goto out;
	}
	if (r < 0) {
		mdl_fail(err, errlen, r, "reading the kernel log of '%s': %s", o->vmcore,
			 vmcore_strerror(v));
		goto out;
	}
	r = outbuf_flush(&l.buf, &sink);
	if (r == 0)
		r = sink_finish(&sink);
	if (r < 0) {
		mdl_fail(err, errlen, r, "writing the log: %s", strerror(-r));
		goto out;
	}
	if (o->dumpfile)
		mdl_message(cb, MDL_ML_COMMON, "The dmesg log is saved to %s.", o->dumpfile);
out:
	outbuf_done(&l.buf);
	sink_close(&sink);
	vmcore_free(v);
	if (fd >= 0)
		close(fd);
	return r;
}
