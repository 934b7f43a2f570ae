/*
 * libsframetrace-audit.so: an rtld-audit library (LD_AUDIT) that registers
 * the .sframe section of every object the dynamic linker loads with the
 * kernel's proposed sframe_register syscall, so the kernel's deferred
 * unwinder can walk user stacks through shared libraries and dlopen'ed
 * code, and unregisters it when the object is closed. The kernel itself
 * registers only the executable and the dynamic linker, at exec.
 *
 * It must never change the program's behaviour: it writes nothing to the
 * program's stdout/stderr, keeps no file descriptor open, and returns no
 * binding flags (no PLT interception). A debug log (SFRAMETRACE_AUDIT_LOG
 * naming a file) gets one line per object; `record` reads it for its summary.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sframetrace/sframe_register.h>

#ifndef PT_GNU_SFRAME
#define PT_GNU_SFRAME 0x6474e554
#endif

#define EXPORT __attribute__((visibility("default")))

#if __SIZEOF_POINTER__ == 8
#define ELFCLASS_OWN ELFCLASS64
#else
#define ELFCLASS_OWN ELFCLASS32
#endif

struct object {
	uint64_t sframe_start, sframe_size;
	uint64_t text_start, text_size;
	long lmid;
	bool at_exec;          /* the executable or its interpreter: the kernel registered it */
	bool has_sframe;
	bool open;
	char path[4096];
};

static struct object *objects;
static size_t nr_objects, cap_objects;
static long nr_register = SFRAME_REGISTER_NR_DEFAULT;
static long nr_unregister = SFRAME_UNREGISTER_NR_DEFAULT;
static const char *log_path;
static bool no_register;         /* sframe_register gave ENOSYS: stop trying */
static bool no_unregister;       /* sframe_unregister gave ENOSYS */
static bool exiting;             /* exit() began: the kernel drops registrations itself */
static struct link_map *main_map;    /* its search list reaches the program's libc */

/* One line per write, O_APPEND: lines of concurrent processes never mix. */
static void log_line(const char *op, const char *result, const struct object *o)
{
	char buf[4608];
	int fd, n;

	if (!log_path)
		return;
	n = snprintf(buf, sizeof(buf),
		     "sframetrace-audit pid=%d op=%s result=%s sframe=0x%llx+0x%llx"
		     " text=0x%llx+0x%llx lmid=%ld path=%s\n",
		     (int)getpid(), op, result,
		     (unsigned long long)o->sframe_start, (unsigned long long)o->sframe_size,
		     (unsigned long long)o->text_start, (unsigned long long)o->text_size,
		     o->lmid, o->path);
	if (n <= 0)
		return;
	if (n >= (int)sizeof(buf))
		n = (int)sizeof(buf) - 1;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, buf, (size_t)n) < 0) {
		/* Nothing to do: the log is best effort. */
	}
	close(fd);
}

/*
 * The syscall's errno (0 on success). ENOSYS is not retried: for register
 * it stops both calls, for unregister only that one.
 */
static int call(long nr, const struct sframe_setup *s)
{
	bool unreg = nr == nr_unregister;
	int saved = errno, err = 0;

	if (no_register || (unreg && no_unregister))
		return ENOSYS;
	if (syscall(nr, s, sizeof(*s)) != 0)
		err = errno;
	if (err == ENOSYS) {
		if (unreg)
			no_unregister = true;
		else
			no_register = true;
	}
	errno = saved;
	return err;
}

static void do_register(const struct object *o, const char *op)
{
	struct sframe_setup s = {
		.sframe_start = o->sframe_start, .sframe_size = o->sframe_size,
		.text_start = o->text_start, .text_size = o->text_size,
	};
	char buf[16];
	int err = call(nr_register, &s);

	/*
	 * EEXIST for what binfmt_elf registered at exec is success; for any
	 * other object it is a clash (say, a stale registration of an object
	 * that was unloaded without being unregistered).
	 */
	log_line(op, err == EEXIST && o->at_exec ? "exec" : sframe_errno_name(err, buf, sizeof(buf)), o);
}

/* Whether the page at addr is mapped (so reading an ELF header there is safe). */
static bool mapped(uintptr_t addr)
{
	unsigned char vec;
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0 || addr % (uintptr_t)page)
		return false;
	return mincore((void *)addr, 1, &vec) == 0;
}

/*
 * The program headers in memory. The executable's come from the auxiliary
 * vector; any other object's ELF header is mapped at its load bias, since
 * its first PT_LOAD starts at offset 0 and address 0 (checked below).
 */
static bool find_phdrs(const struct link_map *map, long lmid,
		       const ElfW(Phdr) **phdr, size_t *phnum)
{
	const ElfW(Ehdr) *eh;
	size_t i;

	if (lmid == LM_ID_BASE && !map->l_name[0]) {
		*phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
		*phnum = getauxval(AT_PHNUM);
		return *phdr && *phnum;
	}
	if (!mapped(map->l_addr))
		return false;
	eh = (const ElfW(Ehdr) *)map->l_addr;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS_OWN ||
	    eh->e_phentsize != sizeof(ElfW(Phdr)) || !eh->e_phnum || eh->e_phoff > 65536)
		return false;
	*phdr = (const ElfW(Phdr) *)(map->l_addr + eh->e_phoff);
	*phnum = eh->e_phnum;
	for (i = 0; i < *phnum; i++)
		if ((*phdr)[i].p_type == PT_LOAD)
			return (*phdr)[i].p_offset == 0 && (*phdr)[i].p_vaddr == 0;
	return false;
}

static struct object *new_object(void)
{
	if (nr_objects == cap_objects) {
		size_t cap = cap_objects ? cap_objects * 2 : 32;
		struct object *n = realloc(objects, cap * sizeof(*n));

		if (!n)
			return NULL;
		objects = n;
		cap_objects = cap;
	}
	memset(&objects[nr_objects], 0, sizeof(objects[0]));
	return &objects[nr_objects++];
}

static void object_path(struct object *o, const struct link_map *map, long lmid)
{
	ssize_t n;

	if (map->l_name[0] || lmid != LM_ID_BASE) {
		snprintf(o->path, sizeof(o->path), "%s", map->l_name);
		return;
	}
	n = readlink("/proc/self/exe", o->path, sizeof(o->path) - 1);
	o->path[n > 0 ? n : 0] = '\0';
}

EXPORT unsigned int la_version(unsigned int version)
{
	log_path = getenv(SFRAME_AUDIT_LOG_ENV);
	if (log_path && !*log_path)
		log_path = NULL;
	nr_register = sframe_register_nr_from_env(SFRAME_REGISTER_NR_ENV,
						  SFRAME_REGISTER_NR_DEFAULT);
	nr_unregister = sframe_register_nr_from_env(SFRAME_UNREGISTER_NR_ENV,
						    SFRAME_UNREGISTER_NR_DEFAULT);
	return version < LAV_CURRENT ? version : LAV_CURRENT;
}

EXPORT unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	const ElfW(Phdr) *ph;
	size_t phnum, i;
	uint64_t lo = UINT64_MAX, hi = 0;
	struct object *o = new_object();

	*cookie = 0;
	if (!o)
		return 0;
	o->lmid = (long)lmid;
	object_path(o, map, (long)lmid);
	if (lmid == LM_ID_BASE && !map->l_name[0])
		main_map = map;
	o->at_exec = lmid == LM_ID_BASE &&
		     (!map->l_name[0] || (getauxval(AT_BASE) && map->l_addr == getauxval(AT_BASE)));
	if (!find_phdrs(map, (long)lmid, &ph, &phnum)) {
		log_line("skip", "no-phdrs", o);
		return 0;
	}
	for (i = 0; i < phnum; i++) {
		if (ph[i].p_type == PT_GNU_SFRAME) {
			o->sframe_start = map->l_addr + ph[i].p_vaddr;
			o->sframe_size = ph[i].p_memsz;
			o->has_sframe = true;
		} else if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X)) {
			if (ph[i].p_vaddr < lo)
				lo = ph[i].p_vaddr;
			if (ph[i].p_vaddr + ph[i].p_memsz > hi)
				hi = ph[i].p_vaddr + ph[i].p_memsz;
		}
	}
	if (hi > lo) {
		o->text_start = map->l_addr + lo;
		o->text_size = hi - lo;
	}
	if (!o->has_sframe || hi <= lo) {
		log_line("skip", o->has_sframe ? "no-text" : "no-sframe", o);
		o->has_sframe = false;
		return 0;
	}
	o->open = true;
	*cookie = (uintptr_t)nr_objects;
	do_register(o, "register");
	return 0;
}

EXPORT unsigned int la_objclose(uintptr_t *cookie)
{
	struct sframe_setup s;
	struct object *o;
	char buf[16];

	if (!*cookie || *cookie > nr_objects)
		return 0;
	o = &objects[*cookie - 1];
	if (!o->open || exiting)
		return 0;
	o->open = false;
	memset(&s, 0, sizeof(s));
	s.sframe_start = o->sframe_start;
	log_line("unregister", sframe_errno_name(call(nr_unregister, &s), buf, sizeof(buf)), o);
	return 0;
}

/*
 * A child made by fork() without exec keeps none of its parent's
 * registrations (not even the executable's): register everything again.
 */
static void on_fork_child(void)
{
	size_t i;

	for (i = 0; i < nr_objects; i++)
		if (objects[i].open)
			do_register(&objects[i], "reregister");
}

static void on_exit_begin(void *arg)
{
	(void)arg;
	exiting = true;
}

/*
 * The program's fork() and exit() run the atfork and atexit handlers of the
 * program's own libc, not of the copy this library was loaded with: install
 * ours there, once the program's libc is relocated (la_preinit runs just
 * before main's initializers). At exit the dynamic linker closes every
 * object; unregistering each would only cost syscalls the kernel's own
 * teardown makes unneeded, so closes after exit() began are left alone.
 */
EXPORT void la_preinit(uintptr_t *cookie)
{
	typedef int (*register_atfork_fn)(void (*)(void), void (*)(void), void (*)(void), void *);
	typedef int (*cxa_atexit_fn)(void (*)(void *), void *, void *);
	register_atfork_fn reg;
	cxa_atexit_fn at_exit;

	(void)cookie;
	if (!main_map)
		return;
	reg = (register_atfork_fn)dlsym(main_map, "__register_atfork");
	if (reg)
		reg(NULL, NULL, on_fork_child, NULL);
	at_exit = (cxa_atexit_fn)dlsym(main_map, "__cxa_atexit");
	if (at_exit)
		at_exit(on_exit_begin, NULL, NULL);
}
