#!/usr/bin/env python3
"""tests/ops/fcgi_client.py: a small FastCGI client for tests/ops.sh and
tests/image.sh.

Standard library only.  It speaks the responder role of the FastCGI
specification (1.0, §3 records, §3.4 name-value pairs, §5.1 responder):
FCGI_BEGIN_REQUEST, FCGI_PARAMS (ended by an empty record), an empty
FCGI_STDIN, then it reads FCGI_STDOUT until FCGI_END_REQUEST.  One
connection per request, as lighttpd and mod_fcgid use it.

ADDR is a Unix socket path (contains a '/'), HOST:PORT or [IPv6]:PORT.  An answer is
shown as "STATUS LOCATION" ("-" when there is no Location); a request that
got no complete answer is "ERR reason".

Subcommands (each exits 0 when its check holds, 1 when not, 2 on usage):

  get ADDR URI [HOST]
      one request; prints the answer.
  until ADDR URI HOST WANT [--old OLD ...] [--timeout S]
      repeat requests until the answer is WANT; every answer before that
      must be one of the OLD answers (when given).  Prints how many
      requests and seconds it took.
  steady ADDR SECONDS URI HOST WANT [URI HOST WANT ...]
      for SECONDS, ask each URI in turn; every answer must be its WANT.
  midreq ADDR PID URI HOST WANT [SIGNAL]
      send FCGI_BEGIN_REQUEST and part of FCGI_PARAMS, deliver SIGNAL
      (default TERM) to PID while it waits for the rest, then send the rest
      and the empty FCGI_STDIN: the answer must arrive whole and be WANT.
  hup ADDR PID RULEFILE OLDFILE NEWFILE URI HOST OLD NEW [--no-signal]
      put OLDFILE in place and wait for OLD; align to the start of a
      wall-clock second, ask once (so the process has just checked the
      file), replace RULEFILE by NEWFILE (rename),
      send SIGHUP to PID (not with --no-signal) and ask again until the
      answer is NEW or 0.85 s have passed.  With the signal the answer must
      be NEW before the second ends (the 1-second check could not have
      seen the change yet); without it, it must still be OLD.
  hupload ADDR PID RULEFILE OLDFILE BIGFILE NEWFILE URI HOST OLD BIG NEW
      as hup, but the change is BIGFILE (a load that takes a while) with
      SIGHUP, and 0.05 s later, while that load runs, NEWFILE with SIGHUP:
      NEW must answer before the second ends (a SIGHUP that comes during
      a load is not forgotten).
  halfwrite ADDR RULEFILE BIGFILE CHUNKS PAUSE URI HOST WANT [URI HOST WANT ...]
      rewrite RULEFILE in place with the bytes of BIGFILE: truncate, then
      write it in CHUNKS pieces PAUSE seconds apart, asking all the while.
      Every answer must be a redirect or a 404 (never a 503 or an error:
      a valid set was loaded before).  Once the whole file is there, the
      answers must become the WANTs within 5 s and stay so for 2.5 s.
  slowwrite ADDR RULEFILE NEWFILE CHUNKS PAUSE COUNT URIFMT OLDFMT NEWFMT
      rewrite RULEFILE in place with the bytes of NEWFILE as a slow upload
      does: truncate, then CHUNKS pieces of equal size (cut anywhere, even
      inside a line) PAUSE seconds apart, while asking for the keys
      URIFMT % i, i = 0 .. COUNT-1, in turn.  Every answer must be OLDFMT % i
      or NEWFMT % i: a 404 for an existing key or a Location cut short (a
      partial load) fails.  Once the file is complete, every key must
      answer NEWFMT % i within 8 s.  Prints the counts of the answers.
      The writing starts 0.02 s after a wall-clock second begins: the
      process checks the file at its first request of a second, so with a
      PAUSE of 0.25 s each check finds the last piece 0.23 s old, the worst
      case for a settle time shorter than the pauses.
  pause ADDR CONNS SECONDS RULEFILE RELOADS URI HOST WANT [URI HOST WANT ...]
      CONNS threads ask in a loop for SECONDS (each answer timed; longer
      if need be, to the end of the last reload window);
      meanwhile RULEFILE is replaced (a copy renamed over it) RELOADS
      times, evenly spaced.  The 6 s after each replacement (the process
      checks within a second, loads beside the old set, swaps) are the
      reload windows.  Every answer must be its WANT.  Prints the request
      count, requests/s and the slowest answer and the 99th percentile
      within the reload windows and outside them, then PAUSE_MS=the
      slowest answer within them.
  either ADDR CONNS SECONDS URI HOST ANSWERS [URI HOST ANSWERS ...]
      CONNS threads ask in a loop, each URI in turn, for SECONDS or until
      SIGTERM comes, while the rules change under them; ANSWERS are the
      answers a URI may get, joined by '|' (the old version's and the
      new one's).  Every answer must be one of its ANSWERS.  Prints the
      request count, requests/s and how many answers were each URI's
      first, second... alternative, then the first wrong answers.
  hostile ADDR KIND [--count N] [--size BYTES] [--timeout S]
      send what no web server sends, reading all the while, and say how the
      server ended it.  KIND: getvalues (FCGI_GET_VALUES, request id 0,
      with 9 names), biglen (FCGI_BEGIN_REQUEST, then FCGI_PARAMS holding
      a pair whose 4-byte lengths are 0x40000000 and 0x40000000, and 8
      bytes), unknown (N management records of type 200, default 300,000,
      in one connection), bigparams (FCGI_PARAMS that carry a header of
      BYTES bytes, default 8 MiB, and are not ended), otherid (FCGI_PARAMS of
      request id 2 after FCGI_BEGIN_REQUEST of id 1), stdin-early
      (FCGI_STDIN before the empty FCGI_PARAMS).  Exit 0 when the server
      closed the connection within S seconds (default 5) without an
      answer, or, for bigparams only, answered 400; 1 when it answered
      anything else or neither answered nor closed.  --rss PID,PID...:
      meanwhile, every 50 ms, the largest VmRSS of those processes is
      taken; printed last as RSS_KB=N (kB).
  refused ADDR [--timeout S]
      a whole ordinary request for /a: exit 0 when the server closes the
      connection without a byte of answer within S seconds (default 3).
  stall ADDR N KIND WITHIN URI HOST WANT
      hold N connections that send KIND (idle: nothing; bytes3: three
      bytes of a record header; begin: a whole FCGI_BEGIN_REQUEST and no
      more) and never close them, then ask URI once: exit 0 when that
      answer is WANT and came within WITHIN seconds, and the server closed
      every held connection within WITHIN seconds.  Prints the times.
  hold ADDR KIND SECONDS
      one connection that sends KIND (as stall) and waits up to SECONDS
      for the server to close it; exit 0 when it did.  Prints a line
      "connected, sent KIND" as soon as it has sent them.
  pieces ADDR SIZE PIECE WITHIN URI HOST WANT
      a request for URI with a header X-Big of SIZE bytes, written PIECE
      bytes at a time (a web server that writes as it builds): exit 0
      when the answer is WANT and came within WITHIN seconds.
  noread ADDR WITHIN URI HOST WANT
      send a whole request and then neither read the answer nor close the
      connection; meanwhile ask URI on another connection: exit 0 when
      that answer is WANT and came within WITHIN seconds (with one worker,
      the first connection was let go by then).
"""

import os
import shutil
import signal
import socket
import struct
import sys
import threading
import time

FCGI_BEGIN_REQUEST = 1
FCGI_END_REQUEST = 3
FCGI_PARAMS = 4
FCGI_STDIN = 5
FCGI_STDOUT = 6
FCGI_STDERR = 7
FCGI_RESPONDER = 1


def record(rtype, content, req_id=1):
    """One record, padded to a multiple of 8 bytes (spec §3.3)."""
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, rtype, req_id, len(content), pad, 0) + \
        content + b"\0" * pad


def nv_length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def encode_params(params):
    """Name-value pairs (spec §3.4) of a list of (bytes, bytes)."""
    out = bytearray()
    for k, v in params:
        out += nv_length(len(k)) + nv_length(len(v)) + k + v
    return bytes(out)


def params_records(data):
    """FCGI_PARAMS records carrying data (each at most 65535 bytes)."""
    out = bytearray()
    for i in range(0, len(data), 65528):
        out += record(FCGI_PARAMS, data[i:i + 65528])
    return bytes(out)


def cgi_params(uri, host, extra=()):
    p = [("GATEWAY_INTERFACE", "CGI/1.1"), ("SERVER_PROTOCOL", "HTTP/1.1"),
         ("SERVER_NAME", "localhost"), ("SERVER_PORT", "80"),
         ("REMOTE_ADDR", "127.0.0.1"), ("REQUEST_METHOD", "GET"),
         ("REQUEST_URI", uri), ("SCRIPT_NAME", "/fcgi-redirect"),
         ("QUERY_STRING", uri.partition("?")[2]), ("HTTPS", "off")]
    if host != "-":
        p.append(("HTTP_HOST", host))
    p.extend(extra)
    return [(k.encode(), v.encode("utf-8", "surrogateescape")) for k, v in p]


def connect(addr, timeout):
    if "/" in addr:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = addr
    elif addr.startswith("["):
        host, _, port = addr[1:].partition("]:")
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        target = (host, int(port))
    else:
        host, _, port = addr.rpartition(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    s.settimeout(timeout)
    s.connect(target)
    return s


class Incomplete(Exception):
    pass


def read_answer(s):
    """Read records up to FCGI_END_REQUEST; returns the FCGI_STDOUT bytes."""
    buf = bytearray()
    out = bytearray()
    while True:
        while len(buf) >= 8:
            _, rtype, _, clen, pad, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + clen + pad:
                break
            content = bytes(buf[8:8 + clen])
            del buf[:8 + clen + pad]
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_END_REQUEST:
                return bytes(out)
        chunk = s.recv(65536)
        if not chunk:
            raise Incomplete("connection closed before FCGI_END_REQUEST "
                             "(%d bytes of stdout)" % len(out))
        buf += chunk


def summary(stdout):
    """'STATUS LOCATION' of a CGI response, or 'ERR ...'."""
    head, sep, body = stdout.partition(b"\r\n\r\n")
    if not sep:
        return "ERR no end of headers"
    status, location, length = None, "-", None
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip().decode("latin-1")
        if name == b"status":
            status = value.split(" ")[0]
        elif name == b"location":
            location = value
        elif name == b"content-length":
            if not value.isdigit():
                return "ERR Content-Length '%s'" % value
            length = int(value)
    if status is None:
        return "ERR no Status"
    if length is not None and length != len(body):
        return "ERR Content-Length %d, body %d bytes" % (length, len(body))
    return "%s %s" % (status, location)


def request(addr, uri, host, extra=(), timeout=10):
    """One whole request; returns the summary of the answer."""
    try:
        s = connect(addr, timeout)
    except OSError as e:
        return "ERR connect: %s" % e
    try:
        s.sendall(record(FCGI_BEGIN_REQUEST,
                         struct.pack(">HB5x", FCGI_RESPONDER, 0)) +
                  params_records(encode_params(cgi_params(uri, host, extra))) +
                  record(FCGI_PARAMS, b"") + record(FCGI_STDIN, b""))
        return summary(read_answer(s))
    except (OSError, Incomplete) as e:
        return "ERR %s" % e
    finally:
        s.close()


def triples(args):
    if len(args) == 0 or len(args) % 3 != 0:
        usage()
    return [tuple(args[i:i + 3]) for i in range(0, len(args), 3)]


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def settle_old(addr, rules, oldfile, uri, host, old):
    """Put OLDFILE in place and wait until it answers OLD and is loaded;
    return the second just begun (the rest of it is ours), or None after
    saying why not."""
    replace(rules, oldfile)
    t_end = time.monotonic() + 5
    while request(addr, uri, host) != old:
        if time.monotonic() > t_end:
            print("the old answer '%s' did not come back" % old)
            return None
        time.sleep(0.05)
    # OLDFILE may have the answers served already: let the process check
    # it and load it (no load may be in progress at the start of the
    # second, see below).
    t_end = time.monotonic() + 1.3
    while time.monotonic() < t_end:
        request(addr, uri, host)
        time.sleep(0.05)
    # Start just after a second boundary: the first request makes the
    # process check the file (a new second), the rest of this second is
    # ours.
    now = time.time()
    time.sleep(1.0 - (now - int(now)) + 0.02)
    sec = int(time.time())
    got = request(addr, uri, host)
    if got != old:
        print("before the change: '%s' (expected '%s')" % (got, old))
        return None
    return sec


def cmd_get(a):
    if len(a) not in (2, 3):
        usage()
    print(request(a[0], a[1], a[2] if len(a) == 3 else "localhost"))
    return 0


def cmd_until(a):
    old, timeout, pos = [], 5.0, []
    i = 0
    while i < len(a):
        if a[i] == "--old":
            old.append(a[i + 1])
            i += 2
        elif a[i] == "--timeout":
            timeout = float(a[i + 1])
            i += 2
        else:
            pos.append(a[i])
            i += 1
    if len(pos) != 4:
        usage()
    addr, uri, host, want = pos
    start = time.monotonic()
    n = 0
    while True:
        got = request(addr, uri, host)
        n += 1
        if got == want:
            print("%d requests, %.2f s" % (n, time.monotonic() - start))
            return 0
        if old and got not in old:
            print("request %d got '%s' (expected '%s'%s)" % (
                n, got, want, "".join(" or '%s'" % o for o in old)))
            return 1
        if time.monotonic() - start > timeout:
            print("still '%s' after %d requests, %.1f s (expected '%s')" % (
                got, n, timeout, want))
            return 1
        time.sleep(0.02)


def cmd_steady(a):
    if len(a) < 4:
        usage()
    addr, seconds, checks = a[0], float(a[1]), triples(a[2:])
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        for uri, host, want in checks:
            got = request(addr, uri, host)
            n += 1
            if got != want:
                print("request %d for %s got '%s' (expected '%s')" % (
                    n, uri, got, want))
                return 1
        time.sleep(0.01)
    print("%d requests, all as expected" % n)
    return 0


def cmd_midreq(a):
    if len(a) not in (5, 6):
        usage()
    addr, pid, uri, host, want = a[0], int(a[1]), a[2], a[3], a[4]
    sig = getattr(signal, "SIG" + (a[5] if len(a) == 6 else "TERM"))
    data = encode_params(cgi_params(uri, host))
    cut = len(data) // 2
    s = connect(addr, 10)
    # Begin and half of the parameters: the process is now inside
    # FCGX_Accept_r, reading the rest.
    s.sendall(record(FCGI_BEGIN_REQUEST,
                     struct.pack(">HB5x", FCGI_RESPONDER, 0)) +
              record(FCGI_PARAMS, data[:cut]))
    time.sleep(0.3)
    os.kill(pid, sig)
    time.sleep(0.3)
    try:
        s.sendall(record(FCGI_PARAMS, data[cut:]) + record(FCGI_PARAMS, b"")
                  + record(FCGI_STDIN, b""))
        got = summary(read_answer(s))
    except (OSError, Incomplete) as e:
        got = "ERR %s" % e
    s.close()
    print(got)
    return 0 if got == want else 1


def replace(path, src):
    """Replace path by a copy of src, by rename (as editors and mv do)."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    shutil.copyfile(src, tmp)
    os.rename(tmp, path)


def cmd_hup(a):
    signalled = "--no-signal" not in a
    a = [x for x in a if x != "--no-signal"]
    if len(a) != 9:
        usage()
    addr, pid, rules, oldfile, newfile, uri, host, old, new = a
    pid = int(pid)
    for _attempt in range(3):
        sec = settle_old(addr, rules, oldfile, uri, host, old)
        if sec is None:
            return 1
        replace(rules, newfile)
        if signalled:
            os.kill(pid, signal.SIGHUP)
        seen, n = None, 0
        while time.time() < sec + 0.85:
            got = request(addr, uri, host)
            n += 1
            if got == new:
                seen = time.time() - sec
                break
            if got != old:
                print("during the second: '%s'" % got)
                return 1
            time.sleep(0.01)
        if int(time.time()) == sec:
            break
        # A slow machine spilled over into the next second: the 1-second
        # check may have run, so this try proves nothing; again.
    else:
        print("could not keep 3 tries within one second each")
        return 1
    if signalled:
        if seen is None:
            print("no new answer within the second after SIGHUP "
                  "(%d requests)" % n)
            return 1
        print("new answer %.3f s into the second, %d requests after SIGHUP"
              % (seen, n))
        return 0
    if seen is not None:
        print("new answer %.3f s into the second without SIGHUP: the file "
              "was checked twice within one second" % seen)
        return 1
    print("still the old answer for the rest of the second (%d requests)" % n)
    return 0


def cmd_hupload(a):
    if len(a) != 11:
        usage()
    addr, pid, rules, oldfile, bigfile, newfile, uri, host, old, big, new = a
    pid = int(pid)
    for _attempt in range(3):
        sec = settle_old(addr, rules, oldfile, uri, host, old)
        if sec is None:
            return 1
        # BIGFILE and SIGHUP: a load starts; while it runs, NEWFILE and
        # SIGHUP again.
        replace(rules, bigfile)
        os.kill(pid, signal.SIGHUP)
        time.sleep(0.05)
        replace(rules, newfile)
        os.kill(pid, signal.SIGHUP)
        seen, n, answers = None, 0, set()
        while time.time() < sec + 0.9:
            got = request(addr, uri, host)
            n += 1
            answers.add(got)
            if got == new:
                seen = time.time() - sec
                break
            if got not in (old, big):
                print("during the second: '%s'" % got)
                return 1
            time.sleep(0.01)
        if int(time.time()) == sec:
            break
    else:
        print("could not keep 3 tries within one second each")
        return 1
    if seen is None:
        print("the second SIGHUP, sent while the first one's load ran, was "
              "not acted on: still %s at the end of the second (%d requests)"
              % (" or ".join("'%s'" % x for x in sorted(answers)), n))
        return 1
    print("the file named by the second SIGHUP answered %.3f s into the "
          "second (%d requests)" % (seen, n))
    return 0


def cmd_halfwrite(a):
    if len(a) < 8:
        usage()
    addr, rules, big, chunks, pause = a[0], a[1], a[2], int(a[3]), float(a[4])
    checks = triples(a[5:])
    with open(big, "rb") as f:
        data = f.read()
    bad = []
    counts = {"requests": 0}

    def ask_all():
        for uri, host, want in checks:
            got = request(addr, uri, host)
            counts["requests"] += 1
            if not (got.startswith("3") or got.startswith("404")):
                bad.append("%s: '%s'" % (uri, got))
            yield uri, got, want

    # Truncate and write the file in place, asking between the pieces.
    step = (len(data) + chunks - 1) // chunks
    seen = {}
    with open(rules, "r+b") as f:
        f.truncate(0)
        f.flush()
        for i in range(chunks):
            f.write(data[i * step:(i + 1) * step])
            f.flush()
            if i == chunks - 1:
                break
            end = time.monotonic() + pause
            while time.monotonic() < end:
                for uri, got, want in ask_all():
                    key = "new" if got == want else got.split(" ")[0]
                    seen[key] = seen.get(key, 0) + 1
                if bad:
                    print("while the file was being written: " + bad[0])
                    return 1
    whole = time.monotonic()
    # Now the whole file is there: its answers must come, then stay.
    settled = None
    while time.monotonic() < whole + 5:
        results = list(ask_all())
        if bad:
            print("after the file was complete: " + bad[0])
            return 1
        if all(got == want for _, got, want in results):
            settled = time.monotonic() - whole
            break
        time.sleep(0.02)
    if settled is None:
        wrong = [(u, g, w) for u, g, w in results if g != w]
        print("5 s after the file was complete, %s got '%s' (expected '%s')"
              % wrong[0])
        return 1
    end = time.monotonic() + 2.5
    while time.monotonic() < end:
        for uri, got, want in ask_all():
            if got != want:
                print("after the whole set was served, %s got '%s' "
                      "(expected '%s')" % (uri, got, want))
                return 1
    print("%d requests (while it was written: %s); the whole set answered "
          "%.2f s after the file was complete, and kept answering" % (
              counts["requests"],
              ", ".join("%s %d" % kv for kv in sorted(seen.items())),
              settled))
    return 0


def cmd_slowwrite(a):
    if len(a) != 9:
        usage()
    addr, rules, new, chunks, pause = a[0], a[1], a[2], int(a[3]), float(a[4])
    count, urifmt, oldfmt, newfmt = int(a[5]), a[6], a[7], a[8]
    with open(new, "rb") as f:
        data = f.read()
    counts = {}
    state = {"i": 0, "bad": None}

    def ask_next():
        """Ask the next key; returns whether it answered the new target."""
        i = state["i"] % count
        state["i"] += 1
        got = request(addr, urifmt % i, "localhost")
        if got == newfmt % i:
            kind = "new"
        elif got == oldfmt % i:
            kind = "old"
        elif got.startswith("404"):
            kind = "404"
        elif got.split(" ")[0] in ("301", "302", "303", "307", "308") and \
                (newfmt % i).startswith(got):
            kind = "truncated"
        else:
            kind = "other"
        counts[kind] = counts.get(kind, 0) + 1
        if kind not in ("new", "old") and state["bad"] is None:
            state["bad"] = "%s got '%s' (expected '%s' or '%s')" % (
                urifmt % i, got, oldfmt % i, newfmt % i)
        return kind == "new"

    def shown():
        return ", ".join("%s %d" % kv for kv in sorted(counts.items()))

    step = (len(data) + chunks - 1) // chunks
    now = time.time()
    time.sleep(1.0 - (now - int(now)) + 0.02)
    start = time.monotonic()
    with open(rules, "r+b") as f:
        f.truncate(0)
        f.flush()
        for k in range(chunks):
            f.write(data[k * step:(k + 1) * step])
            f.flush()
            if k == chunks - 1:
                break
            while time.monotonic() < start + (k + 1) * pause:
                ask_next()
    whole = time.monotonic()
    # Complete: every key must come to answer its new target.
    run, done = 0, None
    while time.monotonic() < whole + 8:
        run = run + 1 if ask_next() else 0
        if run >= count:
            done = time.monotonic() - whole
            break
    if state["bad"] is not None:
        print("%s; answers: %s" % (state["bad"], shown()))
        return 1
    if done is None:
        print("8 s after the file was complete, not every key answered its "
              "new target; answers: %s" % shown())
        return 1
    print("answers while written and after: %s; all %d keys new %.1f s "
          "after the file was complete" % (shown(), count, done))
    return 0


def cmd_pause(a):
    if len(a) < 8:
        usage()
    addr, conns, seconds = a[0], int(a[1]), float(a[2])
    rules, reloads = a[3], int(a[4])
    checks = triples(a[5:])
    stop = threading.Event()
    lock = threading.Lock()
    samples = []		# (start, latency)
    bad = []

    def worker(k):
        i = k
        while not stop.is_set():
            uri, host, want = checks[i % len(checks)]
            i += 1
            t0 = time.monotonic()
            got = request(addr, uri, host)
            dt = time.monotonic() - t0
            with lock:
                samples.append((t0, dt))
                if got != want and len(bad) < 5:
                    bad.append("%s: '%s' (expected '%s')" % (uri, got, want))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    start = time.monotonic()
    for t in threads:
        t.start()
    windows = []
    copy = rules + ".copy"
    shutil.copyfile(rules, copy)
    for r in range(reloads):
        time.sleep(seconds / (reloads + 1))
        t0 = time.monotonic()
        tmp = rules + ".new"
        shutil.copyfile(copy, tmp)
        os.rename(tmp, rules)
        # The window: from the replacement for as long as a load and swap
        # can take (the process checks within a second, then loads).
        windows.append((t0, t0 + 6.0))
    # Run at least until the last reload window ends.
    time.sleep(max(0, start + seconds - time.monotonic(),
                   windows[-1][1] - time.monotonic() if windows else 0))
    stop.set()
    for t in threads:
        t.join()
    os.unlink(copy)
    elapsed = time.monotonic() - start
    in_win = [dt for t0, dt in samples
              if any(w0 <= t0 <= w1 for w0, w1 in windows)]
    out_win = [dt for t0, dt in samples
               if not any(w0 <= t0 <= w1 for w0, w1 in windows)]

    def worst(v):
        return max(v) * 1000 if v else 0.0

    def pct(v, p):
        if not v:
            return 0.0
        v = sorted(v)
        return v[min(len(v) - 1, int(len(v) * p))] * 1000

    print("%d requests in %.1f s (%.0f/s) over %d connections, %d reloads; "
          "slowest answer during reloads %.1f ms (p99 %.1f ms), outside "
          "them %.1f ms (p99 %.1f ms)" % (
              len(samples), elapsed, len(samples) / elapsed, conns, reloads,
              worst(in_win), pct(in_win, 0.99), worst(out_win),
              pct(out_win, 0.99)))
    print("PAUSE_MS=%.1f" % worst(in_win))
    if bad:
        print("wrong answers: " + "; ".join(bad))
        return 1
    return 0


def cmd_either(a):
    if len(a) < 6:
        usage()
    addr, conns, seconds = a[0], int(a[1]), float(a[2])
    checks = [(uri, host, answers.split("|"))
              for uri, host, answers in triples(a[3:])]
    stop = threading.Event()
    lock = threading.Lock()
    counts = {}		# alternative index (or "wrong") -> answers
    bad = []

    def worker(k):
        i = k
        while not stop.is_set():
            uri, host, answers = checks[i % len(checks)]
            i += 1
            got = request(addr, uri, host)
            which = answers.index(got) if got in answers else "wrong"
            with lock:
                counts[which] = counts.get(which, 0) + 1
                if which == "wrong" and len(bad) < 5:
                    bad.append("%s: '%s' (expected %s)" % (
                        uri, got, " or ".join("'%s'" % x for x in answers)))

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = [threading.Thread(target=worker, args=(k,))
               for k in range(conns)]
    start = time.monotonic()
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    n = sum(counts.values())
    print("%d requests in %.1f s (%.0f/s) over %d connections; answers by "
          "alternative: %s; wrong: %d" % (
              n, elapsed, n / elapsed, conns,
              ", ".join("#%d %d" % (i + 1, counts.get(i, 0))
                        for i in range(max(len(c[2]) for c in checks))),
              counts.get("wrong", 0)))
    if bad:
        print("wrong answers: " + "; ".join(bad))
    return 0 if n > 0 and not bad else 1


FCGI_GET_VALUES = 9
FCGI_MANAGEMENT_UNKNOWN = 200	# no record type of the specification


def begin_record(req_id=1):
    return record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", FCGI_RESPONDER, 0),
                  req_id)


def hostile_bytes(kind, count, size):
    """The bytes a hostile peer sends for KIND (see the usage)."""
    ordinary = encode_params(cgi_params("/a", "localhost"))
    if kind == "getvalues":
        # libfcgi copies the names into a 64-byte buffer on its stack.
        names = [b"FCGI_MAX_CONNS", b"FCGI_MAX_REQS", b"FCGI_MPXS_CONNS"] * 3
        return record(FCGI_GET_VALUES,
                      encode_params([(n, b"") for n in names]), 0)
    if kind == "biglen":
        pair = struct.pack(">II", 0xC0000000, 0xC0000000) + b"abcdefgh"
        return begin_record() + record(FCGI_PARAMS, pair) + \
            record(FCGI_PARAMS, b"") + record(FCGI_STDIN, b"")
    if kind == "unknown":
        return record(FCGI_MANAGEMENT_UNKNOWN, b"", 0) * count
    if kind == "bigparams":
        # Not ended (no empty FCGI_PARAMS): a server that reads it all
        # holds it while it waits for the rest.
        big = encode_params([(b"HTTP_X_BIG", b"x" * size)])
        return begin_record() + params_records(ordinary + big)
    if kind == "otherid":
        return begin_record(1) + record(FCGI_PARAMS, ordinary, 2) + \
            record(FCGI_PARAMS, b"", 2) + record(FCGI_STDIN, b"", 2)
    if kind == "stdin-early":
        return begin_record() + record(FCGI_PARAMS, ordinary) + \
            record(FCGI_STDIN, b"a=1") + record(FCGI_PARAMS, b"") + \
            record(FCGI_STDIN, b"")
    return None


def rss_kb(pids):
    """The largest VmRSS of the processes, in kB (0 for none)."""
    best = 0
    for pid in pids:
        try:
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        best = max(best, int(line.split()[1]))
        except OSError:
            pass
    return best


def exchange(addr, data, timeout, sample=None):
    """Send data (from a thread, so that a server that answers early is
    read meanwhile) and read until the server closes, ends a request
    (FCGI_END_REQUEST) or `timeout` seconds pass.  Returns (outcome,
    seconds, detail): outcome "closed" (EOF or reset, no record
    received), "answered" (detail: the summary of the FCGI_STDOUT),
    "records" (records other than an answer, detail: their types) or
    "open" (neither within the time); detail says whether all of data
    was sent.  `sample`, when given, is called every 50 ms meanwhile."""
    s = connect(addr, timeout)
    start = time.monotonic()
    sent = {"n": 0}

    def send():
        # In one call, as a web server writes the request it has built
        # (a Unix socket holds less unread data when it comes in pieces).
        try:
            s.sendall(data)
            sent["n"] = len(data)
        except OSError:
            pass

    t = threading.Thread(target=send, daemon=True)
    t.start()
    buf, out, types = bytearray(), bytearray(), []
    try:
        while True:
            left = start + timeout - time.monotonic()
            if left <= 0:
                return "open", time.monotonic() - start, \
                    ("all sent" if sent["n"] else "not all sent") + \
                    ("; records of types %s received" % sorted(set(types))
                     if types else "")
            s.settimeout(min(left, 0.05))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                if sample is not None:
                    sample()
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if types:
                    return "records", time.monotonic() - start, \
                        "types %s" % sorted(set(types))
                return "closed", time.monotonic() - start, \
                    "all sent" if sent["n"] else "not all sent"
            buf += chunk
            while len(buf) >= 8:
                _, rtype, _, clen, pad, _ = struct.unpack(">BBHHBB", buf[:8])
                if len(buf) < 8 + clen + pad:
                    break
                content = bytes(buf[8:8 + clen])
                del buf[:8 + clen + pad]
                types.append(rtype)
                if rtype == FCGI_STDOUT:
                    out += content
                elif rtype == FCGI_END_REQUEST:
                    return "answered", time.monotonic() - start, \
                        summary(bytes(out))
    finally:
        s.close()


def options(a, names):
    """Split --NAME VALUE options (names: {name: default}) from a."""
    got, pos, i = dict(names), [], 0
    while i < len(a):
        if a[i].startswith("--") and a[i][2:] in names and i + 1 < len(a):
            got[a[i][2:]] = type(names[a[i][2:]])(a[i + 1])
            i += 2
        else:
            pos.append(a[i])
            i += 1
    return got, pos


def cmd_hostile(a):
    o, pos = options(a, {"count": 300000, "size": 8 << 20, "timeout": 5.0,
                         "rss": ""})
    if len(pos) != 2:
        usage()
    addr, kind = pos
    data = hostile_bytes(kind, o["count"], o["size"])
    if data is None:
        usage()
    pids = [p for p in o["rss"].split(",") if p]
    peak = [rss_kb(pids)]

    def sample():
        peak[0] = max(peak[0], rss_kb(pids))

    try:
        outcome, took, detail = exchange(addr, data, o["timeout"], sample)
    except OSError as e:
        print("%s: connect: %s" % (kind, e))
        return 1
    sample()
    print("%s (%d bytes): %s after %.2f s (%s)" % (
        kind, len(data), outcome, took, detail))
    if pids:
        print("RSS_KB=%d" % peak[0])
    if outcome == "closed":
        return 0
    return 0 if kind == "bigparams" and outcome == "answered" and \
        detail.startswith("400 ") else 1


def cmd_refused(a):
    o, pos = options(a, {"timeout": 3.0})
    if len(pos) != 1:
        usage()
    data = begin_record() + \
        params_records(encode_params(cgi_params("/a", "localhost"))) + \
        record(FCGI_PARAMS, b"") + record(FCGI_STDIN, b"")
    try:
        outcome, took, detail = exchange(pos[0], data, o["timeout"])
    except OSError as e:
        print("connect: %s" % e)
        return 1
    print("%s after %.2f s (%s)" % (outcome, took, detail))
    return 0 if outcome == "closed" else 1


STALL_BYTES = {"idle": b"", "bytes3": b"\x01\x01\x00",
               "begin": begin_record()}


def held(addr, kind):
    s = connect(addr, 10)
    if STALL_BYTES[kind]:
        s.sendall(STALL_BYTES[kind])
    return s


def closed_within(s, start, limit):
    """Seconds after `start` at which the server closed s (EOF or reset),
    waiting until start + limit; None when it did not."""
    while True:
        left = start + limit - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            if not s.recv(4096):
                return time.monotonic() - start
        except socket.timeout:
            return None
        except ConnectionResetError:
            return time.monotonic() - start


def cmd_stall(a):
    if len(a) != 7 or a[2] not in STALL_BYTES:
        usage()
    addr, n, kind, within = a[0], int(a[1]), a[2], float(a[3])
    uri, host, want = a[4:]
    start = time.monotonic()
    conns = [held(addr, kind) for _ in range(n)]
    time.sleep(0.2)		# let the workers take them
    t0 = time.monotonic()
    got = request(addr, uri, host, timeout=within + 2)
    answered = time.monotonic() - t0
    closed = [closed_within(c, start, within + 0.5) for c in conns]
    for c in conns:
        c.close()
    shown = ", ".join("never" if c is None else "%.2f s" % c for c in closed)
    print("%d held connection(s) (%s) closed by the server: %s; the request "
          "got '%s' after %.2f s" % (n, kind, shown, got, answered))
    ok = got == want and answered <= within and \
        all(c is not None and c <= within for c in closed)
    return 0 if ok else 1


def cmd_hold(a):
    if len(a) != 3 or a[1] not in STALL_BYTES:
        usage()
    start = time.monotonic()
    s = held(a[0], a[1])
    print("connected, sent %s" % a[1], flush=True)
    took = closed_within(s, start, float(a[2]))
    s.close()
    if took is None:
        print("still open after %s s" % a[2])
        return 1
    print("closed by the server after %.2f s" % took)
    return 0


def cmd_noread(a):
    if len(a) != 5:
        usage()
    addr, within, uri, host, want = a[0], float(a[1]), a[2], a[3], a[4]
    s = connect(addr, 10)
    s.sendall(begin_record() +
              params_records(encode_params(cgi_params(uri, host))) +
              record(FCGI_PARAMS, b"") + record(FCGI_STDIN, b""))
    time.sleep(0.05)
    t0 = time.monotonic()
    got = request(addr, uri, host, timeout=within + 3)
    took = time.monotonic() - t0
    s.close()
    print("with a connection that never reads its answer nor closes, the "
          "next request got '%s' after %.2f s" % (got, took))
    return 0 if got == want and took <= within else 1


def cmd_pieces(a):
    if len(a) != 7:
        usage()
    addr, size, piece, within = a[0], int(a[1]), int(a[2]), float(a[3])
    uri, host, want = a[4:]
    data = begin_record() + params_records(encode_params(
        cgi_params(uri, host, [("HTTP_X_BIG", "x" * size)]))) + \
        record(FCGI_PARAMS, b"") + record(FCGI_STDIN, b"")
    try:
        s = connect(addr, within)
    except OSError as e:
        print("connect: %s" % e)
        return 1
    t0 = time.monotonic()

    def send():
        try:
            for i in range(0, len(data), piece):
                s.sendall(data[i:i + piece])
        except OSError:
            pass

    threading.Thread(target=send, daemon=True).start()
    try:
        got = summary(read_answer(s))
    except (OSError, Incomplete) as e:
        got = "ERR %s" % e
    took = time.monotonic() - t0
    s.close()
    print("a request with a header of %d bytes, written %d bytes at a time, "
          "got '%s' after %.2f s" % (size, piece, got, took))
    return 0 if got == want and took <= within else 1


def main():
    if len(sys.argv) < 2:
        usage()
    cmds = {"get": cmd_get, "until": cmd_until, "steady": cmd_steady,
            "midreq": cmd_midreq, "hup": cmd_hup, "hupload": cmd_hupload,
            "halfwrite": cmd_halfwrite, "slowwrite": cmd_slowwrite,
            "pause": cmd_pause, "either": cmd_either,
            "hostile": cmd_hostile,
            "refused": cmd_refused, "stall": cmd_stall, "hold": cmd_hold,
            "noread": cmd_noread, "pieces": cmd_pieces}
    if sys.argv[1] not in cmds:
        usage()
    sys.exit(cmds[sys.argv[1]](sys.argv[2:]))


if __name__ == "__main__":
    main()
