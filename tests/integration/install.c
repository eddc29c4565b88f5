/*
 * "make install" with DESTDIR and PREFIX, as a packager runs it: every
 * file lands under DESTDIR/PREFIX, the man page names PREFIX, and the
 * installed handler runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#define PREFIX "/opt/pv &test"

/* The DESTDIR of the test, removed by the fixture even if a check fails. */
static char destdir[] = "/tmp/pvt-install-XXXXXX";

/* Runs command through sh; returns its exit status. */
static int
shell(const char *command)
{
	int status = system(command);

	cr_assert(status != -1 && WIFEXITED(status), "%s did not exit",
	    command);
	return WEXITSTATUS(status);
}

/* Returns the mode of root/PREFIX/relative, or 0 if it is missing. */
static mode_t
installed_mode(const char *root, const char *relative)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s/%s", root, PREFIX, relative);
	if (stat(path, &st) != 0)
		return 0;
	return st.st_mode;
}

/* Reads root/PREFIX/relative into out; returns false if it is missing. */
static bool
read_installed(const char *root, const char *relative, char *out,
	size_t size)
{
	char path[1024];
	size_t used;
	FILE *file;

	snprintf(path, sizeof(path), "%s%s/%s", root, PREFIX, relative);
	file = fopen(path, "r");
	if (file == NULL)
		return false;
	used = fread(out, 1, size - 1, file);
	out[used] = '\0';
	fclose(file);
	return true;
}

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(destdir));
}

static void
teardown(void)
{
	char command[256];

	snprintf(command, sizeof(command), "rm -rf '%s'", destdir);
	if (system(command) != 0)
		cr_log_warn("failed to remove %s", destdir);
}

Test(install, destdir_and_prefix, .init = setup, .fini = teardown)
{
	static const char *const files[] = {
		"share/photovote-fcgi/openapi.json",
		"share/photovote-fcgi/schemas/Voter.VoterRegistered.json",
		"share/photovote-fcgi/schemas/README",
		"share/photovote-fcgi/lighttpd-errors/status-503.html",
		"share/doc/photovote-fcgi/README",
		"share/doc/photovote-fcgi/examples/lighttpd.conf.sample",
		"share/doc/photovote-fcgi/examples/apache.conf.sample",
		"share/doc/photovote-fcgi/examples/nginx.conf.sample",
	};
	char command[2048], text[16384];
	size_t i;

	/*
	 * BUILD names the tree under test.  make install would rebuild a
	 * stale one with the default flags, swapping a sanitizer build for
	 * a plain one under the other tests, so a stale tree fails here.
	 */
	snprintf(command, sizeof(command), "make -q -s -C '%s' BUILD='%s' all",
	    getenv("PV_SOURCE"), getenv("PV_BUILD"));
	cr_assert_eq(shell(command), 0, "%s is older than the sources; "
	    "rebuild it first", getenv("PV_BUILD"));
	snprintf(command, sizeof(command), "make -s -C '%s' BUILD='%s' "
	    "DESTDIR='%s' PREFIX='" PREFIX "' install >/dev/null",
	    getenv("PV_SOURCE"), getenv("PV_BUILD"), destdir);
	cr_assert_eq(shell(command), 0, "%s", command);

	cr_expect_eq(installed_mode(destdir, "lib/photovote-fcgi/voter.fcgi") &
	    0777, 0755);
	cr_expect_eq(installed_mode(destdir, "lib/photovote-fcgi/ballot.fcgi") &
	    0777, 0755);
	cr_expect_eq(installed_mode(destdir,
	    "lib/photovote-fcgi/pv-stream-dump") & 0777, 0755);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		cr_expect_eq(installed_mode(destdir, files[i]) & 0777, 0644,
		    "%s", files[i]);

	cr_assert(read_installed(destdir, "share/man/man8/photovote-fcgi.8",
	    text, sizeof(text)));
	cr_expect(strstr(text, PREFIX "/lib/photovote-fcgi/") != NULL);
	cr_expect(strstr(text, "/usr/local/") == NULL);

	/* The samples point at the handlers where they were installed. */
	cr_assert(read_installed(destdir,
	    "share/doc/photovote-fcgi/examples/lighttpd.conf.sample", text,
	    sizeof(text)));
	cr_expect(strstr(text, "var.handler_dir = \"" PREFIX
	    "/lib/photovote-fcgi\"") != NULL);
	cr_expect(strstr(text, "/usr/local/") == NULL);

	snprintf(command, sizeof(command), "'%s" PREFIX
	    "/lib/photovote-fcgi/voter.fcgi' --version >/dev/null", destdir);
	cr_expect_eq(shell(command), 0, "%s", command);
}
