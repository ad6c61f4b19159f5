/*
 * activate.h: what the responder takes from systemd, without libsystemd:
 * a listening socket passed by socket activation (LISTEN_FDS, see
 * sd_listen_fds(3)), and where to say that it is ready (NOTIFY_SOCKET,
 * see sd_notify(3): one datagram).
 */
#ifndef HOOKSPOOL_ACTIVATE_H
#define HOOKSPOOL_ACTIVATE_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* The first descriptor systemd passes (SD_LISTEN_FDS_START). */
#define ACTIVATE_FD	3

/* Where READY=1 goes: NOTIFY_SOCKET's address, an_len 0 when unset. */
struct activate_notify {
	struct sockaddr_un	an_addr;
	socklen_t		an_len;
};

/*
 * The listening socket systemd passed this process: when LISTEN_PID is
 * this process's id, LISTEN_FDS must be 1 and ACTIVATE_FD a listening
 * stream socket, which gets close-on-exec. LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are removed from the environment whenever LISTEN_PID is
 * this process's. Returns 1 (the socket is ACTIVATE_FD), 0 when nothing
 * was passed to this process, or -1 with the mistake in err.
 */
int activate_socket(char *err, size_t errlen);

/*
 * Read NOTIFY_SOCKET ("/path", or "@name" for an abstract socket) into an
 * and remove it from the environment. Unset or empty: an->an_len is 0.
 * Returns 0, or -1 with the mistake in err.
 */
int activate_notify_init(struct activate_notify *an, char *err,
    size_t errlen);

/*
 * Send READY=1 to an's socket, if there is one. Returns 0, or -1 with
 * the reason in err.
 */
int activate_ready(const struct activate_notify *an, char *err,
    size_t errlen);

#endif
