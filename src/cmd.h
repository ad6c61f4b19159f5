/*
 * cmd.h: the verbs of the hookspool command, one file each. Each takes its
 * argv with argv[0] the verb's name and returns the exit status (see
 * cli.h). Only hookspool.c calls them; no verb calls another.
 */
#ifndef HOOKSPOOL_CMD_H
#define HOOKSPOOL_CMD_H

int cmd_drain(int argc, char *argv[]);		/* drain.c */
int cmd_status(int argc, char *argv[]);		/* cmd_status.c */
int cmd_requeue(int argc, char *argv[]);	/* cmd_requeue.c */
int cmd_purge(int argc, char *argv[]);		/* cmd_purge.c */
int cmd_recover(int argc, char *argv[]);	/* cmd_recover.c */
int cmd_sign(int argc, char *argv[]);		/* cmd_sign.c */
int cmd_check(int argc, char *argv[]);		/* cmd_check.c */
int cmd_list(int argc, char *argv[]);		/* cmd_list.c */
int cmd_show(int argc, char *argv[]);		/* cmd_show.c */
int cmd_replay(int argc, char *argv[]);		/* cmd_replay.c */
/* forward.c and consume.c with hiredis, else cmd_noredis.c */
int cmd_forward(int argc, char *argv[]);
int cmd_consume(int argc, char *argv[]);
/* cmd_redis.c with hiredis, else cmd_noredis.c */
int cmd_consumers(int argc, char *argv[]);

#endif
