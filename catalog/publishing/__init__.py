"""Publishing our gifts on partner sites (bulk-create / bulk-update of /external/gift/) and pulling theirs.

One module per job, imported in this order (each only from the ones above it; nothing here imports
`catalog.tasks_push`, except `requests`, which the task module does not import):

- `errors`    PushError, the one-line refusal of a push or pull;
- `render`    the wire payload of a gift (the same renderer as our own API) and its fingerprint;
- `plan`      per gift: create, update (with its field diff) or unchanged;
- `reconcile` after a bulk-create whose answer was lost: which remote gifts are ours;
- `push`      carrying out a push run, batch by batch;
- `pull`      carrying out a pull run (onboarding: the site's gifts become ours);
- `runs`      recording runs, one active run per site, executing them (giftoffice.runs lifecycle);
- `requests`  the admin's entry points: run now, or queue a django-q2 task.

The flow of a push:
1. Plan, locally: a gift without a remote id on the site is a create, a gift whose payload fingerprint
   differs from the one last sent is an update (with a field-level diff), anything else is unchanged.
2. Execute in batches of the site's batch size. Remote ids come back in input order.
3. A bulk-create whose answer was lost (OutcomeUnknownError, or an unreadable 2xx) may have created the
   gifts. Before any retry the remote list is read, and a remote gift is adopted only when its id is
   above the highest id the site held before we sent (recorded on the publication with the intent,
   `create_sent_at`, before sending) and its content equals what we sent; only the rest is created
   again. A run killed mid-call is reconciled the same way by the next push.
4. A batch refused item by item records each item's error on its publication; the items the site did
   accept are sent again once without the refused ones; other batches go on.
"""
