/*
 * fuzz_rules.c: the rule file that fuzz_request.c and fuzz_image.c share:
 * absolute targets, a [defaults] base, a redirecting fallback, and every
 * rule kind, condition and option (host, methods, scheme, from and until,
 * header and cache lines, case = ignore, slash = either, a [map]), and
 * the query: a path key and map keys with parameters, params = on a
 * prefix, other-params = refuse, ${param:NAME} in a path and a query.
 */
#include "fuzz.h"

/* Absolute targets: [defaults] base, a redirecting fallback, everything. */
const char fuzz_rules_absolute[] =
	"[defaults]\n"
	"status   = 307\n"
	"fallback = /not-found\n"
	"base     = https://www.example.re\n"
	"cache    = max-age=600\n"
	"header   = X-Served-By: fcgi-redirect\n"
	"[news]\n"
	"path   = /news.html\n"
	"to     = http://www.example.re/breaking/news.html\n"
	"[blog]\n"
	"prefix = /blog\n"
	"case   = ignore\n"
	"to     = https://blog.example.re/\n"
	"[item]\n"
	"regex  = ^/item/([0-9]+)/([^/]*)$\n"
	"status = 308\n"
	"to     = /shop/item/$1?tab=$2&price=$$5\n"
	"[sale]\n"
	"prefix  = /sale\n"
	"host    = shop.example.re *.shop.example.re\n"
	"methods = GET HEAD\n"
	"scheme  = http\n"
	"from    = 2026-12-24T00:00:00Z\n"
	"until   = 2026-12-27T00:00:00Z\n"
	"header  = X-Robots-Tag: noindex\n"
	"to      = https://${host}/sale?from=${path}&q=${query}&s=${scheme}\n"
	"[secure]\n"
	"prefix = /secure\n"
	"to     = https://${host}:8443/secure\n"
	"[same]\n"
	"path  = /same\n"
	"slash = either\n"
	"to    = ${scheme}://www.example.re/same-page#top\n"
	"[api]\n"
	"prefix = /api/v1\n"
	"status = 301\n"
	"to     = https://api.example.re/v2?src=old#frag\n"
	"[contact]\n"
	"path    = /contact/send\n"
	"methods = POST\n"
	"status  = 303\n"
	"query   = drop\n"
	"to      = /contact/thanks\n"
	"[wp]\n"
	"path   = /index.php?p=123&lang\n"
	"to     = /blog/${param:p}?l=${param:lang}\n"
	"[tagged]\n"
	"prefix = /tag\n"
	"params = t utm_source=news\n"
	"to     = https://www.example.re/t/${param:t}\n"
	"[feed]\n"
	"path         = /feed.php?id\n"
	"other-params = refuse\n"
	"to           = /feeds/${param:id}\n"
	"[map legacy]\n"
	"status = 308\n"
	"case   = ignore\n"
	"slash  = either\n"
	"/old/a.html = /new/a\n"
	"/old/b.html = https://archive.example.re/b\n"
	"/wiki/Special%3ASearch = /search\n"
	"/viewtopic.php?t=1 = /forum/1\n"
	"/?p=7&preview = /post/7\n"
	"[all]\n"
	"prefix = /p\n"
	"to     = /all${path}?q=${query}\n";

/* The hosts its targets name, as struct fuzz_expect takes them. */
const char *const fuzz_hosts_absolute[] = {
	"www.example.re", "blog.example.re", "api.example.re",
	"archive.example.re", "${host}", "${host}:8443", NULL
};
