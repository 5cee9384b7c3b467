/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The context: the root, the configuration's path, the real system access. */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io-util.h"
#include "kdump-util.h"
#include "kdumpctl.h"

extern char **environ;

int ctl_init(Ctl *c, const CtlArgs *args)
{
	const char *root = args->root && *args->root ? args->root : "/";
	size_t len = strlen(root);

	*c = (Ctl){ .args = args, .resolver = kdump_blkid_resolver, .probe = ctl_blkid_probe,
		    .runner = ctl_runner };
	while (len > 1 && root[len - 1] == '/')
		len--;
	c->prefix = strndup(root, len == 1 && root[0] == '/' ? 0 : len);
	if (!c->prefix)
		return -ENOMEM;
	c->config_path = args->config ? strdup(args->config) : ctl_path(c, KDUMP_CONFIG_PATH);
	if (!c->config_path)
		return -ENOMEM;
	ctl_log_init(&c->log, ctl_command_name(args->command));
	return 0;
}

void ctl_done(Ctl *c)
{
	free(c->prefix);
	free(c->config_path);
	*c = (Ctl){ 0 };
}

char *ctl_path(const Ctl *c, const char *abs)
{
	return kdump_asprintf("%s%s", c->prefix, abs);
}

int ctl_read_file(const Ctl *c, const char *abs, size_t max, char **ret)
{
	_cleanup_free_ char *p = ctl_path(c, abs), *buf = NULL;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (!p)
		return -ENOMEM;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	n = read_full(fd, buf, max);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

static bool is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int ctl_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

int ctl_find_program(const Ctl *c, const char *name, char **ret)
{
	const char *p = KDUMPCTL_SEARCH_PATH;

	if (!name || !*name)
		return -EINVAL;
	if (strchr(name, '/')) {
		_cleanup_free_ char *full = ctl_path(c, name);

		if (!full)
			return -ENOMEM;
		if (name[0] != '/' || !is_executable_file(full))
			return -ENOENT;
		*ret = strdup(name);
		return *ret ? 0 : -ENOMEM;
	}
	while (*p) {
		size_t len = strcspn(p, ":");
		_cleanup_free_ char *sys = kdump_asprintf("%.*s/%s", (int)len, p, name);
		_cleanup_free_ char *full = sys ? ctl_path(c, sys) : NULL;

		if (!full)
			return -ENOMEM;
		if (is_executable_file(full)) {
			*ret = TAKE_PTR(sys);
			return 0;
		}
		p += len + (p[len] == ':');
	}
	return -ENOENT;
}

int ctl_config_load(const Ctl *c, KdumpConfig **ret, KdumpDiags *diags)
{
	return kdump_config_parse_file(c->config_path, true, ret, diags);
}

int ctl_blkid_probe(const char *device, char **ret_uuid, char **ret_type, void *userdata)
{
	char *uuid = blkid_get_tag_value(NULL, "UUID", device);
	char *type = blkid_get_tag_value(NULL, "TYPE", device);

	if (!uuid && !type)
		return -ENODEV;
	*ret_uuid = uuid;
	*ret_type = type;
	return 0;
}

int ctl_spawn(char *const argv[], char *const env_add[], int out_fd)
{
	_cleanup_free_ char **env = NULL;
	posix_spawn_file_actions_t fa;
	size_t n_env = 0, n_add = 0, k = 0;
	int r, status;
	pid_t pid;

	while (environ[n_env])
		n_env++;
	while (env_add && env_add[n_add])
		n_add++;
	env = calloc(n_env + n_add + 1, sizeof(char *));
	if (!env)
		return -ENOMEM;
	for (size_t i = 0; i < n_add; i++)
		env[k++] = env_add[i];
	for (size_t i = 0; i < n_env; i++) {
		size_t name = strcspn(environ[i], "=");
		bool replaced = false;

		for (size_t j = 0; j < n_add; j++)
			if (strncmp(env_add[j], environ[i], name + 1) == 0)
				replaced = true;
		if (!replaced)
			env[k++] = environ[i];
	}
	r = posix_spawn_file_actions_init(&fa);
	if (r)
		return -r;
	if (out_fd >= 0) {
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
		if (!r)
			r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDERR_FILENO);
	}
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!r)
		r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -r;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ctl_runner(char *const argv[], char **ret_output, void *userdata)
{
	_cleanup_close_ int rd = -1, wr = -1;
	_cleanup_free_ char *out = NULL;
	posix_spawn_file_actions_t fa;
	size_t len = 0, cap = 0;
	int pipefd[2], r, status;
	pid_t pid;

	if (!ret_output)
		return ctl_spawn(argv, NULL, -1);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return negative_errno();
	rd = pipefd[0], wr = pipefd[1];
	r = posix_spawn_file_actions_init(&fa);
	if (r)
		return -r;
	r = posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO);
	if (!r)
		r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -r;
	closep(&wr);
	wr = -1;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *p = realloc(out, cap + 65536);

			if (!p)
				break;
			out = p, cap += 65536;
		}
		n = read(rd, out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (!out)
		return -ENOMEM;
	out[len] = '\0';
	*ret_output = TAKE_PTR(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
