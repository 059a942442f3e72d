#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#define SYSFS_MAGIC 0x62656572
static int under_sys(const char *p) { return p && (strcmp(p, "/sys") == 0 || strncmp(p, "/sys/", 5) == 0); }
static int fd_under_sys(int fd) {
    char link[64], path[4096]; ssize_t n;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    return under_sys(path);
}
#define WRAP(name, argt, st, test) \
int name(argt a, struct st *b) { \
    static int (*real)(argt, struct st *); \
    if (!real) real = dlsym(RTLD_NEXT, #name); \
    int r = real(a, b); \
    if (r == 0 && test) b->f_type = SYSFS_MAGIC; \
    return r; }
WRAP(statfs, const char *, statfs, under_sys(a))
WRAP(fstatfs, int, statfs, fd_under_sys(a))
WRAP(statfs64, const char *, statfs64, under_sys(a))
WRAP(fstatfs64, int, statfs64, fd_under_sys(a))
