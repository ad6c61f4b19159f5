/*
 * drain_list.c: the lists one run of hookspool drain keeps (drain.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "drain.h"
#include "queue.h"

int
drain_seen_add(struct drain_seen *dn, const char *name)
{
	char	base[SPOOL_NAME_MAX], **nv;

	queue_attempts(name, base);
	if (dn->dn_len == dn->dn_cap) {
		dn->dn_cap = dn->dn_cap ? dn->dn_cap * 2 : 16;
		if ((nv = reallocarray(dn->dn_bases, dn->dn_cap,
		    sizeof(*nv))) == NULL)
			return -1;
		dn->dn_bases = nv;
	}
	if ((dn->dn_bases[dn->dn_len] = strdup(base)) == NULL)
		return -1;
	dn->dn_len++;
	return 0;
}

int
drain_seen_has(const struct drain_seen *dn, const char *name)
{
	char	base[SPOOL_NAME_MAX];
	size_t	i;

	queue_attempts(name, base);
	for (i = 0; i < dn->dn_len; i++)
		if (strcmp(dn->dn_bases[i], base) == 0)
			return 1;
	return 0;
}

void
drain_seen_free(struct drain_seen *dn)
{
	queue_names_free(dn->dn_bases, dn->dn_len);
	memset(dn, 0, sizeof(*dn));
}

double
drain_locked_since(const struct drain_locked *dl, const struct spool *sp,
    const char *name)
{
	size_t	i;

	for (i = 0; i < dl->dl_len; i++)
		if (dl->dl_v[i].dk_spool == sp &&
		    strcmp(dl->dl_v[i].dk_name, name) == 0)
			return dl->dl_v[i].dk_since;
	return -1;
}

int
drain_locked_add(struct drain_locked *dl, struct spool *sp, const char *name,
    double since)
{
	struct drain_lock	*nv;
	char			*copy;

	if ((copy = strdup(name)) == NULL)
		return -1;
	if (dl->dl_len == dl->dl_cap) {
		if ((nv = reallocarray(dl->dl_v, dl->dl_cap ? dl->dl_cap * 2 :
		    8, sizeof(*nv))) == NULL) {
			free(copy);
			return -1;
		}
		dl->dl_v = nv;
		dl->dl_cap = dl->dl_cap ? dl->dl_cap * 2 : 8;
	}
	dl->dl_v[dl->dl_len].dk_spool = sp;
	dl->dl_v[dl->dl_len].dk_name = copy;
	dl->dl_v[dl->dl_len].dk_since = since;
	dl->dl_len++;
	return 0;
}

void
drain_locked_free(struct drain_locked *dl)
{
	size_t	i;

	for (i = 0; i < dl->dl_len; i++)
		free(dl->dl_v[i].dk_name);
	free(dl->dl_v);
	memset(dl, 0, sizeof(*dl));
}

static int
item_cmp(const void *a, const void *b)
{
	const struct drain_item	*x = a, *y = b;

	return queue_name_cmp(&x->di_name, &y->di_name);
}

void
drain_items_free(struct drain_item *items, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(items[i].di_name);
	free(items);
}

/*
 * Whether new/name of sp, which failed an attempt, is still waiting out its
 * backoff at now; if so its due time is kept in *next_due when earlier.
 */
static int
not_due(struct spool *sp, const char *name, time_t now, time_t *next_due)
{
	struct stat	st;
	char		base[SPOOL_NAME_MAX];

	if (queue_attempts(name, base) == 0 || fstatat(sp->sp_fd[SPOOL_NEW],
	    name, &st, AT_SYMLINK_NOFOLLOW) == -1 || st.st_mtime <= now)
		return 0;
	if (*next_due == 0 || st.st_mtime < *next_due)
		*next_due = st.st_mtime;
	return 1;
}

int
drain_collect(struct spool **spools, size_t nspools,
    const struct drain_seen *dn, struct drain_item **out, size_t *nout,
    time_t *next_due)
{
	time_t			  now = time(NULL);
	struct drain_item	 *items = NULL, *ni;
	const char		 *reason;
	char			**names;
	size_t			  i, j, n, len = 0, cap = 0;

	*next_due = 0;
	for (i = 0; i < nspools; i++) {
		if (queue_names(spools[i], SPOOL_NEW, &names, &n,
		    &reason) == -1) {
			cli_warnx("spool %s: %s: %s", spools[i]->sp_dir, reason,
			    strerror(errno));
			drain_items_free(items, len);
			return -1;
		}
		for (j = 0; j < n; j++) {
			if (drain_seen_has(dn, names[j]) ||
			    not_due(spools[i], names[j], now, next_due)) {
				free(names[j]);
				continue;
			}
			if (len == cap) {
				cap = cap ? cap * 2 : 64;
				if ((ni = reallocarray(items, cap,
				    sizeof(*items))) == NULL) {
					cli_warnx("out of memory");
					queue_names_free(names + j, n - j);
					free(names);
					drain_items_free(items, len);
					return -1;
				}
				items = ni;
			}
			items[len].di_name = names[j];
			items[len].di_spool = spools[i];
			len++;
		}
		free(names);
	}
	if (len > 1)
		qsort(items, len, sizeof(*items), item_cmp);
	*out = items;
	*nout = len;
	return 0;
}
