/*
 * A second rtld-audit library standing for one a user already has in
 * LD_AUDIT: it appends "other NAME" to $AUDIT_OTHER_LOG for every object.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned int la_version(unsigned int v)
{
	return v;
}

unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	const char *log = getenv("AUDIT_OTHER_LOG");
	char buf[4200];
	int fd, n;

	(void)lmid;
	(void)cookie;
	if (!log)
		return 0;
	n = snprintf(buf, sizeof(buf), "other %s\n", map->l_name[0] ? map->l_name : "(main)");
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, buf, (size_t)n) < 0)
			n = 0;
		close(fd);
	}
	return 0;
}
