/* Configuration: defaults, parsing, .env precedence and bad values. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv_config.h"

/* Writes text to a new temporary file and returns its path (static). */
static const char *
write_env_file(const char *text, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/pv-config-test-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
	return path;
}

/*
 * Makes the temporary directory dir (a mkdtemp template), writes text to
 * <dir>/.env with mode, puts that path in path and changes into dir, so
 * that the default .env is that file.
 */
static void
enter_env_dir(char *dir, char *path, size_t size, const char *text,
	mode_t mode)
{
	FILE *file;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, size, "%s/.env", dir);
	file = fopen(path, "w");
	cr_assert_not_null(file);
	fputs(text, file);
	cr_assert_eq(fclose(file), 0);
	cr_assert_eq(chmod(path, mode), 0);
	cr_assert_eq(chdir(dir), 0);
}

static pv_status
load(pv_config *cfg, char **envp, pv_error *err)
{
	pv_error_clear(err);
	return pv_config_load(cfg, "voter", envp, err);
}

Test(config, defaults)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_eq(cfg.server_count, 1);
	cr_assert_str_eq(cfg.servers[0], "nats://127.0.0.1:4222");
	cr_assert_eq(cfg.stream_count, 1);
	cr_assert_str_eq(cfg.streams[0], "election");
	cr_assert_eq(cfg.replicas, 1);
	cr_assert_eq(cfg.duplicate_window_s, 120);
	cr_assert_eq(cfg.publish_timeout_ms, 2000);
	cr_assert_eq(cfg.max_body, 65536);
	cr_assert_null(cfg.user);
	cr_assert_null(cfg.password);
	cr_assert_eq(cfg.log_level, PV_LOG_INFO);
	cr_assert_not(cfg.log_to_syslog);
	cr_assert(cfg.create_streams);
	cr_assert(cfg.sched_batch);
	pv_config_free(&cfg);
}

Test(config, switches)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "PHOTOVOTE_CREATE_STREAMS=false", "PHOTOVOTE_SCHED_BATCH=false",
	    NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_expect_not(cfg.create_streams);
	cr_expect_not(cfg.sched_batch);
	pv_config_free(&cfg);
}

Test(config, log_settings)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "PHOTOVOTE_LOG=syslog", "PHOTOVOTE_LOG_LEVEL=debug", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert(cfg.log_to_syslog);
	cr_assert_eq(cfg.log_level, PV_LOG_DEBUG);
	pv_config_free(&cfg);
}

Test(config, log_settings_survive_failure)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null", "PHOTOVOTE_LOG=syslog",
	    "PHOTOVOTE_LOG_LEVEL=warning", "PHOTOVOTE_THREADS=lots", NULL };
	char *bad_env_file[] = { "PHOTOVOTE_ENV_FILE=/nonexistent/.env",
	    "PHOTOVOTE_LOG=syslog", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_expect(strstr(err.text, "PHOTOVOTE_THREADS") != NULL, "%s",
	    err.text);
	cr_expect(cfg.log_to_syslog);
	cr_expect_eq(cfg.log_level, PV_LOG_WARNING);

	cr_assert_neq(load(&cfg, bad_env_file, &err), PV_OK);
	cr_expect(strstr(err.text, "PHOTOVOTE_ENV_FILE") != NULL, "%s",
	    err.text);
	cr_expect(cfg.log_to_syslog);
}

Test(config, server_list)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://a:4222, nats://u:p%25@b:4223,nats://[::1]:4224",
	    NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_eq(cfg.server_count, 3);
	cr_assert_str_eq(cfg.servers[0], "nats://a:4222");
	cr_assert_str_eq(cfg.servers[1], "nats://u:p%25@b:4223");
	cr_assert_str_eq(cfg.servers[2], "nats://[::1]:4224");
	pv_config_free(&cfg);
}

/* A slash after the port is accepted; a path is not. */
Test(config, trailing_slash_accepted)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://a:4222/,nats://[::1]:4222/", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_eq(cfg.server_count, 2);
	pv_config_free(&cfg);
}

Test(config, memphis_fallback)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "MEMPHIS_HOST=broker.internal", "MEMPHIS_USERNAME=photovote",
	    "MEMPHIS_PASSWORD=s3cret", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_str_eq(cfg.servers[0], "nats://broker.internal:4222");
	cr_assert_str_eq(cfg.user, "photovote");
	cr_assert_str_eq(cfg.password, "s3cret");
	pv_config_free(&cfg);
}

Test(config, nats_settings_win_over_memphis)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://n:4222", "MEMPHIS_HOST=m",
	    "NATS_USER=u", "NATS_PASSWORD=p", "MEMPHIS_USERNAME=mu", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_str_eq(cfg.servers[0], "nats://n:4222");
	cr_assert_str_eq(cfg.user, "u");
	pv_config_free(&cfg);
}

Test(config, aggregate_streams_override)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "PHOTOVOTE_STREAMS=election",
	    "PHOTOVOTE_VOTER_STREAMS=voters, audit", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_eq(cfg.stream_count, 2);
	cr_assert_str_eq(cfg.streams[0], "voters");
	cr_assert_str_eq(cfg.streams[1], "audit");
	pv_config_free(&cfg);
}

Test(config, env_file_fills_missing)
{
	const char *path = write_env_file("# broker\nNATS_URL=nats://f:1\n"
	    "export PHOTOVOTE_REPLICAS=3\n\n"
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=500 # short\n", 0600);
	char setting[96];
	char *envp[] = { setting, NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_str_eq(cfg.servers[0], "nats://f:1");
	cr_assert_eq(cfg.replicas, 3);
	cr_assert_eq(cfg.publish_timeout_ms, 500);
	pv_config_free(&cfg);
	unlink(path);
}

Test(config, env_file_shown_with_directory)
{
	char dir[] = "/tmp/pv-config-dir-XXXXXX", path[64];
	char *envp[] = { NULL };
	pv_config cfg;
	pv_error err;

	/* The default .env is found relative to the working directory. */
	enter_env_dir(dir, path, sizeof(path), "NATS_URL=nats://d:1\n", 0600);
	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_expect_str_eq(cfg.env_file, path);
	cr_expect_str_eq(cfg.servers[0], "nats://d:1");
	pv_config_free(&cfg);
	unlink(path);
	rmdir(dir);
}

Test(config, env_file_invalid_line)
{
	const char *path = write_env_file("# broker\nNATS_URL=nats://f:1\n"
	    "export PHOTOVOTE_REPLICAS=3\n"
	    "NATS_PASSWORD hunter2\n", 0600);
	char setting[96];
	char *envp[] = { setting, NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, ":4:") != NULL, "%s", err.text);
	cr_assert_null(strstr(err.text, "hunter2"), "%s", err.text);
	unlink(path);
}

Test(config, environment_wins_over_env_file)
{
	const char *path = write_env_file("NATS_URL=nats://file:1\n"
	    "PHOTOVOTE_REPLICAS=3\nNATS_PASSWORD='p#ss word'\n"
	    "NATS_USER=\"from file\"\n", 0600);
	char setting[96];
	char *envp[] = { setting, "NATS_URL=nats://env:2", NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_str_eq(cfg.servers[0], "nats://env:2");
	cr_assert_eq(cfg.replicas, 3);
	cr_assert_str_eq(cfg.password, "p#ss word");
	cr_assert_str_eq(cfg.user, "from file");
	cr_assert_not(cfg.env_file_world_readable);
	pv_config_free(&cfg);
	unlink(path);
}

/*
 * A .env file that other users may read (its secrets) or write (the
 * broker the handler uses) is named in one warning.
 */
Test(config, env_file_mode_warned)
{
	static const struct {
		mode_t mode;
		const char *text;
	} cases[] = {
		{ 0644, "is readable by other users; it may hold secrets" },
		{ 0620, "is writable by its group or other users" },
	};
	char setting[96], warning[PV_CONFIG_WARNING_MAX];
	char *envp[] = { setting, NULL };
	const char *path;
	pv_config cfg;
	pv_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = write_env_file("NATS_TOKEN=t\n", cases[i].mode);
		snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s",
		    path);
		cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
		cr_expect_eq(cfg.env_file_world_readable,
		    (cases[i].mode & S_IROTH) != 0, "mode %o", cases[i].mode);
		cr_assert(pv_config_warning(&cfg, 0, warning,
		    sizeof(warning)), "mode %o", cases[i].mode);
		cr_expect(strstr(warning, path) != NULL, "%s", warning);
		cr_expect(strstr(warning, cases[i].text) != NULL, "%s",
		    warning);
		cr_expect_not(pv_config_warning(&cfg, 1, warning,
		    sizeof(warning)), "mode %o", cases[i].mode);
		pv_config_free(&cfg);
		unlink(path);
	}
}

/* An empty default .env is named in its warnings, with its directory. */
Test(config, empty_env_file_named)
{
	char dir[] = "/tmp/pv-config-dir-XXXXXX", path[64];
	char warning[PV_CONFIG_WARNING_MAX];
	char *envp[] = { NULL };
	pv_config cfg;
	pv_error err;

	enter_env_dir(dir, path, sizeof(path), "", 0666);
	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_expect_str_eq(cfg.env_file, path);
	cr_assert(pv_config_warning(&cfg, 0, warning, sizeof(warning)));
	cr_expect(strncmp(warning, path, strlen(path)) == 0, "%s", warning);
	pv_config_free(&cfg);
	unlink(path);
	rmdir(dir);
}

/* A failed load names the .env values that the environment emptied. */
Test(config, emptied_name_in_error)
{
	const char *path = write_env_file("NATS_USER=u\n"
	    "NATS_PASSWORD=S3cretPW\n", 0600);
	char setting[96], expected[512];
	char *envp[] = { setting, "NATS_PASSWORD=", NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	snprintf(expected, sizeof(expected), "NATS_USER and NATS_PASSWORD "
	    "must be set together; note that the environment sets "
	    "NATS_PASSWORD empty, which hides the value in %s", path);
	cr_expect_str_eq(err.text, expected);
	cr_expect_null(strstr(err.text, "S3cretPW"));
	unlink(path);
}

/* Values of the .env file that the environment replaces are named. */
Test(config, overridden_env_names)
{
	const char *path = write_env_file("NATS_URL=nats://f:1\n"
	    "PHOTOVOTE_REPLICAS=3\nPHOTOVOTE_THREADS=2\nNATS_URL=nats://g:1\n"
	    "NATS_TOKEN=\n", 0600);
	char setting[96], warning[PV_CONFIG_WARNING_MAX], expected[256];
	char *envp[] = { setting, "NATS_URL=nats://env:2",
	    "PHOTOVOTE_REPLICAS=", "NATS_TOKEN=", NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert(pv_config_warning(&cfg, 0, warning, sizeof(warning)));
	snprintf(expected, sizeof(expected), "NATS_URL: set both in the "
	    "environment (such as the web server's configuration) and in %s; "
	    "the environment takes precedence", path);
	cr_expect_str_eq(warning, expected);

	/* An empty value selects the default, not the .env value. */
	cr_assert(pv_config_warning(&cfg, 1, warning, sizeof(warning)));
	snprintf(expected, sizeof(expected), "PHOTOVOTE_REPLICAS: empty in "
	    "the environment (such as the web server's configuration), which "
	    "selects the default and hides the value in %s; remove the empty "
	    "setting to use it", path);
	cr_expect_str_eq(warning, expected);
	cr_expect_eq(cfg.replicas, 1);
	cr_expect_eq(cfg.threads, 2);
	cr_expect_not(pv_config_warning(&cfg, 2, warning, sizeof(warning)));
	pv_config_free(&cfg);
	unlink(path);
}

/* The error for an invalid value names the source that set it. */
Test(config, invalid_value_origin)
{
	const char *path = write_env_file("PHOTOVOTE_THREADS=0\n", 0600);
	char setting[96], expected[PV_ERROR_TEXT_MAX];
	char *from_file[] = { setting, NULL };
	char *from_env[] = { setting, "PHOTOVOTE_THREADS=300", NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, from_file, &err), PV_ERR_CONFIG);
	snprintf(expected, sizeof(expected), "PHOTOVOTE_THREADS: invalid "
	    "value \"0\": expected a whole number from 1 to 256 (set in %s)",
	    path);
	cr_expect_str_eq(err.text, expected);

	cr_assert_eq(load(&cfg, from_env, &err), PV_ERR_CONFIG);
	cr_expect_str_eq(err.text, "PHOTOVOTE_THREADS: invalid value "
	    "\"300\": expected a whole number from 1 to 256 (set in the "
	    "environment)");
	unlink(path);
}

/* A misspelled setting would otherwise leave its default in silence. */
Test(config, unknown_photovote_names)
{
	const char *path = write_env_file("photovote_threads=3\n"
	    "PHOTOVOTE_VOTER_STREAMS=audit\n", 0600);
	char setting[96], warning[PV_CONFIG_WARNING_MAX];
	char *envp[] = { setting, "PHOTOVOTE_STREAM=audit",
	    "PHOTOVOTE_BALLOT_STREAMS=b", "PHOTOVOTE_X\x01=1", NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert(pv_config_warning(&cfg, 0, warning, sizeof(warning)));
	cr_expect_str_eq(warning, "PHOTOVOTE_STREAM, PHOTOVOTE_X?, "
	    "photovote_threads (in the environment or the .env file): not a "
	    "setting of the handlers, so ignored; check the spelling");
	cr_expect_str_eq(cfg.streams[0], "audit");
	pv_config_free(&cfg);
	unlink(path);
}

/* NATS_ and MEMPHIS_ names are checked in the file, not the environment. */
Test(config, unknown_broker_names_in_file)
{
	const char *path = write_env_file("NATS_URLS=nats://h:1\n"
	    "nats_url=nats://h:2\nMEMPHIS_USER=u\nNATS_TOKEN=t\n"
	    "MEMPHIS_HOST=h\nNATS_PORT=4222\nNATS_URL=nats://h:${NATS_PORT}\n",
	    0600);
	char setting[96], warning[PV_CONFIG_WARNING_MAX];
	char *envp[] = { setting, "NATS_SERVICE_HOST=10.0.0.1", NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert(pv_config_warning(&cfg, 0, warning, sizeof(warning)));
	/* NATS_PORT is used: NATS_URL refers to it. */
	cr_expect_str_eq(warning, "NATS_URLS, nats_url, MEMPHIS_USER (in the "
	    "environment or the .env file): not a setting of the handlers, "
	    "so ignored; check the spelling");
	cr_expect_str_eq(cfg.servers[0], "nats://h:4222");
	pv_config_free(&cfg);
	unlink(path);
}

/* A reference in the wrong line must not put a secret in the message. */
Test(config, expanded_value_shown_unexpanded)
{
	const char *path = write_env_file("NATS_PASSWORD=hunter2\n"
	    "NATS_USER=u\nPHOTOVOTE_LOG_LEVEL=${NATS_PASSWORD}\n", 0600);
	char setting[96];
	char *envp[] = { setting, NULL };
	pv_config cfg;
	pv_error err;

	snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_expect(strstr(err.text, "PHOTOVOTE_LOG_LEVEL: invalid value "
	    "\"${NATS_PASSWORD}\" before ${} expansion") != NULL, "%s",
	    err.text);
	cr_expect_null(strstr(err.text, "hunter2"), "%s", err.text);
	unlink(path);
}

/* Errors that show a path or a stream name show no password either. */
Test(config, secret_redacted_in_errors)
{
	static const char *const files[] = {
		"NATS_USER=u\nNATS_PASSWORD=hunter2\n"
		    "NATS_CA=/etc/${NATS_PASSWORD}\n",
		"NATS_TOKEN=hunter2\n"
		    "PHOTOVOTE_STREAMS=${NATS_TOKEN},${NATS_TOKEN}\n",
	};
	char setting[96];
	char *envp[] = { setting, NULL };
	const char *path;
	pv_config cfg;
	pv_error err;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path = write_env_file(files[i], 0600);
		snprintf(setting, sizeof(setting), "PHOTOVOTE_ENV_FILE=%s",
		    path);
		cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG, "file %zu",
		    i);
		cr_expect_null(strstr(err.text, "hunter2"), "%s", err.text);
		cr_expect_not_null(strstr(err.text, "***"), "%s", err.text);
		unlink(path);
	}
}

/* A long name is cut, and a list too long for its room ends in "...". */
Test(config, unknown_names_bounded)
{
	static char names[40][80];
	char *envp[42], long_name[100], warning[PV_CONFIG_WARNING_MAX];
	pv_config cfg;
	pv_error err;
	size_t len;
	int i;

	memset(long_name, 'L', sizeof(long_name));
	memcpy(long_name, "PHOTOVOTE_", 10);
	memcpy(long_name + 90, "=1", 3);
	envp[0] = "PHOTOVOTE_ENV_FILE=/dev/null";
	envp[1] = long_name;
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "PHOTOVOTE_UNKNOWN_%02d=1",
		    i);
		envp[i + 2] = names[i];
	}
	envp[41] = NULL;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert(pv_config_warning(&cfg, 0, warning, sizeof(warning)));
	cr_expect(strncmp(warning, "PHOTOVOTE_LLLL", 14) == 0, "%s", warning);
	cr_expect(strstr(warning, "LLL..., PHOTOVOTE_UNKNOWN_00, ") != NULL,
	    "%s", warning);
	len = strlen(cfg.unknown_settings);
	cr_expect_lt(len, sizeof(cfg.unknown_settings));
	cr_expect_str_eq(cfg.unknown_settings + len - 5, ", ...");
	pv_config_free(&cfg);
}

Test(config, world_readable_secret_files)
{
	const char *path = write_env_file("secret\n", 0644);
	char creds_setting[96], key_setting[96];
	char warning[PV_CONFIG_WARNING_MAX];
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null", creds_setting, NULL };
	char *tls_envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_CERT=/etc/hostname", key_setting, NULL };
	pv_config cfg;
	pv_error err;

	snprintf(creds_setting, sizeof(creds_setting), "NATS_CREDS=%s", path);
	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert(pv_config_warning(&cfg, 0, warning, sizeof(warning)));
	cr_assert(strstr(warning, "NATS_CREDS") != NULL, "%s", warning);
	cr_assert_not(pv_config_warning(&cfg, 1, warning,
	    sizeof(warning)));
	pv_config_free(&cfg);

	snprintf(key_setting, sizeof(key_setting), "NATS_KEY=%s", path);
	cr_assert_eq(load(&cfg, tls_envp, &err), PV_OK, "%s", err.text);
	cr_assert(pv_config_warning(&cfg, 0, warning, sizeof(warning)));
	cr_assert(strstr(warning, "NATS_KEY") != NULL, "%s", warning);
	pv_config_free(&cfg);
	unlink(path);
}

/* Opening a FIFO without O_NONBLOCK would block until a writer comes. */
Test(config, fifo_setting_file_rejected, .timeout = 10)
{
	char path[] = "/tmp/pv-config-fifo-XXXXXX", setting[96];
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null", setting, NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_not_null(mkdtemp(path));
	snprintf(setting, sizeof(setting), "NATS_CA=%s/ca.pem", path);
	cr_assert_eq(mkfifo(setting + strlen("NATS_CA="), 0600), 0);
	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "is not a regular file") != NULL, "%s",
	    err.text);
	unlink(setting + strlen("NATS_CA="));
	rmdir(path);
}

Test(config, memphis_user_without_password)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "MEMPHIS_HOST=127.0.0.1:4222", "MEMPHIS_USERNAME=pv", NULL };
	char *password_envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "MEMPHIS_PASSWORD=pw", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "MEMPHIS_USERNAME and MEMPHIS_PASSWORD") !=
	    NULL, "%s", err.text);
	cr_assert(strstr(err.text, "NATS_USER") == NULL, "%s", err.text);

	cr_assert_eq(load(&cfg, password_envp, &err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "MEMPHIS_USERNAME and MEMPHIS_PASSWORD") !=
	    NULL, "%s", err.text);
}

Test(config, missing_explicit_env_file)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/nonexistent/photovote.env",
	    NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "PHOTOVOTE_ENV_FILE") != NULL, "%s",
	    err.text);
}

/* Each bad value fails and the message names the setting. */
Test(config, bad_values_name_setting)
{
	static const char *const cases[][2] = {
		{ "PHOTOVOTE_REPLICAS=0", "PHOTOVOTE_REPLICAS" },
		{ "PHOTOVOTE_REPLICAS=6", "PHOTOVOTE_REPLICAS" },
		{ "PHOTOVOTE_REPLICAS=two", "PHOTOVOTE_REPLICAS" },
		{ "PHOTOVOTE_REPLICAS=-1", "PHOTOVOTE_REPLICAS" },
		{ "PHOTOVOTE_DUPLICATE_WINDOW=1x", "PHOTOVOTE_DUPLICATE_WINDOW" },
		{ "PHOTOVOTE_PUBLISH_TIMEOUT_MS=99999999999999999999",
		    "PHOTOVOTE_PUBLISH_TIMEOUT_MS" },
		{ "PHOTOVOTE_MAX_BODY= 10", "PHOTOVOTE_MAX_BODY" },
		{ "PHOTOVOTE_THREADS=0", "PHOTOVOTE_THREADS" },
		{ "PHOTOVOTE_THREADS=5\t", "invalid value \"5\\x09\"" },
		{ "PHOTOVOTE_SCHED_BATCH=yes", "PHOTOVOTE_SCHED_BATCH" },
		{ "PHOTOVOTE_CREATE_STREAMS=0", "PHOTOVOTE_CREATE_STREAMS" },
		{ "PHOTOVOTE_STREAMS=bad.name", "PHOTOVOTE_STREAMS" },
		{ "PHOTOVOTE_STREAMS=a,*", "PHOTOVOTE_STREAMS" },
		{ "PHOTOVOTE_STREAMS=a,a", "PHOTOVOTE_STREAMS" },
		{ "PHOTOVOTE_STREAMS=,", "PHOTOVOTE_STREAMS" },
		{ "PHOTOVOTE_LOG_LEVEL=loud", "PHOTOVOTE_LOG_LEVEL" },
		{ "PHOTOVOTE_LOG=file", "PHOTOVOTE_LOG" },
		{ "NATS_URL=nats://a\x01", "NATS_URL" },
		{ "NATS_URL= , ", "NATS_URL" },
		{ "NATS_URL=SECRETJUNK::", "NATS_URL" },
		{ "NATS_URL=localhost:4222", "NATS_URL" },
		{ "NATS_URL=nats://", "NATS_URL" },
		{ "NATS_URL=nats://127.0.0.1:99999", "NATS_URL" },
		{ "NATS_URL=nats://127.0.0.1:", "NATS_URL" },
		{ "NATS_URL=nats://a:1,,nats://b:2", "server URL 2" },
		{ "NATS_URL=nats://h:42x", "NATS_URL" },
		{ "NATS_URL=nats://h:1:2", "NATS_URL" },
		{ "NATS_URL=nats://[::1]:1:2", "NATS_URL" },
		{ "MEMPHIS_HOST=h:1:2", "host name or host:port" },
		{ "NATS_URL=nats://h:4222/path", "NATS_URL" },
		{ "NATS_URL=nats://h/x", "NATS_URL" },
		{ "NATS_URL=nats://h:4222//", "NATS_URL" },
		{ "NATS_URL=nats://h/", "NATS_URL" },
		{ "NATS_URL=nats://[::1]/", "NATS_URL" },
		{ "NATS_URL=ws://h:8080", "NATS_URL" },
		{ "NATS_URL=wss://h:443", "NATS_URL" },
		{ "NATS_URL=nats://u:p@ss@:4222", "NATS_URL" },
		{ "NATS_URL=nats://:pw@h:4222", "no user name" },
		{ "NATS_URL=nats://u:S3c\"ret@h:4222", "nats.c cannot send" },
		{ "NATS_URL=nats://u\\x:p@h:4222", "nats.c cannot send" },
		{ "NATS_URL=nats://a:1,nats://u:p\"@h:2", "server URL 2" },
		{ "NATS_URL=nats://a:1,tls://b:2", "mixes tls://" },
		{ "PHOTOVOTE_STREAMS=a b", "PHOTOVOTE_STREAMS" },
		{ "PHOTOVOTE_STREAMS=# fill in",
		    "invalid value \"# fill in\"" },
		{ "PHOTOVOTE_STREAMS=a,,b", "PHOTOVOTE_STREAMS" },
		{ "PHOTOVOTE_BALLOT_STREAMS=a.b", "PHOTOVOTE_BALLOT_STREAMS" },
		{ "PHOTOVOTE_ELECTION_STREAMS=x,x",
		    "PHOTOVOTE_ELECTION_STREAMS" },
		{ "NATS_USER=u", "NATS_PASSWORD" },
		{ "MEMPHIS_USERNAME=a\"b", "MEMPHIS_USERNAME" },
		{ "MEMPHIS_HOST=bad host:xx", "host name or host:port" },
		{ "NATS_TOKEN=a\"b", "NATS_TOKEN" },
		{ "NATS_TOKEN=a\\b", "NATS_TOKEN" },
		{ "NATS_CERT=/c.pem", "NATS_KEY" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
		    (char *)cases[i][0], NULL };
		pv_config cfg;
		pv_error err;

		cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG, "%s",
		    cases[i][0]);
		cr_assert(strstr(err.text, cases[i][1]) != NULL,
		    "%s: message \"%s\" does not name %s", cases[i][0],
		    err.text, cases[i][1]);
	}
}

/* Credentials in NATS_URL leave the TLS files checked at start. */
Test(config, url_credentials_check_tls)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://u:p@h:4222", "NATS_CA=/nonexistent/ca.pem", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_expect(strstr(err.text, "NATS_CA") != NULL, "%s", err.text);
}

Test(config, one_credential_kind)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null", "NATS_USER=u",
	    "NATS_PASSWORD=p", "NATS_TOKEN=t", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "NATS_TOKEN") != NULL, "%s", err.text);
}

Test(config, stream_list_spaces)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "PHOTOVOTE_STREAMS= a , b_2 ,c-3", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_assert_eq(cfg.stream_count, 3);
	cr_assert_str_eq(cfg.streams[0], "a");
	cr_assert_str_eq(cfg.streams[1], "b_2");
	cr_assert_str_eq(cfg.streams[2], "c-3");
	pv_config_free(&cfg);
}

Test(config, secret_never_in_message)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_PASSWORD=hunter2", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_ERR_CONFIG);
	cr_assert_null(strstr(err.text, "hunter2"), "%s", err.text);
}

Test(config, redact_url)
{
	char out[128];

	cr_assert_str_eq(pv_config_redact_url(out, sizeof(out),
	    "nats://user:pw@host:4222"), "nats://***@host:4222");
	cr_assert_str_eq(pv_config_redact_url(out, sizeof(out),
	    "nats://host:4222"), "nats://host:4222");

	/* nats.c ends the user info at the last '@'. */
	cr_assert_str_eq(pv_config_redact_url(out, sizeof(out),
	    "nats://alice:p@ss@host:4222"), "nats://***@host:4222");
}

Test(config, tls_scheme_requires_tls)
{
	char *plain[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://a:4222", NULL };
	char *scheme[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=tls://a:4222,TLS://b:4222", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, plain, &err), PV_OK, "%s", err.text);
	cr_expect_not(pv_config_requires_tls(&cfg));
	pv_config_free(&cfg);

	cr_assert_eq(load(&cfg, scheme, &err), PV_OK, "%s", err.text);
	cr_expect(pv_config_requires_tls(&cfg));
	pv_config_free(&cfg);
}

/* A failed login names the settings that were read, whatever their mix. */
Test(config, credential_names)
{
	static const char *const cases[][3] = {
		{ "NATS_USER=u", "NATS_PASSWORD=p",
		    "NATS_USER and NATS_PASSWORD" },
		{ "MEMPHIS_USERNAME=u", "MEMPHIS_PASSWORD=p",
		    "MEMPHIS_USERNAME and MEMPHIS_PASSWORD" },
		{ "MEMPHIS_USERNAME=u", "NATS_PASSWORD=p",
		    "MEMPHIS_USERNAME and NATS_PASSWORD" },
		{ "NATS_USER=u", "MEMPHIS_PASSWORD=p",
		    "NATS_USER and MEMPHIS_PASSWORD" },
		{ "NATS_TOKEN=t", "PHOTOVOTE_LOG=stderr", "NATS_TOKEN" },
		{ "NATS_URL=nats://u:p@h:4222", "PHOTOVOTE_LOG=stderr",
		    "the user info in NATS_URL" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
		    (char *)cases[i][0], (char *)cases[i][1], NULL };
		pv_config cfg;
		pv_error err;

		cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
		cr_expect_str_eq(pv_config_credential_names(&cfg),
		    cases[i][2]);
		pv_config_free(&cfg);
	}
}

Test(config, no_credential_names)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null", NULL };
	pv_config cfg;
	pv_error err;

	cr_assert_eq(load(&cfg, envp, &err), PV_OK, "%s", err.text);
	cr_expect_null(pv_config_credential_names(&cfg));
	pv_config_free(&cfg);
}
