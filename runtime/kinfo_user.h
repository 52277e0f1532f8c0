/* kinfo_user: the kinfo_ops the compiler uses for uprobe/uretprobe/usdt
 * expansion, uaddr() and kaddr(): file resolution, ELF function symbols and
 * USDT notes, answered from runtime/elf_*.c and usdt_notes.c. */
#ifndef BPFDECK_KINFO_USER_H
#define BPFDECK_KINFO_USER_H

#include "../lang/kinfo.h"

char *kinfo_user_resolve(const char *target, int pid, int *nfound);
int kinfo_user_glob(const char *pattern, user_file_fn fn, void *ctx);
int kinfo_user_pid_files(int pid, bool exe_only, user_file_fn fn, void *ctx);
int kinfo_user_needed(const char *path, user_file_fn fn, void *ctx);
int kinfo_user_func_glob(const char *path, const char *glob, user_sym_fn fn, void *ctx);
int kinfo_user_sym_lookup(const char *path, const char *name, struct user_sym *out);
int kinfo_usdt_glob(const char *path, const char *provider_glob, const char *name_glob,
		    usdt_loc_fn fn, void *ctx);
int kinfo_ksym_lookup(const char *name, unsigned long long *addr);
long kinfo_user_read(const char *path, unsigned long long file_offset, void *buf,
		     unsigned long len);

/* For kinfo_ops initializers. */
#define KINFO_USER_OPS                                  \
	.user_resolve = kinfo_user_resolve,             \
	.user_glob = kinfo_user_glob,                   \
	.user_pid_files = kinfo_user_pid_files,         \
	.user_needed = kinfo_user_needed,               \
	.user_func_glob = kinfo_user_func_glob,         \
	.user_sym_lookup = kinfo_user_sym_lookup,       \
	.usdt_glob = kinfo_usdt_glob,                   \
	.ksym_lookup = kinfo_ksym_lookup,             \
	.user_read = kinfo_user_read

#endif
