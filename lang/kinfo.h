/* kinfo: what the compiler may ask about the running kernel.
 * lang never reads tracefs or BTF itself; src plugs in an implementation
 * (runtime/tracefs.c) so the compiler stays free of kernel access. */
#ifndef BPFDECK_KINFO_H
#define BPFDECK_KINFO_H

#include <stdbool.h>
#include <stddef.h>

/* One field of a tracepoint's format file ("field:int flags; offset:24; size:4; signed:1;"). */
struct tp_field {
	char name[64];
	char type[128];   /* C type as written, without the array suffix: "const char *", "int" */
	int offset;
	int size;         /* total size in bytes (for arrays: whole array) */
	bool is_signed;
	int array_len;    /* 0: not an array; N: "char comm[16]" */
	bool data_loc;    /* "__data_loc char[] name": u32 (len << 16 | offset) */
};

struct tp_format {
	int id;           /* tracefs events/CAT/NAME/id */
	int nfields;      /* common_* fields excluded */
	struct tp_field *fields;
};

/* Called once per matched event by kinfo_ops.tp_glob; non-zero return stops the walk. */
typedef int (*tp_visit_fn)(const char *category, const char *event, void *ctx);

/* Called once per kernel function by kinfo_ops.kfunc_glob; module NULL for vmlinux. */
typedef int (*kfunc_visit_fn)(const char *module, const char *func, void *ctx);

/* uprobe/usdt targets: files, their function symbols and USDT notes. Strings
 * passed to the callbacks are valid during the call only. */
typedef int (*user_file_fn)(const char *path, void *ctx);

struct user_sym {
	const char *name;       /* as in the symbol table (C++: mangled) */
	const char *demangled;  /* C++ only, else NULL */
	unsigned long long addr;        /* st_value */
	unsigned long long size;
	unsigned long long file_offset; /* of addr: where a uprobe on it attaches */
	bool is_func;
};
typedef int (*user_sym_fn)(const struct user_sym *sym, void *ctx);

/* One USDT probe location (a probe inlined twice has two). */
struct usdt_loc {
	const char *provider, *name;
	const char *args;               /* the note's argument spec: "-4@%eax 8@-8(%rbp)" */
	unsigned long long pc;          /* virtual address */
	unsigned long long file_offset; /* of pc */
	unsigned long long sema_offset; /* file offset of the semaphore, 0 none */
};
typedef int (*usdt_loc_fn)(const struct usdt_loc *loc, void *ctx);

/* kinfo_ops.probe_support's answer for one probe kind on this kernel. */
enum probe_support {
	PS_OK,          /* attaches as written */
	PS_FALLBACK,    /* attaches as *alt instead (fentry for kprobe and so on) */
	PS_NONE,        /* cannot attach here: why says so in the user's terms */
};

struct kinfo_ops {
	/* Parse events/CATEGORY/EVENT/format. Returns 0 or -errno. */
	int (*tp_format)(const char *category, const char *event, struct tp_format *out);
	/* Visit tracepoints matching shell globs on category and event, in sorted order.
	 * Returns number visited or -errno. */
	int (*tp_glob)(const char *cat_glob, const char *event_glob, tp_visit_fn fn, void *ctx);
	/* Visit the kernel functions kprobes (btf: fentry, which needs a BTF prototype)
	 * can attach to matching shell globs on module (NULL: any, "vmlinux": the core
	 * kernel) and name, sorted, each once. Returns number visited or -errno. */
	int (*kfunc_glob)(const char *mod_glob, const char *func_glob, bool btf,
			  kfunc_visit_fn fn, void *ctx);
	/* Size in bytes of kernel function func (module NULL: any); 0 when not known.
	 * Returns 0, or -ENOENT when the kernel has no such function. */
	int (*kfunc_size)(const char *module, const char *func, unsigned long *size);
	/* Can a probe of kind (enum probe_kind) on func attach here? PS_FALLBACK sets
	 * *alt to the kind to use; PS_FALLBACK and PS_NONE write why, e.g. "this kernel
	 * has no kprobes (CONFIG_KPROBES off); try tracepoint:syscalls:sys_enter_read". */
	int (*probe_support)(int kind, const char *func, int *alt, char *why, size_t len);

	/* The file a uprobe/usdt target names, as bpftrace resolves it: a path as is
	 * (absolute ones through /proc/PID/root when pid > 0), else the first
	 * executable on PATH, a library pid maps, a library in ld.so.cache. *nfound:
	 * how many PATH entries matched. Malloc'd, NULL when there is none. */
	char *(*user_resolve)(const char *target, int pid, int *nfound);
	/* ELF files a glob matches (bare names: current directory and PATH), sorted.
	 * Returns number visited or -errno. */
	int (*user_glob)(const char *pattern, user_file_fn fn, void *ctx);
	/* Process pid's executable (exe_only) or every ELF file it maps, as
	 * /proc/PID/root/PATH. Returns number visited or -errno. */
	int (*user_pid_files)(int pid, bool exe_only, user_file_fn fn, void *ctx);
	/* The shared libraries path needs (DT_NEEDED, transitively, found as the
	 * dynamic loader would). Returns number visited or -errno. */
	int (*user_needed)(const char *path, user_file_fn fn, void *ctx);
	/* Function symbols of path (separate debug info included) matching glob as
	 * bpftrace matches them: the mangled name, else the demangled one with loose
	 * ends. Each name once. Returns number visited, -ENOEXEC for no ELF file. */
	int (*user_func_glob)(const char *path, const char *glob, user_sym_fn fn, void *ctx);
	/* A function or object symbol by exact name (uaddr). 0, -ENOENT, -ENOEXEC. */
	int (*user_sym_lookup)(const char *path, const char *name, struct user_sym *out);
	/* USDT locations of path whose provider and name match the globs, in note
	 * order. Returns number visited or -errno (-ENOEXEC: no ELF file). */
	int (*usdt_glob)(const char *path, const char *provider_glob, const char *name_glob,
			 usdt_loc_fn fn, void *ctx);
	/* A kernel symbol's address (kaddr). 0 or -ENOENT. */
	int (*ksym_lookup)(const char *name, unsigned long long *addr);
	/* Up to len bytes of path at file_offset (code, for instruction checks).
	 * Returns the count read or -errno. */
	long (*user_read)(const char *path, unsigned long long file_offset, void *buf,
			  unsigned long len);
	/* The id of the cgroup at a cgroupfs path (cgroupid). 0 or -errno. */
	int (*cgroup_id)(const char *path, unsigned long long *id);
	/* Does the kernel have the feature bpfdeck --info names so ("skboutput")? */
	bool (*has_feature)(const char *name);
};

void tp_format_free(struct tp_format *f);

#endif
