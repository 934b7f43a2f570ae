/*
 * A multi-threaded program whose whole output is deterministic, for the
 * test that the LD_AUDIT library changes nothing a workload does: four
 * threads compute checksums, a forked child (no exec) prints one more, it
 * writes to stdout and stderr and exits with status 5.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 4

static void *work(void *arg)
{
	unsigned long *x = arg;
	int i;

	for (i = 0; i < 2000000; i++)
		*x = *x * 6364136223846793005UL + 1442695040888963407UL;
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	unsigned long v[NTHREADS];
	int i, status = 0;
	pid_t pid;

	for (i = 0; i < NTHREADS; i++) {
		v[i] = (unsigned long)i + 1;
		if (pthread_create(&t[i], NULL, work, &v[i]))
			return 1;
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		printf("thread %d: %lx\n", i, v[i]);
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		unsigned long x = 42;

		work(&x);
		printf("child: %lx\n", x);
		fflush(stdout);
		_exit(7);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	fprintf(stderr, "to stderr\n");
	return 5;
}
