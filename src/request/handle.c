/*
 * handle.c: one request, from CGI variables to response bytes.
 *
 * The whole request-time pipeline without any I/O: request.c parses,
 * match.c finds the rule, location.c builds the Location, response.c
 * formats.  serve.c calls it for real requests and main.c for --explain,
 * so both give the same answer.
 */
#include <string.h>

#include "fcgi-redirect.h"

/*
 * Decide the answer to the request in envp at time now.  rs NULL (the rule
 * file could not be loaded) gives 503.  Fills d; never fails.
 */
void
handle_decide(const struct ruleset *rs, char **envp, time_t now,
    struct match_scratch *scratch, struct decision *d)
{
	struct request		*req = &d->req;
	struct match		*m = &d->match;
	struct buf		 loc;
	int			 rc;

	d->rule = NULL;
	d->regex_error = 0;
	d->too_large = 0;
	d->miss = 0;
	d->location[0] = '\0';
	d->location_len = 0;
	if (rs == NULL) {
		d->head = strcmp(request_method(envp), "HEAD") == 0;
		d->status = 503;
		return;
	}
	rc = request_parse(req, envp, now);
	d->head = strcmp(req->method, "HEAD") == 0;
	if (rc != 0) {
		d->status = rc;
		return;
	}
	match_lookup(rs, req, scratch, m);
	if (m->regex_error != 0) {
		/* Fail closed: the rule the user wrote, unanswerable. */
		d->rule = m->rule;
		d->regex_error = m->regex_error;
		d->status = 500;
		return;
	}
	if (m->damaged) {
		/* A damaged image's rule: not some other rule's answer. */
		d->status = 500;
		return;
	}
	if (m->rule == NULL && rs->fallback_status != 0) {
		d->miss = 1;
		d->status = rs->fallback_status;
		return;
	}
	if (m->rule == NULL) {
		/* A redirect for every miss: the image's last rule. */
		d->miss = 1;
		if ((m->rule = ruleset_rule(rs, (uint32_t)rs->nrules,
		    &m->found)) == NULL) {
			d->status = 500;
			return;
		}
		m->rest_off = req->path_len;
	}
	buf_init(&loc, d->location, sizeof(d->location));
	if ((rc = location_build(req, m, &loc)) != 0) {
		d->status = rc;
		return;
	}
	d->rule = m->rule;
	d->status = m->rule->opts->status;
	d->location_len = loc.len;
}

/*
 * Format the decided answer into out, an empty buffer.  An answer that
 * does not fit (a rule's headers add up past RESPONSE_MAX; --check refuses
 * most such files, see load/rules.c) is never sent cut: out then holds a
 * whole 500 answer instead, and d says so (status 500, too_large) for the
 * log.  out must hold at least that 500 answer (some 300 bytes).
 */
void
handle_respond(struct decision *d, struct buf *out)
{
	if (d->location_len > 0)
		response_redirect(out, d->status, d->location, d->rule->opts,
		    d->head);
	else
		response_error(out, d->status, d->head);
	if (!out->overflow)
		return;
	d->status = 500;
	d->too_large = 1;
	d->location[0] = '\0';
	d->location_len = 0;
	buf_init(out, out->data, out->cap);
	response_error(out, 500, d->head);
}
