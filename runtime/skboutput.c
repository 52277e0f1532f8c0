/* skboutput: the packets skboutput() captures, from the session's perf event
 * array into pcap files (raw IP, as bpftrace 0.17 writes them).
 * bpf_skb_output can only write to a perf event array, so this is the one place
 * the runtime reads a perf buffer; its fd sits in the same epoll set as the ring
 * buffer's. Files are created when the clause that names them is loaded (an
 * empty capture still leaves a valid file) and shared by every call naming the
 * same path. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "rt_priv.h"

#define PCAP_MAGIC 0xa1b2c3d4u          /* microsecond timestamps */
#define PCAP_SNAPLEN 65535u
#define PCAP_LINKTYPE_RAW 101u          /* raw IPv4/IPv6, no link-layer header */

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, usec, incl_len, orig_len;
};

/* CLOCK_REALTIME - CLOCK_BOOTTIME: what turns the probe's boot-time stamp into a date. */
static int64_t skb_boot_offset_ns(void)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return (int64_t)(real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec);
}

static FILE *skb_file_of(struct rt *rt, uint64_t id)
{
	return id < (uint64_t)rt->nskb_files ? rt->skb_files[id] : NULL;
}

static void skb_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct rt *rt = ctx;
	struct skb_hdr h;
	struct pcap_rec_hdr r;
	const struct fmt_decl *f;
	const uint8_t *pkt;
	uint64_t len, off, ns;
	FILE *out;

	(void)cpu;
	if (size < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	out = skb_file_of(rt, h.id);
	if (!out || h.id >= (uint64_t)rt->s->nfmts || !(f = rt->s->fmts[h.id]))
		return;
	/* the record is padded to 8 bytes: the header says how much is packet */
	len = h.len < size - sizeof(h) ? h.len : size - sizeof(h);
	off = f->aux < len ? f->aux : len;
	pkt = (const uint8_t *)data + sizeof(h) + off;
	len -= off;
	ns = h.ns + (uint64_t)rt->skb_boot_ns;
	r.sec = (uint32_t)(ns / 1000000000ULL);
	r.usec = (uint32_t)(ns % 1000000000ULL / 1000);
	r.incl_len = (uint32_t)(len < PCAP_SNAPLEN ? len : PCAP_SNAPLEN);
	r.orig_len = (uint32_t)len;
	if (fwrite(&r, sizeof(r), 1, out) != 1 || fwrite(pkt, 1, r.incl_len, out) != r.incl_len)
		rt_msg(rt, MSG_WARNING, "skboutput: writing %s: %s", f->text, strerror(errno));
}

static void skb_lost(void *ctx, int cpu, __u64 n)
{
	struct rt *rt = ctx;

	(void)cpu;
	rt_msg(rt, MSG_WARNING, "skboutput: %llu packets lost (raise BPFTRACE_PERF_RB_PAGES)",
	       (unsigned long long)n);
}

static int skb_file_open(struct rt *rt, int id)
{
	const struct fmt_decl *f = rt->s->fmts[id];
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC, .major = 2, .minor = 4,
		.snaplen = PCAP_SNAPLEN, .linktype = PCAP_LINKTYPE_RAW,
	};
	FILE *out = NULL;

	/* another call on the same path shares its file */
	for (int i = 0; i < rt->nskb_files && !out; i++)
		if (rt->skb_files[i] && rt->s->fmts[i] && !strcmp(rt->s->fmts[i]->text, f->text))
			out = rt->skb_files[i];
	if (out) {
		rt->skb_files[id] = out;
		rt->skb_shared[id] = true;
		return 0;
	}
	out = fopen(f->text, "wb");
	if (!out)
		return rt_fail(rt, -errno, "skboutput: cannot create %s: %s", f->text, strerror(errno));
	if (fwrite(&h, sizeof(h), 1, out) != 1 || fflush(out)) {
		fclose(out);
		return rt_fail(rt, -EIO, "skboutput: writing %s: %s", f->text, strerror(errno));
	}
	rt->skb_files[id] = out;
	return 0;
}

int skb_sync(struct rt *rt)
{
	struct session *s = rt->s;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = RT_EP_PERFBUF };
	LIBBPF_OPTS(perf_buffer_opts, opts);
	int fd, err, pages = 64;
	FILE **files;
	bool *shared;

	if (s->skb_map < 0)
		return 0;
	if (s->nfmts > rt->nskb_files) {
		files = realloc(rt->skb_files, s->nfmts * sizeof(*files));
		if (files)
			rt->skb_files = files;
		shared = realloc(rt->skb_shared, s->nfmts * sizeof(*shared));
		if (shared)
			rt->skb_shared = shared;
		if (!files || !shared)
			return rt_fail(rt, -ENOMEM, "skboutput: out of memory");
		for (int i = rt->nskb_files; i < s->nfmts; i++) {
			files[i] = NULL;
			shared[i] = false;
		}
		rt->nskb_files = s->nfmts;
	}
	for (int i = 0; i < s->nfmts; i++)
		if (s->fmts[i] && s->fmts[i]->kind == FMT_SKBOUTPUT && !rt->skb_files[i]) {
			err = skb_file_open(rt, i);
			if (err)
				return err;
		}
	if (rt->pb)
		return 0;
	fd = rt_map_fd(rt, s->skb_map);
	if (fd < 0)
		return rt_fail(rt, fd, "skboutput: perf event array %d was not created", s->skb_map);
	if (s->cfg.perf_rb_pages)
		pages = (int)s->cfg.perf_rb_pages;
	/* perf buffers are a power of two pages per CPU */
	while (pages & (pages - 1))
		pages &= pages - 1;
	rt->skb_boot_ns = skb_boot_offset_ns();
	rt->pb = perf_buffer__new(fd, (size_t)pages, skb_sample, skb_lost, rt, &opts);
	if (!rt->pb)
		return rt_fail(rt, -errno, "skboutput: perf buffer: %s", strerror(errno));
	if (epoll_ctl(rt->epoll_fd, EPOLL_CTL_ADD, perf_buffer__epoll_fd(rt->pb), &ev) < 0) {
		err = -errno;
		perf_buffer__free(rt->pb);
		rt->pb = NULL;
		return rt_fail(rt, err, "skboutput: epoll: %s", strerror(-err));
	}
	return 0;
}

void skb_consume(struct rt *rt)
{
	if (!rt->pb)
		return;
	perf_buffer__consume(rt->pb);
	for (int i = 0; i < rt->nskb_files; i++)
		if (rt->skb_files[i] && !rt->skb_shared[i])
			fflush(rt->skb_files[i]);
}

void skb_free(struct rt *rt)
{
	perf_buffer__free(rt->pb);
	rt->pb = NULL;
	for (int i = 0; i < rt->nskb_files; i++)
		if (rt->skb_files[i] && !rt->skb_shared[i])
			fclose(rt->skb_files[i]);
	free(rt->skb_files);
	free(rt->skb_shared);
	rt->skb_files = NULL;
	rt->skb_shared = NULL;
	rt->nskb_files = 0;
}
