/*
 * listen.h: the socket of `hookspool.fcgi --listen`, for servers that
 * connect to a FastCGI responder they did not start (nginx,
 * mod_proxy_fcgi). No libfcgi here: the responder hands the descriptor to
 * FCGX_InitRequest.
 */
#ifndef HOOKSPOOL_LISTEN_H
#define HOOKSPOOL_LISTEN_H

#include <sys/types.h>
#include <sys/un.h>

#define LISTEN_BACKLOG		128
/* Mode of a unix socket: owner and group may connect (see README.md). */
#define LISTEN_SOCKET_MODE	0660

struct listener {
	int	ls_fd;
	/* the unix socket's path, "" for TCP */
	char	ls_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t	ls_dev;		/* the socket file we made: only it is removed */
	ino_t	ls_ino;
};

/*
 * Open a listening socket for spec: "HOST:PORT" (an address or a name;
 * "[::1]:PORT" for IPv6) when spec holds no '/' and ends in ":digits",
 * else the path of a unix socket. A unix socket path that already exists
 * is replaced only when it is a socket nobody listens on (a leftover of a
 * process that died); a live socket or any other file is an error. The new
 * socket file is created with mode LISTEN_SOCKET_MODE, owned by the
 * process's user and group. Returns 0, or -1 with a reason in err.
 */
int listener_open(struct listener *ls, const char *spec, char *err,
    size_t errlen);

/*
 * Take fd, a listening socket another process made (systemd's socket
 * unit), as ls, when it is the socket spec names: for a path, a unix
 * socket bound to that path; for HOST:PORT, a TCP socket on that port and
 * on an address HOST stands for. spec NULL takes fd as it is. The socket
 * file is not ls's: listener_close() leaves it. Returns 0, or -1 with
 * the mismatch in err.
 */
int listener_adopt(struct listener *ls, int fd, const char *spec, char *err,
    size_t errlen);

/*
 * Close ls's descriptor (if still open) and remove its socket file, if
 * the path still names the socket this process created. ls may be NULL.
 */
void listener_close(struct listener *ls);

#endif
