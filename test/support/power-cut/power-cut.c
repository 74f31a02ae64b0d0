/*
 * An LD_PRELOAD shim that lets a test cut the power under a process: it journals, for every file
 * below $POWER_CUT_DIR, what the disk would still have to forget if the power failed before the
 * next fsync. Writes go through to the file as usual (so the process reads back what it wrote);
 * before each one the shim appends to $POWER_CUT_JOURNAL (outside that folder) the bytes and the
 * size it is about to replace. An fsync of the file, or of the folder for a file it created, makes
 * what came before it durable. After the process is killed, test/support/power-cut/index.ts reads
 * the journal and undoes whatever was not yet durable, as a power cut would have lost it. With
 * $POWER_CUT_AT_WRITE=N the shim kills the process itself just before its N-th watched write, so the
 * cut falls in the middle of whatever the process was writing.
 *
 * Compiled by the test from this source with the machine's C compiler; never committed as a binary.
 * Only what SQLite's unix VFS calls is covered: open, pwrite/write, ftruncate, fsync/fdatasync,
 * unlink and close. SQLite's -shm file is left out: it is shared memory, never made durable, and
 * SQLite rebuilds it from the WAL when the database is opened again.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum { RECORD_WRITE = 1, RECORD_SYNC = 2, RECORD_CREATE = 3, RECORD_FOLDER_SYNC = 4, RECORD_UNLINK = 5 };
enum { MAX_TRACKED_FD = 65536 };

/* One journal record: this header, then the path, then `data_length` bytes (a write's old bytes). */
struct record_header {
  uint32_t kind;
  uint32_t path_length;
  uint64_t offset;
  uint64_t old_size;
  uint64_t data_length;
};

static char watched[PATH_MAX];
static size_t watched_length;
static int journal_fd = -1;
static unsigned long writes_before_cut;
static unsigned long writes_seen;
static char *tracked[MAX_TRACKED_FD];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);
static int (*real_unlink)(const char *);

static void resolve(void) {
  if (real_open) return;
  real_open = dlsym(RTLD_NEXT, "open");
  real_open64 = dlsym(RTLD_NEXT, "open64");
  real_openat = dlsym(RTLD_NEXT, "openat");
  real_openat64 = dlsym(RTLD_NEXT, "openat64");
  real_write = dlsym(RTLD_NEXT, "write");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_pread = dlsym(RTLD_NEXT, "pread");
  real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
  real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_close = dlsym(RTLD_NEXT, "close");
  real_unlink = dlsym(RTLD_NEXT, "unlink");
}

__attribute__((constructor)) static void start(void) {
  resolve();
  const char *folder = getenv("POWER_CUT_DIR");
  const char *journal = getenv("POWER_CUT_JOURNAL");
  if (!folder || !journal || strlen(folder) >= sizeof watched) return;
  strcpy(watched, folder);
  watched_length = strlen(watched);
  const char *cut_at = getenv("POWER_CUT_AT_WRITE");
  if (cut_at) writes_before_cut = strtoul(cut_at, NULL, 10);
  journal_fd = real_open(journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static int is_shm(const char *path) {
  size_t length = strlen(path);
  return length >= 4 && strcmp(path + length - 4, "-shm") == 0;
}

/* 1 for a file below the watched folder, 2 for the folder itself, 0 for anything else. */
static int watched_kind(const char *path) {
  if (journal_fd < 0 || !path || path[0] != '/') return 0;
  if (strncmp(path, watched, watched_length) != 0) return 0;
  if (path[watched_length] == '\0') return 2;
  if (path[watched_length] != '/' || is_shm(path)) return 0;
  return 1;
}

/* Appends one whole record; the reader ignores a record cut short by the kill. Called under lock. */
static void journal(uint32_t kind, const char *path, uint64_t offset, uint64_t old_size, const void *data,
                    uint64_t data_length) {
  struct record_header header = {kind, (uint32_t)strlen(path), offset, old_size, data_length};
  size_t total = sizeof header + header.path_length + data_length;
  char *buffer = malloc(total);
  if (!buffer) abort();
  memcpy(buffer, &header, sizeof header);
  memcpy(buffer + sizeof header, path, header.path_length);
  if (data_length) memcpy(buffer + sizeof header + header.path_length, data, data_length);
  for (size_t done = 0; done < total;) {
    ssize_t written = real_write(journal_fd, buffer + done, total - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) abort();
    done += (size_t)written;
  }
  free(buffer);
}

static const char *tracked_path(int fd) {
  return fd >= 0 && fd < MAX_TRACKED_FD ? tracked[fd] : NULL;
}

/* Journals the bytes [offset, offset + length) and the size a write or truncation will replace. */
static void journal_old_bytes(int fd, const char *path, uint64_t offset, uint64_t length) {
  if (writes_before_cut && ++writes_seen == writes_before_cut) raise(SIGKILL);
  struct stat stat;
  if (fstat(fd, &stat) != 0) abort();
  uint64_t size = (uint64_t)stat.st_size;
  uint64_t kept = offset < size ? (size - offset < length ? size - offset : length) : 0;
  char *old = kept ? malloc(kept) : NULL;
  if (kept && !old) abort();
  for (uint64_t done = 0; done < kept;) {
    ssize_t read = real_pread(fd, old + done, kept - done, (off_t)(offset + done));
    if (read < 0 && errno == EINTR) continue;
    if (read <= 0) abort();
    done += (uint64_t)read;
  }
  journal(RECORD_WRITE, path, offset, size, old, kept);
  free(old);
}

static void after_open(int fd, const char *path, int existed) {
  int kind = watched_kind(path);
  if (fd < 0 || fd >= MAX_TRACKED_FD || !kind) return;
  pthread_mutex_lock(&lock);
  free(tracked[fd]);
  tracked[fd] = strdup(path);
  if (kind == 1 && !existed) journal(RECORD_CREATE, path, 0, 0, NULL, 0);
  pthread_mutex_unlock(&lock);
}

static int exists(const char *path) {
  struct stat stat;
  return lstat(path, &stat) == 0;
}

#define OPEN_WRAPPER(real, ...)                                                                 \
  {                                                                                                   \
    resolve();                                                                                        \
    mode_t mode = 0;                                                                                  \
    if (flags & (O_CREAT | O_TMPFILE)) {                                                              \
      va_list args;                                                                                   \
      va_start(args, flags);                                                                          \
      mode = va_arg(args, mode_t);                                                                    \
      va_end(args);                                                                                   \
    }                                                                                                 \
    int existed = watched_kind(path) ? exists(path) : 1;                                              \
    int fd = real(__VA_ARGS__, flags, mode);                                                          \
    after_open(fd, path, existed);                                                                    \
    return fd;                                                                                        \
  }

int open(const char *path, int flags, ...) OPEN_WRAPPER(real_open, path)
int open64(const char *path, int flags, ...) OPEN_WRAPPER(real_open64, path)
/* SQLite always passes absolute paths; a relative one is simply not watched. */
int openat(int folder, const char *path, int flags, ...) OPEN_WRAPPER(real_openat, folder, path)
int openat64(int folder, const char *path, int flags, ...) OPEN_WRAPPER(real_openat64, folder, path)

static void journaled_write(int fd, size_t length, off_t offset) {
  pthread_mutex_lock(&lock);
  const char *path = tracked_path(fd);
  if (path) journal_old_bytes(fd, path, (uint64_t)offset, length);
  pthread_mutex_unlock(&lock);
}

/* A plain write lands at the file offset, or at the end of a file opened to append. */
static off_t write_offset(int fd) {
  struct stat stat;
  if ((fcntl(fd, F_GETFL) & O_APPEND) && fstat(fd, &stat) == 0) return stat.st_size;
  return lseek(fd, 0, SEEK_CUR);
}

ssize_t write(int fd, const void *buffer, size_t length) {
  resolve();
  if (tracked_path(fd)) journaled_write(fd, length, write_offset(fd));
  return real_write(fd, buffer, length);
}

ssize_t pwrite(int fd, const void *buffer, size_t length, off_t offset) {
  resolve();
  if (tracked_path(fd)) journaled_write(fd, length, offset);
  return real_pwrite(fd, buffer, length, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t length, off_t offset) {
  resolve();
  if (tracked_path(fd)) journaled_write(fd, length, offset);
  return real_pwrite64(fd, buffer, length, offset);
}

static void journal_truncate(int fd, off_t length) {
  pthread_mutex_lock(&lock);
  const char *path = tracked_path(fd);
  struct stat stat;
  if (path && fstat(fd, &stat) == 0) {
    uint64_t size = (uint64_t)stat.st_size;
    if ((uint64_t)length < size)
      journal_old_bytes(fd, path, (uint64_t)length, size - (uint64_t)length);
    else
      journal_old_bytes(fd, path, size, 0);
  }
  pthread_mutex_unlock(&lock);
}

int ftruncate(int fd, off_t length) {
  resolve();
  journal_truncate(fd, length);
  return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off_t length) {
  resolve();
  journal_truncate(fd, length);
  return real_ftruncate64(fd, length);
}

/* Journals a successful sync: of a file, or of the watched folder (which makes creations durable). */
static int synced(int fd, int result) {
  if (result != 0) return result;
  pthread_mutex_lock(&lock);
  const char *path = tracked_path(fd);
  if (path) journal(watched_kind(path) == 2 ? RECORD_FOLDER_SYNC : RECORD_SYNC, path, 0, 0, NULL, 0);
  pthread_mutex_unlock(&lock);
  return result;
}

int fsync(int fd) {
  resolve();
  return synced(fd, real_fsync(fd));
}

int fdatasync(int fd) {
  resolve();
  return synced(fd, real_fdatasync(fd));
}

int close(int fd) {
  resolve();
  if (tracked_path(fd)) {
    pthread_mutex_lock(&lock);
    free(tracked[fd]);
    tracked[fd] = NULL;
    pthread_mutex_unlock(&lock);
  }
  return real_close(fd);
}

/* An unlink is taken as durable at once: the rollback cannot bring a file's bytes back. */
int unlink(const char *path) {
  resolve();
  if (watched_kind(path) == 1) {
    pthread_mutex_lock(&lock);
    journal(RECORD_UNLINK, path, 0, 0, NULL, 0);
    pthread_mutex_unlock(&lock);
  }
  return real_unlink(path);
}
