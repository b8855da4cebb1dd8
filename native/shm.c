/*
 * POSIX shared memory for Node.js, as a Node-API addon.
 *
 *   create(name, size) -> ArrayBuffer   shm_open(O_CREAT|O_EXCL|O_RDWR, 0600), ftruncate, mmap
 *   open(name)         -> ArrayBuffer   shm_open(O_RDWR), size from fstat, mmap
 *   close(arrayBuffer) -> undefined     detach the ArrayBuffer, then munmap (idempotent)
 *   unlink(name)       -> undefined     shm_unlink
 *
 * And memory that is given back when released, not when collected (see anonymous_mapping):
 *
 *   anonymous(size)    -> ArrayBuffer   mmap(MAP_PRIVATE|MAP_ANONYMOUS); close() unmaps it
 *   trim()             -> boolean       malloc_trim(0): malloc's free pages back to the system
 *
 * And one socket option Node has no API for (see set_send_buffer below):
 *
 *   setSendBuffer(fd, bytes) -> number  bytes > 0: SO_SNDBUF (locks the size); 0: unlock it
 *   sendBufferLocked(fd)     -> number  1 locked, 0 not (SO_BUF_LOCK)
 *
 * And one scheduler call (see yield_core below):
 *
 *   yieldCore()              -> number  sched_yield(): 0, or -errno
 *
 * The ArrayBuffer's memory IS the mapping (MAP_SHARED), so typed arrays and Atomics over it
 * see other processes' stores. close() detaches before it unmaps: every typed array over the
 * buffer then has length 0, so a stale view reads `undefined` instead of faulting. A mapping
 * that is garbage collected without close() is unmapped by its finalizer.
 *
 * Failures throw an Error with `code` (the errno name: ENOENT, EEXIST, EACCES, EINVAL, ...),
 * `errno` (the positive POSIX number), `syscall`, and `path` (the segment name; `name` is
 * left alone because it is the error class's name and shows in every stack trace). Invalid
 * names and sizes are refused with EINVAL before any system call.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* A segment name is '/' then 1..254 bytes without '/' or NUL (NAME_MAX for the /dev/shm entry). */
#define SHM_NAME_MAX_BYTES 255
/* Larger than anything this system maps (a book segment is kilobytes); refuses typos like 1e12. */
#define SHM_SIZE_MAX_BYTES ((size_t)1 << 30)

/* One live mapping. Owned by the ArrayBuffer's finalizer, which frees it; close() only unmaps. */
typedef struct mapping {
  void *address; /* NULL once unmapped */
  size_t size;
  struct mapping *next;
} mapping;

/*
 * Live mappings of the process (every thread and worker), so close() can find the mapping
 * behind an ArrayBuffer's address. Process-wide rather than per environment so that a
 * finalizer running during an environment's teardown never walks freed memory.
 */
static mapping *live_mappings = NULL;
static pthread_mutex_t live_mappings_lock = PTHREAD_MUTEX_INITIALIZER;

static void forget_mapping(mapping *map) {
  pthread_mutex_lock(&live_mappings_lock);
  for (mapping **link = &live_mappings; *link != NULL; link = &(*link)->next) {
    if (*link == map) {
      *link = map->next;
      break;
    }
  }
  pthread_mutex_unlock(&live_mappings_lock);
}

/* Removes and returns the live mapping at exactly this address and size, or NULL. */
static mapping *take_mapping(void *address, size_t size) {
  mapping *found = NULL;
  pthread_mutex_lock(&live_mappings_lock);
  for (mapping **link = &live_mappings; *link != NULL; link = &(*link)->next) {
    if ((*link)->address == address && (*link)->size == size) {
      found = *link;
      *link = found->next;
      break;
    }
  }
  pthread_mutex_unlock(&live_mappings_lock);
  return found;
}

static const char *errno_name(int err) {
  switch (err) {
    case EACCES: return "EACCES";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENFILE: return "ENFILE";
    case ENOENT: return "ENOENT";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    case ENODATA: return "ENODATA";
    case EPERM: return "EPERM";
    case EFBIG: return "EFBIG";
    case EBADF: return "EBADF";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EAGAIN: return "EAGAIN";
    case ENODEV: return "ENODEV";
    case ENOTSUP: return "ENOTSUP";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case ENOTSOCK: return "ENOTSOCK";
    default: return "EUNKNOWN";
  }
}

/* Throws an Error carrying code, errno, syscall and path. Returns NULL for the caller to return. */
static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *name, const char *detail) {
  char message[512];
  const char *code = errno_name(err);
  const char *why = detail != NULL ? detail : strerror(err);
  if (name != NULL) {
    snprintf(message, sizeof message, "%s: %s '%s': %s", code, syscall, name, why);
  } else {
    snprintf(message, sizeof message, "%s: %s: %s", code, syscall, why);
  }
  napi_value js_code, js_message, js_error, js_errno, js_syscall, js_path;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &js_message) != napi_ok) return NULL;
  if (napi_create_error(env, js_code, js_message, &js_error) != napi_ok) return NULL;
  napi_create_int32(env, err, &js_errno);
  napi_set_named_property(env, js_error, "errno", js_errno);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &js_syscall);
  napi_set_named_property(env, js_error, "syscall", js_syscall);
  if (name != NULL) {
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &js_path);
    napi_set_named_property(env, js_error, "path", js_path);
  }
  napi_throw(env, js_error);
  return NULL;
}

/* Throws if a Node-API call failed (a bug or an exception already pending), with its message. */
#define NAPI_CALL(env, call)                                                    \
  do {                                                                          \
    napi_status status_ = (call);                                               \
    if (status_ != napi_ok) {                                                   \
      const napi_extended_error_info *info_ = NULL;                             \
      bool pending_ = false;                                                    \
      napi_get_last_error_info((env), &info_);                                  \
      napi_is_exception_pending((env), &pending_);                              \
      if (!pending_) {                                                          \
        napi_throw_error((env), NULL,                                           \
                         info_ != NULL && info_->error_message != NULL          \
                             ? info_->error_message                             \
                             : "Node-API call failed");                         \
      }                                                                         \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

/*
 * Reads and validates argv[0] as a segment name into `out` (SHM_NAME_MAX_BYTES + 1 bytes).
 * Returns 0 when valid; otherwise throws EINVAL and returns -1. No system call is made.
 */
static int read_name(napi_env env, napi_value value, const char *syscall, char *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) {
    throw_errno(env, EINVAL, syscall, NULL, "segment name must be a string");
    return -1;
  }
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return -1;
  if (length < 2 || length > SHM_NAME_MAX_BYTES) {
    /* Echo a prefix only: the name may be huge. */
    char shown[SHM_NAME_MAX_BYTES + 1];
    size_t copied = 0;
    napi_get_value_string_utf8(env, value, shown, 64, &copied);
    throw_errno(env, EINVAL, syscall, shown, "segment name must be '/' followed by 1 to 254 bytes");
    return -1;
  }
  size_t copied = 0;
  if (napi_get_value_string_utf8(env, value, out, SHM_NAME_MAX_BYTES + 1, &copied) != napi_ok) return -1;
  if (copied != length || strlen(out) != length) {
    throw_errno(env, EINVAL, syscall, NULL, "segment name must not contain NUL bytes");
    return -1;
  }
  if (out[0] != '/') {
    throw_errno(env, EINVAL, syscall, out, "segment name must start with '/'");
    return -1;
  }
  if (strchr(out + 1, '/') != NULL) {
    throw_errno(env, EINVAL, syscall, out, "segment name must not contain '/' after the first character");
    return -1;
  }
  if (strcmp(out, "/.") == 0 || strcmp(out, "/..") == 0) {
    throw_errno(env, EINVAL, syscall, out, "segment name must not be '.' or '..'");
    return -1;
  }
  return 0;
}

static void finalize_mapping(napi_env env, void *data, void *hint) {
  (void)data;
  (void)env;
  mapping *map = (mapping *)hint;
  forget_mapping(map); /* no-op when close() took it already */
  if (map->address != NULL) munmap(map->address, map->size);
  free(map);
}

/* Wraps an mmap'ed region in an ArrayBuffer. On failure unmaps it and returns NULL (exception pending). */
static napi_value wrap_mapping(napi_env env, void *address, size_t size) {
  mapping *map = (mapping *)malloc(sizeof(mapping));
  if (map == NULL) {
    munmap(address, size);
    napi_throw_error(env, "ENOMEM", "out of memory wrapping a shared memory mapping");
    return NULL;
  }
  map->address = address;
  map->size = size;
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, address, size, finalize_mapping, map, &buffer) != napi_ok) {
    munmap(address, size);
    free(map);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "cannot create an ArrayBuffer over a shared memory mapping");
    return NULL;
  }
  pthread_mutex_lock(&live_mappings_lock);
  map->next = live_mappings;
  live_mappings = map;
  pthread_mutex_unlock(&live_mappings_lock);
  return buffer;
}

static napi_value shm_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[SHM_NAME_MAX_BYTES + 1];
  if (argc < 2) return throw_errno(env, EINVAL, "shm_open", NULL, "create(name, size) takes two arguments");
  if (read_name(env, argv[0], "shm_open", name) != 0) return NULL;

  napi_valuetype type;
  NAPI_CALL(env, napi_typeof(env, argv[1], &type));
  if (type != napi_number) return throw_errno(env, EINVAL, "ftruncate", name, "size must be a number");
  double requested = 0;
  NAPI_CALL(env, napi_get_value_double(env, argv[1], &requested));
  if (!(requested >= 1) || requested > (double)SHM_SIZE_MAX_BYTES || requested != (double)(size_t)requested) {
    char detail[128];
    snprintf(detail, sizeof detail, "size must be an integer from 1 to %zu bytes", SHM_SIZE_MAX_BYTES);
    return throw_errno(env, EINVAL, "ftruncate", name, detail);
  }
  size_t size = (size_t)requested;

  int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, S_IRUSR | S_IWUSR);
  if (fd < 0) return throw_errno(env, errno, "shm_open", name, NULL);
  /* The umask may have removed bits from 0600 (e.g. 0277 leaves 0400): set the mode exactly. */
  const char *failed = NULL;
  if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
    failed = "fchmod";
  } else if (ftruncate(fd, (off_t)size) != 0) {
    failed = "ftruncate";
  }
  void *address = MAP_FAILED;
  if (failed == NULL) {
    address = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) failed = "mmap";
  }
  if (failed != NULL) {
    int err = errno;
    close(fd);
    shm_unlink(name); /* we created it: leave no half-made entry behind */
    return throw_errno(env, err, failed, name, NULL);
  }
  close(fd); /* the mapping keeps the segment alive */
  return wrap_mapping(env, address, size);
}

static napi_value shm_open_existing(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[SHM_NAME_MAX_BYTES + 1];
  if (argc < 1) return throw_errno(env, EINVAL, "shm_open", NULL, "open(name) takes one argument");
  if (read_name(env, argv[0], "shm_open", name) != 0) return NULL;

  int fd = shm_open(name, O_RDWR, 0);
  if (fd < 0) return throw_errno(env, errno, "shm_open", name, NULL);
  struct stat status;
  if (fstat(fd, &status) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "fstat", name, NULL);
  }
  if (status.st_size <= 0) {
    /* Its creator has not sized it yet (between shm_open and ftruncate): a retryable state. */
    close(fd);
    return throw_errno(env, ENODATA, "fstat", name, "segment is empty (its creator has not sized it yet)");
  }
  if ((unsigned long long)status.st_size > (unsigned long long)SHM_SIZE_MAX_BYTES) {
    close(fd);
    return throw_errno(env, EFBIG, "fstat", name, "segment is larger than this addon maps");
  }
  size_t size = (size_t)status.st_size;
  void *address = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);
  if (address == MAP_FAILED) return throw_errno(env, err, "mmap", name, NULL);
  return wrap_mapping(env, address, size);
}

/*
 * Private anonymous memory as an ArrayBuffer that close() unmaps at once. For buffers a peer
 * makes us hold (a large frame arriving in pieces): a Buffer's memory goes back only after
 * the garbage collector finds it, which an idle process may not run for minutes, and then
 * into malloc's heap, which keeps it (50 partial 1 MiB frames left the order manager 40-80 MB
 * above its baseline after they were closed). A mapping's pages go back when it is unmapped.
 */
static napi_value anonymous_mapping(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double requested = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &requested) != napi_ok || !(requested >= 1) ||
      requested > (double)SHM_SIZE_MAX_BYTES || requested != (double)(size_t)requested) {
    return throw_errno(env, EINVAL, "mmap", NULL, "anonymous(size) takes a whole number of bytes, 1 to 1 GiB");
  }
  size_t size = (size_t)requested;
  void *address = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (address == MAP_FAILED) return throw_errno(env, errno, "mmap", NULL, NULL);
  return wrap_mapping(env, address, size);
}

/*
 * glibc keeps memory that was freed inside its heap (it only gives back the top of the heap,
 * past a threshold that grows with the largest allocations seen), so a process that served
 * a burst of connections (a flood of slow or partial frames) stays that much larger after
 * they are gone: 13-30 MB in the partial-frames soak. malloc_trim(0) gives back every whole
 * free page. Returns whether memory was released; false where this is not glibc.
 */
static napi_value trim_memory(napi_env env, napi_callback_info info) {
  (void)info;
  bool released = false;
#ifdef __GLIBC__
  released = malloc_trim(0) == 1;
#endif
  napi_value result = NULL;
  napi_get_boolean(env, released, &result);
  return result;
}

static napi_value shm_close_mapping(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_buffer = false;
  if (argc >= 1) NAPI_CALL(env, napi_is_arraybuffer(env, argv[0], &is_buffer));
  if (!is_buffer) return throw_errno(env, EINVAL, "munmap", NULL, "close(buffer) takes the ArrayBuffer of a mapping");
  bool detached = false;
  NAPI_CALL(env, napi_is_detached_arraybuffer(env, argv[0], &detached));
  if (detached) return NULL; /* closed already: close is idempotent */
  void *address = NULL;
  size_t length = 0;
  NAPI_CALL(env, napi_get_arraybuffer_info(env, argv[0], &address, &length));

  /* Taken off the live list here; the finalizer, which still runs later, then only frees it. */
  mapping *map = take_mapping(address, length);
  if (map == NULL) return throw_errno(env, EINVAL, "munmap", NULL, "buffer is not a shared memory mapping of this addon");
  /* Detach first: from here on no JS view can reach the memory we are about to unmap. */
  NAPI_CALL(env, napi_detach_arraybuffer(env, argv[0]));
  if (munmap(map->address, map->size) != 0) {
    int err = errno;
    map->address = NULL;
    return throw_errno(env, err, "munmap", NULL, NULL);
  }
  map->address = NULL;
  return NULL;
}

static napi_value shm_unlink_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[SHM_NAME_MAX_BYTES + 1];
  if (argc < 1) return throw_errno(env, EINVAL, "shm_unlink", NULL, "unlink(name) takes one argument");
  if (read_name(env, argv[0], "shm_unlink", name) != 0) return NULL;
  if (shm_unlink(name) != 0) return throw_errno(env, errno, "shm_unlink", name, NULL);
  return NULL;
}

/*
 * A TCP socket's kernel send buffer. Linux grows it by itself (tcp_wmem autotuning, up to
 * tcp_wmem's maximum, 4 MiB by default) for a peer that reads nothing too, so thousands of
 * stalled peers can pin gigabytes of kernel memory, past tcp_mem, where every socket of the
 * host slows down. Setting SO_SNDBUF fixes the size and locks it (autotuning stops for that
 * socket); SO_BUF_LOCK (Linux 5.14) clears the lock again, so the kernel resumes growing it.
 * Node's net.Socket has no call for either (dgram has setSendBufferSize, TCP does not).
 * These return a number rather than throw: a server calls them per connection and treats a
 * failure (an older kernel, a socket already gone) as "not available", not as an error.
 */
#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72 /* asm-generic value (x86, arm, riscv); headers older than Linux 5.14 lack it */
#endif
#ifndef SOCK_SNDBUF_LOCK
#define SOCK_SNDBUF_LOCK 1 /* the send bit of SO_BUF_LOCK's value (include/net/sock.h) */
#endif

/* Reads argument `index` as an int32 into *out; returns 0, or -EINVAL when it is not a number. */
static int int32_argument(napi_env env, napi_callback_info info, size_t index, int32_t *out) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc <= index) return -EINVAL;
  napi_valuetype type;
  if (napi_typeof(env, argv[index], &type) != napi_ok || type != napi_number) return -EINVAL;
  if (napi_get_value_int32(env, argv[index], out) != napi_ok) return -EINVAL;
  return 0;
}

static napi_value int_result(napi_env env, int value) {
  napi_value result = NULL;
  napi_create_int32(env, value, &result);
  return result;
}

static napi_value set_send_buffer(napi_env env, napi_callback_info info) {
  int32_t fd = -1, bytes = -1;
  if (int32_argument(env, info, 0, &fd) != 0 || int32_argument(env, info, 1, &bytes) != 0 || fd < 0 || bytes < 0) return int_result(env, -EINVAL);
  if (bytes > 0) {
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0) return int_result(env, -errno);
  } else {
    int locks = 0;
    socklen_t length = sizeof locks;
    if (getsockopt(fd, SOL_SOCKET, SO_BUF_LOCK, &locks, &length) != 0) return int_result(env, -errno);
    locks &= ~SOCK_SNDBUF_LOCK;
    if (setsockopt(fd, SOL_SOCKET, SO_BUF_LOCK, &locks, sizeof locks) != 0) return int_result(env, -errno);
  }
  int size = 0;
  socklen_t length = sizeof size;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &length) != 0) return int_result(env, -errno);
  return int_result(env, size);
}

static napi_value send_buffer_locked(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  if (int32_argument(env, info, 0, &fd) != 0 || fd < 0) return int_result(env, -EINVAL);
  int locks = 0;
  socklen_t length = sizeof locks;
  if (getsockopt(fd, SOL_SOCKET, SO_BUF_LOCK, &locks, &length) != 0) return int_result(env, -errno);
  return int_result(env, (locks & SOCK_SNDBUF_LOCK) != 0 ? 1 : 0);
}

/*
 * sched_yield(2): let the process this one has just woken run now. A write to a loopback
 * socket wakes its reader with a "sync" hint, so the scheduler puts the reader on the
 * writer's core and expects the writer to sleep at once. A Node process does not: after
 * the write it finishes its callback, stream bookkeeping and event-loop turn (20-40 µs on
 * a cold core), and the reader waits for all of it. Yielding hands it the core first.
 */
static napi_value yield_core(napi_env env, napi_callback_info info) {
  (void)info;
  return int_result(env, sched_yield() == 0 ? 0 : -errno);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"create", NULL, shm_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, shm_open_existing, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, shm_close_mapping, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unlink", NULL, shm_unlink_name, NULL, NULL, NULL, napi_enumerable, NULL},
      {"anonymous", NULL, anonymous_mapping, NULL, NULL, NULL, napi_enumerable, NULL},
      {"trim", NULL, trim_memory, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setSendBuffer", NULL, set_send_buffer, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendBufferLocked", NULL, send_buffer_locked, NULL, NULL, NULL, napi_enumerable, NULL},
      {"yieldCore", NULL, yield_core, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  napi_value max_size;
  NAPI_CALL(env, napi_create_double(env, (double)SHM_SIZE_MAX_BYTES, &max_size));
  NAPI_CALL(env, napi_set_named_property(env, exports, "maxSizeBytes", max_size));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
