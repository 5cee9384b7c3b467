/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VMCOREINFO parsing: keys, number bases, signed NUMBER(), missing keys, hostile sizes. */
#include <errno.h>

#include "internal.h"
#include "tests.h"

static const char sample[] =
	"OSRELEASE=6.12.57+deb13-amd64\n"
	"BUILD-ID=0123456789abcdef0123456789abcdef01234567\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffffa3e17a40\n"
	"OFFSET(page.flags)=0\n"
	"SIZE(page)=64\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=4093640704\n"
	"NUMBER(kimage_voffset)=0xffffffc008000000\n"
	"KERNELOFFSET=22000000\n"
	"CRASHTIME=1700000000\n"
	"garbage line without equals\n"
	"CRASHTIME=1700000001\n";

static vmcore_t *new_with(const char *text, size_t len)
{
	vmcore_t *v = vmcore_new();

	if (v && vc_set_vmcoreinfo(v, text, len) < 0)
		v = vmcore_free(v);
	return v;
}

TEST(keys_and_bases)
{
	vmcore_t *v = new_with(sample, sizeof(sample) - 1);
	const char *s;
	uint64_t u;
	int64_t i;

	ASSERT_TRUE(v);
	ASSERT_OK(vmcore_vmcoreinfo_get(v, "OSRELEASE", &s));
	ASSERT_STREQ(s, "6.12.57+deb13-amd64");
	ASSERT_OK(vmcore_vmcoreinfo_get_u64(v, "SYMBOL(init_uts_ns)", &u));
	ASSERT_EQ_U64(u, 0xffffffffa3e17a40ull);
	ASSERT_OK(vmcore_vmcoreinfo_get_u64(v, "KERNELOFFSET", &u));
	ASSERT_EQ_U64(u, 0x22000000);
	ASSERT_OK(vmcore_vmcoreinfo_get_u64(v, "SIZE(page)", &u));
	ASSERT_EQ_U64(u, 64);
	ASSERT_OK(vmcore_vmcoreinfo_get_s64(v, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", &i));
	ASSERT_EQ_INT(i, -129);
	ASSERT_OK(vmcore_vmcoreinfo_get_u64(v, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)", &u));
	ASSERT_EQ_U64(u, 4093640704u);
	ASSERT_OK(vmcore_vmcoreinfo_get_u64(v, "NUMBER(kimage_voffset)", &u));
	ASSERT_EQ_U64(u, 0xffffffc008000000ull);
	/* The kernel appends CRASHTIME at crash time: the last one counts. */
	ASSERT_OK(vmcore_vmcoreinfo_get_s64(v, "CRASHTIME", &i));
	ASSERT_EQ_INT(i, 1700000001);
	vmcore_free(v);
}

TEST(missing_and_malformed)
{
	static const char bad[] = "SIZE(page)=sixty-four\nOSRELEASE=\n";
	vmcore_t *v = new_with(bad, sizeof(bad) - 1);
	const char *s;
	uint64_t u = 7;

	ASSERT_TRUE(v);
	ASSERT_EQ_INT(vmcore_vmcoreinfo_get(v, "PAGESIZE", &s), -ENOKEY);
	ASSERT_EQ_INT(vmcore_vmcoreinfo_get_u64(v, "SIZE(page)", &u), -EBADMSG);
	/* Output parameters are untouched on failure. */
	ASSERT_EQ_U64(u, 7);
	ASSERT_OK(vmcore_vmcoreinfo_get(v, "OSRELEASE", &s));
	ASSERT_STREQ(s, "");
	ASSERT_EQ_INT(vmcore_vmcoreinfo_get_u64(v, "OSRELEASE", &u), -EBADMSG);
	vmcore_free(v);
}

TEST(nul_padding_and_no_newline)
{
	static const char text[] = "PAGESIZE=4096\nOSRELEASE=6.1.0\0\0\0";
	vmcore_t *v = new_with(text, sizeof(text) - 1);
	const char *s;
	size_t n;

	ASSERT_TRUE(v);
	ASSERT_OK(vmcore_vmcoreinfo_get(v, "OSRELEASE", &s));
	ASSERT_STREQ(s, "6.1.0");
	ASSERT_OK(vmcore_vmcoreinfo(v, &s, &n));
	ASSERT_EQ_U64(n, strlen("PAGESIZE=4096\nOSRELEASE=6.1.0"));
	vmcore_free(v);
}

TEST(absurd_size)
{
	vmcore_t *v = vmcore_new();

	ASSERT_TRUE(v);
	/* The size is checked before anything is read or allocated. */
	ASSERT_EQ_INT(vc_set_vmcoreinfo(v, sample, (size_t)1 << 40), -EBADMSG);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "VMCOREINFO"));
	vmcore_free(v);
}

RUN_TESTS(T(keys_and_bases), T(missing_and_malformed), T(nul_padding_and_no_newline),
	  T(absurd_size))
