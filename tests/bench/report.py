#!/usr/bin/env python3
"""tests/bench/report.py DIR: the tables and plot data of `make bench`.

Reads DIR/results.csv (one row per wrk measurement), DIR/engine.csv (and
DIR/engine-before.csv, another build's, when there is one),
DIR/load.csv, DIR/startup.csv and the image part's DIR/image-*.csv as
tests/bench/run.sh writes them, prints the tables in Markdown and writes
them to DIR/report.md, and writes DIR/plot-SERVER.dat, the data of
tests/bench/rps.gp: one block per contender (its first line the title),
rules against requests/s when the last rule matches (the only one, for one
rule); and DIR/plot-image-cgi.dat and DIR/plot-image-mem.dat, the data of
tests/bench/image.gp.

A contender's percentage of the floor is against the floor's mean in the
same group of measurements (same server, same rule set), which run.sh took
in turns with it.
"""

import csv
import os
import statistics
import sys
import time

POSITIONS = ["first", "middle", "last", "miss"]
SERVERS = ["lighttpd", "nginx", "apache"]
CONTENDER_ORDER = ["fcgi-redirect", "floor", "url.redirect", "location=",
                   "map", "Redirect", "location~", "RedirectMatch"]
WRK = {"lighttpd": "-t2 -c32", "nginx": "-t2 -c32",
       "apache": "-t1 -c%s" % os.environ.get("BENCH_APACHE_CONNS", "1")}
# The length of one measurement, as run.sh passes it on.
DURATION = "%s s" % os.environ.get("BENCH_SECONDS", "2")


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def fmt_int(x):
    return "-" if x is None else "{:,.0f}".format(x)


def fmt_ms(x):
    if x is None:
        return "-"
    return "%.2f" % x if x < 10 else "%.0f" % x


def order_key(row):
    c = row["contender"]
    return (CONTENDER_ORDER.index(c) if c in CONTENDER_ORDER else 99)


def table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def group_key(kind, rules):
    return (kind, int(rules))


def servers_tables(results):
    """The percentage table, the CPU table and the table of every
    contender."""
    out = []
    if not results:
        return out
    servers = [s for s in SERVERS if any(r["server"] == s for r in results)]
    # (server, kind, rules, contender, position) -> row
    cell = {}
    for r in results:
        cell[(r["server"], r["kind"], int(r["rules"]), r["contender"],
              r["position"])] = r
    groups = [(s, k, n) for s in servers
              for k, n in sorted({(k, n) for (srv, k, n, c, p) in cell
                                  if srv == s and c == "fcgi-redirect"},
                                 key=lambda kn: (kn[0] != "map", kn[1]))]

    def label(kind, rules):
        return "{:,} {}".format(rules, "map entries" if kind == "map"
                                else kind + " rules")

    out.append("### fcgi-redirect as a percentage of the floor\n")
    out.append("Requests/s of fcgi-redirect through each server as a "
               "percentage of the floor (a trivial FastCGI responder: "
               "libfcgi, one fixed 307 with the same headers and HTML note as "
               "fcgi-redirect's, no rules) behind the same server, "
               "measured right after it in the same round; `all`: the sum "
               "over the positions.  wrk: lighttpd and nginx `%s`, Apache "
               "`%s`, %s each.\n" % (WRK["lighttpd"], WRK["apache"],
                                      DURATION))
    rows = []
    for s, kind, rules in groups:
        cells, num_sum, den_sum, floors = [], 0.0, 0.0, []
        for pos in POSITIONS:
            r = cell.get((s, kind, rules, "fcgi-redirect", pos))
            f = cell.get((s, kind, rules, "floor", pos))
            if r is None:
                cells.append("")
                continue
            v = num(r["requests_per_s"])
            fv = num(f["requests_per_s"]) if f else None
            if fv:
                floors.append(fv)
            if v is None:
                cells.append("ERROR")
            elif fv:
                cells.append("%.0f%%" % (100 * v / fv))
                num_sum += v
                den_sum += fv
            else:
                cells.append(fmt_int(v))
        total = "%.0f%%" % (100 * num_sum / den_sum) if den_sum else ""
        rows.append([s, label(kind, rules),
                     fmt_int(statistics.mean(floors)) if floors else "-"]
                    + cells + [total])
    out.append(table(["server", "rules", "floor req/s", "first", "middle",
                      "last", "miss", "all"], rows))

    out.append("\n### CPU time of the FastCGI processes per request (us)\n")
    out.append("User + system time of the two FastCGI processes during a "
               "measurement, over the requests answered (from "
               "/proc/PID/stat): what the responder itself costs, libfcgi "
               "included, whatever the server and the machine's other load "
               "do.\n")
    rows = []
    for s, kind, rules in groups:
        fl = [num(cell[(s, kind, rules, "floor", p)]
                  .get("fastcgi_cpu_us_per_request"))
              for p in POSITIONS if (s, kind, rules, "floor", p) in cell]
        fl = [x for x in fl if x is not None]
        cells = []
        for pos in POSITIONS:
            r = cell.get((s, kind, rules, "fcgi-redirect", pos))
            x = num(r.get("fastcgi_cpu_us_per_request")) if r else None
            cells.append("" if x is None else "%.1f" % x)
        rows.append([s, label(kind, rules),
                     "%.1f" % statistics.mean(fl) if fl else "-"] + cells)
    out.append(table(["server", "rules", "floor", "fcgi-redirect first",
                      "middle", "last", "miss"], rows))

    out.append("\n### Every contender: requests/s (p99 latency, ms)\n")
    out.append("`fcgi-redirect`: the program; `floor`: the trivial "
               "responder; the others are the server's own modules "
               "(lighttpd `url.redirect`; nginx `location =`, `map`, "
               "`location ~`; Apache `Redirect`, `RedirectMatch`).  "
               "ERROR: a wrong answer or a socket error.\n")
    rows = []
    seen = sorted({(srv, k, n, c) for (srv, k, n, c, p) in cell},
                  key=lambda x: (servers.index(x[0]), x[1] != "map",
                                 x[1], x[2],
                                 order_key({"contender": x[3]})))
    for srv, kind, rules, c in seen:
        cells = []
        for pos in POSITIONS:
            r = cell.get((srv, kind, rules, c, pos))
            if r is None:
                cells.append("")
                continue
            v = num(r["requests_per_s"])
            if v is None:
                cells.append("ERROR: " + r["note"])
            else:
                cells.append("%s (%s)" % (fmt_int(v), fmt_ms(num(r["p99_ms"]))))
        failed = cell.get((srv, kind, rules, c, "-"))
        if failed is not None:
            cells = ["ERROR: " + failed["note"], "", "", ""]
        rows.append([srv, c, "{:,} {}".format(rules, kind)] + cells)
    out.append(table(["server", "contender", "rules", "first", "middle",
                      "last", "miss"], rows))
    return out


def engine_tables(engine, load):
    out = []
    if engine:
        out.append("\n### The engine alone (build/bench-engine)\n")
        out.append("Instructions (callgrind) for a request hitting the "
                   "first, a middle and the last rule, and a miss: per "
                   "lookup (normalizing the path and Host, matching, "
                   "building the Location: handle_decide without reading "
                   "the CGI variables) and per whole request (reading "
                   "lighttpd's 24 CGI variables and formatting the "
                   "response bytes too); requests/s on one core; load "
                   "time and resident memory added by the load, and the "
                   "part of the load time that the analysis of loops, "
                   "chains and rules never used takes.\n")
        by = {}
        for r in engine:
            by.setdefault((r["kind"], int(r["rules"])), {})[r["position"]] = r
        ld = {(r["kind"], int(r["rules"])): r for r in load}
        rows = []
        for (kind, rules) in sorted(by, key=lambda kn: (kn[0], kn[1])):
            d = by[(kind, rules)]
            ins = " / ".join(fmt_int(num(d[p]["instructions_per_lookup"]))
                             if p in d else "" for p in POSITIONS)
            req = " / ".join(fmt_int(num(d[p]["instructions_per_request"]))
                             if p in d else "" for p in POSITIONS)
            lps = " / ".join(fmt_int(num(d[p]["lookups_per_s"]))
                             if p in d else "" for p in POSITIONS)
            bad = [p for p in POSITIONS if p in d and d[p]["answer"] != "ok"]
            if bad:
                lps += " WRONG ANSWER at " + ", ".join(bad)
            l = ld.get((kind, rules))
            rows.append(["{:,}".format(rules), kind, ins, req, lps,
                         l["load_s"] if l else "",
                         l.get("analysis_s", "") if l else "",
                         "%.0f" % (num(l["rss_added_kib"]) / 1024)
                         if l and num(l["rss_added_kib"]) is not None else ""])
        out.append(table(["rules", "kind",
                          "instructions/lookup first / middle / last / miss",
                          "instructions/request",
                          "requests/s one core",
                          "load s", "of which analysis s",
                          "RSS added MiB"], rows))
    if load:
        out.append("\n### Loading a rule file: `fcgi-redirect --check -c FILE`"
                   " under /usr/bin/time -v\n")
        rows = []
        for r in sorted(load, key=lambda r: (r["kind"], int(r["rules"]))):
            m = num(r["check_max_rss_kib"])
            rows.append(["{:,}".format(int(r["rules"])), r["kind"],
                         r["check_s"], "%.0f" % (m / 1024) if m else ""])
        out.append(table(["rules", "kind", "wall s", "max RSS MiB"], rows))
    return out


# The query kind's URLs (tests/bench/gen.py): the positions, then the same
# with five tracking parameters around the keyed one, then the hostile
# queries (16 KiB, 5,000 parameters).
QUERY_POSITIONS = POSITIONS + [p + "-tracking" for p in POSITIONS] + [
    "hostile", "hostile-miss"]
# The bound on a lookup in a query-keyed map (issue 11).
QUERY_LOOKUP_MAX = 2000


def query_tables(engine):
    """The query-keyed maps: every URL's instructions, and the targets."""
    rows, cell = [], {}
    for r in engine:
        if r["kind"] == "query":
            cell[(int(r["rules"]), r["position"])] = r
    if not cell:
        return []
    out = ["\n### Maps keyed with a query: /index.php?id=N = /new/N\n",
           "Instructions (callgrind) a lookup (handle_decide without "
           "cgi_vars_collect: parsing the query as far as needed, the "
           "lookup of each query signature, building the Location with the "
           "kept parameters) and a whole request; `-tracking`: the "
           "parameter among five tracking parameters "
           "(`?utm_source=a&utm_medium=b&id=N&gclid=c&fbclid=d&_gl=e`, "
           "all five kept in the Location); `hostile`: a request URI of "
           "16,384 bytes, 5,000 parameters (id repeated plain, as `i%64`, "
           "without a value and with malformed escapes, `=`-only parts, "
           "`&&&`, a 44-byte value of `%g`), its last `id` a key "
           "(`hostile`) or not (`hostile-miss`).\n"]
    for rules in sorted({n for (n, p) in cell}):
        for p in QUERY_POSITIONS:
            r = cell.get((rules, p))
            if r is None:
                continue
            rows.append(["{:,}".format(rules), p,
                         fmt_int(num(r["instructions_per_lookup"])),
                         fmt_int(num(r["instructions_per_request"])),
                         fmt_int(num(r["lookups_per_s"])), r["answer"]])
    out.append(table(["entries", "URL", "instructions/lookup",
                      "instructions/request", "requests/s one core",
                      "answer"], rows))
    big = [(p, num(cell[(1000000, p)]["instructions_per_lookup"]))
           for p in QUERY_POSITIONS[:8] if (1000000, p) in cell]
    if big and all(x is not None for p, x in big):
        worst = max(big, key=lambda px: px[1])
        out.append("\nTarget: at most {:,} instructions a lookup at "
                   "1,000,000 entries, alone or among tracking parameters: "
                   "at most {:,.0f} ({}): {}".format(
                       QUERY_LOOKUP_MAX, worst[1], worst[0],
                       met(worst[1] <= QUERY_LOOKUP_MAX)))
    for p in ("hostile", "hostile-miss"):
        r = cell.get((1000000, p))
        if r is not None and num(r["instructions_per_request"]) is not None:
            out.append("\nHostile query (%s), 1,000,000 entries: %s "
                       "instructions a request, %s a lookup, answer %s." % (
                           p, fmt_int(num(r["instructions_per_request"])),
                           fmt_int(num(r["instructions_per_lookup"])),
                           r["answer"]))
    return out


def before_table(engine, before):
    """The same rule files and URLs through an older build's bench-engine
    (BENCH_ENGINE_BEFORE): instructions a lookup and a request, before and
    now."""
    if not before:
        return []
    now = {(r["kind"], int(r["rules"]), r["position"]): r for r in engine}
    rows = []
    for b in sorted(before, key=lambda r: (r["kind"], int(r["rules"]),
                                           POSITIONS.index(r["position"])
                                           if r["position"] in POSITIONS
                                           else 9)):
        n = now.get((b["kind"], int(b["rules"]), b["position"]))
        row = ["{:,}".format(int(b["rules"])), b["kind"], b["position"]]
        for col in ("instructions_per_lookup", "instructions_per_request"):
            x = num(b[col])
            y = num(n[col]) if n else None
            row += [fmt_int(x), fmt_int(y),
                    "%+.1f%%" % (100 * (y - x) / x) if x and y is not None
                    else "-"]
        row.append(b["answer"] + " / " + (n["answer"] if n else "-"))
        rows.append(row)
    return ["\n### Before and now: the same rule files and URLs through "
            "BENCH_ENGINE_BEFORE's bench-engine\n",
            table(["rules", "kind", "URL", "lookup before", "lookup now",
                   "change", "request before", "request now", "change",
                   "answers"], rows)]


def startup_table(startup):
    if not startup:
        return []
    rows = [[r["server"], r["contender"], "{:,} {}".format(int(r["rules"]),
                                                          r["kind"]),
             r["ready_s"]] for r in startup if r["contender"] != "floor"]
    return ["\n### Start-up: seconds from a server's start to its first "
            "correct answer\n",
            table(["server", "contender", "rules", "s"], rows)]


def plot_data(d, results):
    """DIR/plot-SERVER.dat: blocks of (rules, requests/s) per contender,
    and DIR/plot-vars.gp, which names the servers that have data."""
    plotted = []
    for s in SERVERS:
        series = {}
        for r in results:
            v = num(r["requests_per_s"])
            if r["server"] != s or v is None:
                continue
            rules = int(r["rules"])
            c = r["contender"]
            if r["kind"] != "map":
                if c == "floor":
                    continue
                c = "%s (%s %s)" % (c, "{:,}".format(rules), r["kind"])
            if c == "floor" or r["position"] == "last" or (
                    rules == 1 and r["position"] == "first"):
                series.setdefault(c, {}).setdefault(rules, []).append(v)
        if not series:
            continue
        plotted.append(s)
        names = sorted(series, key=lambda c: (
            " (" in c, order_key({"contender": c.split(" (")[0]}), c))
        with open(os.path.join(d, "plot-%s.dat" % s), "w") as f:
            for i, c in enumerate(names):
                if i:
                    f.write("\n\n")
                title = "floor (trivial FastCGI responder)" \
                    if c == "floor" else c
                f.write('"%s" "rps"\n' % title)
                for rules in sorted(series[c]):
                    f.write("%d %.1f\n" % (rules,
                                           statistics.mean(series[c][rules])))
        with open(os.path.join(d, "plot-%s.n" % s), "w") as f:
            f.write("%d\n" % len(names))
    with open(os.path.join(d, "plot-vars.gp"), "w") as f:
        f.write('servers = "%s"\n' % " ".join(plotted))
        for s in plotted:
            with open(os.path.join(d, "plot-%s.n" % s)) as n:
                f.write("n_%s = %s" % (s, n.read()))


def met(ok):
    return "met" if ok else "**not met**"


def image_tables(d):
    """The image part: its tables, and the data of image.gp."""
    eng = read_csv(os.path.join(d, "image-engine.csv"))
    cg = read_csv(os.path.join(d, "image-callgrind.csv"))
    cgi = read_csv(os.path.join(d, "image-cgi.csv"))
    ap = read_csv(os.path.join(d, "image-apache.csv"))
    mem = read_csv(os.path.join(d, "image-memory.csv"))
    out = []
    if not (eng or cg or cgi or ap or mem):
        return out
    out.append("\n## The image: the compiled rule set, mapped and shared\n")

    def label(kind, rules):
        return "{:,} {}".format(int(rules), "map entries" if kind == "map"
                                else kind + " rules")

    if cgi:
        c = {(r["kind"], int(r["rules"]), r["how"]): r for r in cgi}
        out.append("### fcgi-redirect as CGI: from its start to its exit\n")
        out.append("build/bench/spawn runs the binary with the environment "
                   "of one request for the last rule (REQUEST_METHOD, "
                   "REQUEST_URI, HTTP_HOST, SERVER_NAME...), one run after "
                   "the other, timing each from posix_spawn() to wait4() "
                   "with CLOCK_MONOTONIC: the median in ms (10th-90th "
                   "percentile) and the median max RSS.  `first`: the "
                   "request that finds no image, loads the rule file and "
                   "writes the image (median of 3).  `no image`: "
                   "FCGI_REDIRECT_IMAGE=off.\n")
        rows = []
        keys = sorted({(k, n) for (k, n, h) in c},
                      key=lambda kn: (kn[0] != "map", kn[1]))
        for k, n in keys:
            row = [label(k, n)]
            for how in ("image", "no image", "first"):
                r = c.get((k, n, how))
                if r is None or num(r["median_ms"]) is None:
                    row += ["-", "-"]
                    continue
                row.append("%s (%s-%s)" % (fmt_ms(num(r["median_ms"])),
                                           fmt_ms(num(r["p10_ms"])),
                                           fmt_ms(num(r["p90_ms"]))))
                row.append("%.0f" % (num(r["max_rss_kib"]) / 1024))
            rows.append(row)
        out.append(table(["rules", "image ms", "MiB", "no image ms", "MiB",
                          "first request ms", "MiB"], rows))
        one = c.get(("map", 1, "image"))
        if one and num(one["median_ms"]):
            base = num(one["median_ms"])
            out.append("\nTarget: with an image, at most 1.3 times the time "
                       "at 1 entry (%.3f ms):\n" % base)
            for k, n in (("map", 100000), ("map", 1000000), ("regex", 1000)):
                r = c.get((k, n, "image"))
                if r and num(r["median_ms"]) is not None:
                    x = num(r["median_ms"]) / base
                    out.append("- %s: %.3f ms, %.2fx: %s" % (
                        label(k, n), num(r["median_ms"]), x, met(x <= 1.3)))
    if ap:
        a = {(r["contender"], r["kind"], int(r["rules"])): r for r in ap}
        out.append("\n### Through Apache mod_cgid: a copy of www/ "
                   "(.htaccess + fcgi-redirect.fcgi)\n")
        out.append("curl asks for the last rule over one connection, the "
                   "first request not counted; ms a request, median "
                   "(mean, 90th percentile).  `fcgi-redirect`: the rule file "
                   "and its image (`--compile`) beside the program; "
                   "`Redirect`: Apache's own `Redirect 307` lines in the "
                   ".htaccess (the request never reaches the program).\n")
        rows = []
        sizes = sorted({(k, n) for (c_, k, n) in a},
                       key=lambda kn: (kn[0] != "map", kn[1]))
        for k, n in sizes:
            row = [label(k, n)]
            for con in ("fcgi-redirect", "Redirect"):
                r = a.get((con, k, n))
                if r is None:
                    row.append("-")
                elif num(r["median_ms"]) is None:
                    row.append("ERROR: " + r["note"])
                else:
                    row.append("%s (%s, %s) x%s" % (
                        fmt_ms(num(r["median_ms"])),
                        fmt_ms(num(r["mean_ms"])), fmt_ms(num(r["p90_ms"])),
                        r["requests"]))
            rows.append(row)
        out.append(table(["rules", "fcgi-redirect (image) ms",
                          "Apache Redirect in .htaccess ms"], rows))
        one = a.get(("fcgi-redirect", "map", 1))
        big = a.get(("fcgi-redirect", "map", 1000000))
        if one and big and num(one["median_ms"]) and \
                num(big["median_ms"]) is not None:
            x = num(big["median_ms"]) / num(one["median_ms"])
            out.append("\nTarget: 1,000,000 entries within 10%% of 1 entry: "
                       "%.2f ms against %.2f ms, %+.0f%%: %s" % (
                           num(big["median_ms"]), num(one["median_ms"]),
                           100 * (x - 1), met(x <= 1.10)))
    if mem:
        out.append("\n### Memory against FastCGI processes, 1,000,000 map "
                   "entries\n")
        out.append("The sum of Pss (/proc/PID/smaps_rollup: each shared "
                   "page counted once over the processes that share it) of "
                   "the fcgi-redirect processes, after requests to every "
                   "process, in MiB; `served`: the processes whose CPU time "
                   "grew during the last run of requests.  `no image`: "
                   "FCGI_REDIRECT_IMAGE=off in their environment (lighttpd "
                   "bin-environment, mod_fcgid InitialEnv).\n")
        m = {(r["server"], r["image"], int(r["processes"])): r for r in mem}
        rows = []
        for srv in ("lighttpd", "apache"):
            for mode in ("image", "off"):
                cells = []
                for n in (1, 2, 4):
                    r = m.get((srv, mode, n))
                    if r is None:
                        cells.append("-")
                        continue
                    cells.append("%.1f (%s procs, %s served)" % (
                        num(r["pss_kib"]) / 1024, r["found"], r["served"]))
                r1, r4 = m.get((srv, mode, 1)), m.get((srv, mode, 4))
                ratio = ""
                if r1 and r4 and num(r1["pss_kib"]):
                    ratio = "%.2fx" % (num(r4["pss_kib"]) /
                                       num(r1["pss_kib"]))
                if any(c != "-" for c in cells):
                    rows.append([srv if srv == "lighttpd" else
                                 "apache mod_fcgid",
                                 "image" if mode == "image" else "no image"]
                                + cells + [ratio])
        out.append(table(["server", "", "1 process", "2", "4",
                          "4 / 1"], rows))
        for srv in ("lighttpd", "apache"):
            r1, r4 = m.get((srv, "image", 1)), m.get((srv, "image", 4))
            if r1 and r4 and num(r1["pss_kib"]):
                x = num(r4["pss_kib"]) / num(r1["pss_kib"])
                out.append("\nTarget, %s: 4 processes at most 1.3 times "
                           "one, with the image: %.1f MiB against %.1f MiB, "
                           "%.2fx: %s" % (srv, num(r4["pss_kib"]) / 1024,
                                         num(r1["pss_kib"]) / 1024, x,
                                         met(x <= 1.3)))
    if eng:
        out.append("\n### Compiling and mapping (build/bench/image)\n")
        out.append("`compile`: ini_load_file + compile_write (median of 3, "
                   "of which writing the file: a temporary file, fsync, "
                   "rename); `map`: cache_map + ruleset_free (median of 200, "
                   "the image in the page cache); `regexes`: ruleset_regex "
                   "for every regex rule after a cache_map, PCRE2 compile + "
                   "JIT (median of 20).\n")
        rows = []
        for r in sorted(eng, key=lambda r: (r["kind"] != "map",
                                            int(r["rules"]))):
            rows.append([label(r["kind"], r["rules"]),
                         "%s (write %s)" % (r["compile_s"], r["write_s"]),
                         "{:,}".format(int(r["image_bytes"]))
                         if r["image_bytes"] else "-",
                         r["bytes_per_rule"], r["map_ms"],
                         r["regex_ms"] or "-"])
        out.append(table(["rules", "compile s", "image bytes",
                          "bytes a rule", "map ms", "regexes ms"], rows))
        big = [r for r in eng if r["kind"] == "map" and
               r["rules"] == "1000000"]
        if big and num(big[0]["map_ms"]) is not None:
            r = big[0]
            out.append("\nTargets at 1,000,000 entries: mapping %s ms "
                       "(under 5 ms: %s); compiling %s s (no slower than "
                       "1.04 s: %s)." % (
                           r["map_ms"], met(num(r["map_ms"]) < 5),
                           r["compile_s"],
                           met(num(r["compile_s"]) <= 1.04)))
    if cg:
        out.append("\n### Instructions a request from the image "
                   "(callgrind, bench-engine)\n")
        out.append("1,000,000 map entries; `map-image`: the image mapped "
                   "with cache_map; `map-ini`: the rule file loaded into "
                   "memory.  Per whole request (FastCGI parameters of "
                   "lighttpd's 24 variables checked and written out, "
                   "decision, response) and per lookup (handle_decide "
                   "without cgi_vars_collect).\n")
        by = {}
        for r in cg:
            by.setdefault(r["kind"], {})[r["position"]] = r
        rows = []
        for kind in sorted(by):
            dd = by[kind]
            rows.append([kind] + [
                " / ".join(fmt_int(num(dd[p][col])) if p in dd else ""
                           for p in POSITIONS)
                for col in ("instructions_per_request",
                            "instructions_per_lookup")] + [
                ", ".join(p + " " + dd[p]["answer"] for p in POSITIONS
                          if p in dd and dd[p]["answer"] != "ok") or "ok"])
        out.append(table(["", "instructions/request first / middle / last "
                          "/ miss", "instructions/lookup", "answers"],
                         rows))
    image_plot_data(d, cgi, ap, mem)
    return out


def image_plot_data(d, cgi, ap, mem):
    """DIR/plot-image-cgi.dat (ms a request against map entries) and
    DIR/plot-image-mem.dat (MiB against processes), for image.gp."""
    series = []
    for how, title in (("image", "CGI, with the image"),
                       ("no image", "CGI, without (FCGI_REDIRECT_IMAGE=off)"),
                       ("first", "CGI, the first request (writes the "
                                 "image)")):
        pts = sorted((int(r["rules"]), num(r["median_ms"])) for r in cgi
                     if r["kind"] == "map" and r["how"] == how and
                     num(r["median_ms"]) is not None)
        series.append((title, pts))
    for con, title in (("fcgi-redirect", "Apache mod_cgid + fcgi-redirect "
                                         "(image)"),
                       ("Redirect", "Apache Redirect lines in .htaccess")):
        pts = sorted((int(r["rules"]), num(r["median_ms"])) for r in ap
                     if r["kind"] == "map" and r["contender"] == con and
                     num(r["median_ms"]) is not None)
        series.append((title, pts))
    mseries = []
    for srv, sname in (("lighttpd", "lighttpd"), ("apache", "mod_fcgid")):
        for mode, mname in (("image", "with the image"),
                            ("off", "without")):
            pts = sorted((int(r["processes"]), num(r["pss_kib"]) / 1024)
                         for r in mem if r["server"] == srv and
                         r["image"] == mode and num(r["pss_kib"]))
            mseries.append(("%s, %s" % (sname, mname), pts))
    for name, ser in (("plot-image-cgi.dat", series),
                      ("plot-image-mem.dat", mseries)):
        with open(os.path.join(d, name), "w") as f:
            for i, (title, pts) in enumerate(ser):
                if i:
                    f.write("\n\n")
                f.write('"%s" "y"\n' % title)
                for x, y in pts:
                    f.write("%d %.4f\n" % (x, y))
                if not pts:
                    f.write("NaN NaN\n")


def main():
    d = sys.argv[1]
    results = read_csv(os.path.join(d, "results.csv"))
    engine = read_csv(os.path.join(d, "engine.csv"))
    load = read_csv(os.path.join(d, "load.csv"))
    startup = read_csv(os.path.join(d, "startup.csv"))
    before = read_csv(os.path.join(d, "engine-before.csv"))
    head = ["## make bench, %s, %s (%d cores)\n" % (
        time.strftime("%Y-%m-%d"), cpu_model(), os.cpu_count() or 0)]
    text = "\n".join(head + servers_tables(results) +
                     engine_tables(engine, load) + query_tables(engine) +
                     before_table(engine, before) + startup_table(startup) +
                     image_tables(d))
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write(text + "\n")
    print(text)
    plot_data(d, results)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
