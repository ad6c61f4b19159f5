/*
 * rlink_opts.h: the options of the verbs that talk to Redis (forward,
 * consume, consumers, requeue --redis, status --redis), apart from
 * rlink.h so that a hookspool built without hiredis still knows them,
 * and can say that they need it.
 */
#ifndef HOOKSPOOL_RLINK_OPTS_H
#define HOOKSPOOL_RLINK_OPTS_H

#include <stddef.h>

#include "opt.h"

/* Where Redis is, how to reach it. */
struct rlink_opts {
	const char	*ro_addr;	/* --redis */
	const char	*ro_auth;	/* --auth-file */
	const char	*ro_stream;	/* --stream */
	struct opt_list	 ro_cluster;	/* --cluster */
};

/*
 * Their entries of a verb's option table (opt.h), into field of type,
 * with redis_help as what --redis says.
 */
#define RLINK_OPTS_ABOUT(type, field, redis_help) \
	{ "redis", 0, OPT_STRING, offsetof(type, field.ro_addr), 0, 0, \
	    "ADDR", redis_help }, \
	{ "auth-file", 0, OPT_STRING, offsetof(type, field.ro_auth), 0, 0, \
	    "F", "the password, or \"USER PASSWORD\" of an ACL user; owned " \
	    "by you and mode 0600 (never on the command line)" }, \
	{ "stream", 0, OPT_STRING, offsetof(type, field.ro_stream), 0, 0, \
	    "KEY", "the stream (default: hookspool)" }, \
	{ "cluster", 0, OPT_LIST, offsetof(type, field.ro_cluster), 0, \
	    OPT_LIST_MAX, "NODE", "a Redis Cluster node a MOVED reply may " \
	    "lead to, HOST:PORT as the cluster announces it, or " \
	    "HOST:PORT=LOCAL for a tunnel; once per node. MOVED anywhere " \
	    "else is refused" }

/* The same, for a verb that needs --redis. */
#define RLINK_OPTS(type, field) RLINK_OPTS_ABOUT(type, field, \
	"required: the Redis server, HOST:PORT, [IPV6]:PORT or unix:PATH")

/* The stream when --stream is not given. */
#define RLINK_STREAM_DEFAULT	"hookspool"

#endif
