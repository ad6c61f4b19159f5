/*
 * spool.h: the Maildir-style spool (tmp/, new/, cur/, failed/, ids/, and
 * the cron side's done/ and history/). The guarantees are stated in
 * hookspool(1) and hookspool.conf(5).
 */
#ifndef HOOKSPOOL_SPOOL_H
#define HOOKSPOOL_SPOOL_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#define SPOOL_NAME_MAX		256
/* tmp/ files older than this, and not part of a delivery, are removed. */
#define SPOOL_TMP_GRACE		(36 * 3600)
/*
 * The longest the responder waits for a lock: the delivery lock on its own
 * new file, and the lock of an id's marker while the delivery that made it
 * finishes. A lock held longer (a reader may hold a shared lock on any file
 * it can open) gives SPOOL_ERROR, never a hang.
 */
#define SPOOL_LOCK_WAIT		10	/* seconds */

/*
 * The bytes of an event file that are locked with spool_lock(), as
 * hookspool(1) says under THE SPOOL. The responder holds byte
 * SPOOL_LOCK_DELIVERY while it delivers (spool.c): from the file's
 * creation in tmp/ until it is in new/, so that a duplicate or a recovery
 * never takes a delivery still under way for one cut short. A drain holds
 * byte SPOOL_LOCK_CLAIM while it claims an event (claim.c): from before
 * the file leaves new/ until it has left cur/, so that a file in cur/
 * whose byte is free is a dead drain's claim. They are different bytes so
 * that neither ever waits for the other: a drain may claim an event whose
 * delivery lock a responder still holds for its last flush of new/.
 */
#define SPOOL_LOCK_DELIVERY	0
#define SPOOL_LOCK_CLAIM	1

enum spool_folder {
	SPOOL_TMP = 0,
	SPOOL_NEW,
	SPOOL_CUR,
	SPOOL_FAILED,
	SPOOL_IDS,
	SPOOL_DONE,	/* done events kept (keep = D), until purged */
	SPOOL_HISTORY	/* an event's failed attempts (history.h) */
};
#define SPOOL_FOLDERS		7	/* how many enum spool_folder has */

/*
 * The folders' names ("tmp", "new", ...), indexed by enum spool_folder:
 * static strings, never freed.
 */
extern const char *const spool_folder_names[SPOOL_FOLDERS];

struct spool {
	char	*sp_dir;
	int	 sp_dirfd;
	int	 sp_fd[SPOOL_FOLDERS];	/* by enum spool_folder */
	int	 sp_fsync;
	/*
	 * The config's fsync, which a caller that turns sp_fsync off for
	 * its batches (forward, drain --pipe) leaves as it is: history.c
	 * flushes an event's failure record by it, before the event moves.
	 */
	int	 sp_durable;
	int	 sp_group_readable;
	/*
	 * With fsync on: the file system's journal keeps metadata changes in
	 * order (ext4 with its journal, xfs), so that flushing new/ after
	 * the rename also commits the dedup marker made before it, and ids/
	 * needs no flush of its own (spool.c says why that is safe).
	 */
	int	 sp_ordered;
	uid_t	 sp_uid;	/* the spool's owner: the effective user */
};

enum spool_result {
	SPOOL_DELIVERED = 0,	/* in new/, on disk if fsync is on */
	SPOOL_DUPLICATE,	/* the id was spooled before; nothing added */
	SPOOL_ERROR		/* nothing spooled, nothing left behind */
};

/* One event to deliver. The JSON fields are already JSON strings. */
struct spool_entry {
	const char	*se_webhook;	/* webhook name, [A-Za-z0-9._-] */
	const char	*se_id;		/* raw id, for the dedup marker */
	const char	*se_id_json;
	const char	*se_type_json;
	const char	*se_body;	/* one line of JSON, no CR or LF */
	size_t		 se_bodylen;
	/*
	 * NULL, or the SHA-256 (32 bytes) of the bytes the sender signed
	 * when the id is not among them (event.h, ev_signed_sum): with
	 * dedup, the delivery is then also a duplicate of an earlier one of
	 * the same webhook with the same signed bytes, through a marker of
	 * its own in ids/.
	 */
	const unsigned char	*se_signed_sum;
};

/* The outcome of one recovery pass. */
struct spool_recovery {
	unsigned	 sr_finished;	/* cut-short deliveries moved to new/ */
	unsigned	 sr_removed;	/* abandoned tmp/ files removed */
};

/*
 * Open the spool at dir, creating it (0700, or 0750 when group_readable)
 * and its folders if missing; the parent must exist. Each folder is opened
 * without following a symbolic link, and refused (errno ELOOP or ENOTDIR)
 * when it is a link or no folder, or (errno EPERM) when it is not owned by
 * the effective user or is writable by its group or others. On success
 * *out is a spool the caller closes with spool_close(). Returns 0, or -1
 * with a static reason in *reason (errno tells more).
 */
int spool_open(const char *dir, int fsync_on, int group_readable,
    struct spool **out, const char **reason);

/*
 * Whether sp's folders are no longer those its path names (the spool was
 * moved, removed or replaced since spool_open()), or would now be refused
 * (their owner or mode changed): a long-lived process then opens it again
 * rather than deliver into a folder nobody reads or others may write.
 */
int spool_stale(const struct spool *sp);

/* Closes sp's folders and frees it. sp may be NULL. */
void spool_close(struct spool *sp);

/*
 * Deliver e as one line in new/: written in tmp/, flushed, renamed into
 * new/, and the folder flushed (when fsync is on) before this returns.
 * With dedup, the id's marker in ids/ is claimed first (and, with
 * se_signed_sum, the signed bytes' marker before it); an id (or signed
 * bytes) already marked gives SPOOL_DUPLICATE once the earlier delivery is
 * complete. No
 * lock is waited for longer than SPOOL_LOCK_WAIT: a marker locked longer
 * gives SPOOL_ERROR (errno EAGAIN). The new file's name is written to name
 * (SPOOL_NAME_MAX bytes) and the arrival time to *when. On SPOOL_ERROR,
 * *reason is static and errno is kept.
 */
enum spool_result spool_deliver(struct spool *sp, const struct spool_entry *e,
    int dedup, char name[SPOOL_NAME_MAX], struct timespec *when,
    const char **reason);

/*
 * Finish deliveries that were cut short (a tmp/ file already claimed by
 * its dedup marker goes to new/) and remove tmp/ files abandoned for more
 * than SPOOL_TMP_GRACE seconds. Files being delivered are left alone.
 * Returns 0, or -1 with *reason set; counts go to *rec (may be NULL).
 */
int spool_recover(struct spool *sp, struct spool_recovery *rec,
    const char **reason);

/*
 * Take an OFD write lock on byte which of fd (opened for writing). While
 * another holds a conflicting lock, try again every few milliseconds for
 * up to wait_s seconds (0: try once). The lock goes when fd's last copy is
 * closed. Returns 0, or -1 with errno (EAGAIN: still held by another).
 */
int spool_lock(int fd, off_t which, unsigned wait_s);

/*
 * Whether another open file description holds a lock on byte which of fd
 * (opened for reading is enough), asked with F_OFD_GETLK: nothing is
 * taken and nothing waited for, so a reader that asks never stands in a
 * delivery's or a claim's way. Returns 1 (held), 0 (free), or -1 with
 * errno.
 */
int spool_lock_held(int fd, off_t which);

/*
 * Flush folder f of sp to disk (fsync(2) of the folder) when sp was
 * opened with fsync on; do nothing when it was not. Returns 0, or -1 with
 * errno.
 */
int spool_flush(const struct spool *sp, enum spool_folder f);

/*
 * Flush folder f of sp to disk whatever sp's fsync setting: for a caller
 * that turned sp_fsync off for its many small steps and flushes once for
 * all of them (forward). Returns 0, or -1 with errno.
 */
int spool_sync(const struct spool *sp, enum spool_folder f);

/*
 * A directory stream over folder f of sp, from its first entry, for
 * readdir(3). It reads through its own copy of the folder's descriptor:
 * the caller closes it with closedir(3), and sp stays open. Returns NULL
 * with errno on error.
 */
DIR *spool_opendir(struct spool *sp, enum spool_folder f);

/*
 * Why a file of status st (from lstat(2), not following a link) in sp is
 * no event a drain may take or a requeue may put back, or NULL when it is
 * one: events are regular files owned by sp's owner, not writable by
 * their group or others. The reason is a static string.
 */
const char *spool_file_refusal(const struct spool *sp, const struct stat *st);

/* A marker name's length: hex SHA-256. */
#define SPOOL_HASH_HEX		64

/*
 * The name of the dedup marker of id for webhook (hex sha256 of webhook, a
 * NUL byte and id), into out. forward uses it for the marker it keeps in
 * Redis, so that one id has one name wherever it is kept. Returns 0, or -1
 * if libgcrypt failed.
 */
int spool_marker_name(const char *webhook, const char *id,
    char out[SPOOL_HASH_HEX + 1]);

/*
 * The name of the dedup marker of signed bytes whose SHA-256 is sum
 * (VERIFY_MAC_LEN bytes) for webhook (hex sha256 of webhook, two NUL bytes
 * and sum: never an id's marker name). Returns 0, or -1 if libgcrypt
 * failed.
 */
int spool_sum_marker_name(const char *webhook, const unsigned char *sum,
    char out[SPOOL_HASH_HEX + 1]);

#endif
