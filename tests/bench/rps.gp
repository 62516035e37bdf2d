# tests/bench/rps.gp: the plot of `make bench`, build/bench/rps.png.
#
#   gnuplot -e "dir='build/bench'" tests/bench/rps.gp
#
# One panel per server: requests per second against the number of rules,
# both on log scales, one line per contender, from dir/plot-SERVER.dat
# (tests/bench/report.py: one block per contender, its title first;
# dir/plot-vars.gp names the servers measured and their block counts).
# Each point is the request that matches the LAST rule, the worst case for
# the modules that try their rules in turn, and the floor's mean; the regex
# sets are single points at 1,000 rules.

if (!exists("dir")) dir = "build/bench"
load dir."/plot-vars.gp"
panel(s) = s eq "lighttpd" ? "lighttpd 1.4 (wrk -t2 -c32)" : \
	s eq "nginx" ? "nginx 1.22 + spawn-fcgi (wrk -t2 -c32)" : \
	'Apache 2.4 + mod\_fcgid (wrk -t1 -c1)'
blocks(s) = s eq "lighttpd" ? n_lighttpd : s eq "nginx" ? n_nginx : n_apache
n = words(servers)

set terminal pngcairo size (n > 0 ? 620 * n : 620),680 font "sans,11"
set output dir."/rps.png"
if (n == 0) {
	set label "no server was measured" at screen 0.5,0.5 center
	unset border; unset tics
	plot [0:1] [0:1] NaN notitle
	exit
}
set multiplot layout 1,n title "Redirects per second through each server (the last rule matching; wrk on loopback, 2 cores)" font "sans,13"
set logscale xy
set xrange [0.5:3e6]
set format x "10^{%T}"
set format y "10^{%T}"
set xlabel "rules" offset 0,0.3
set ylabel "requests/s"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key inside top right Right font "sans,10" samplen 2 spacing 1.1 box opaque noenhanced
set offsets 0, 0, graph 0.45, graph 0.06
set style data linespoints
set linetype 1 lc rgb "#7b2cbf"
set linetype 2 lc rgb "#2a9d5c"
set linetype 3 lc rgb "#1f77b4"
set linetype 4 lc rgb "#e07b00"
set linetype 5 lc rgb "#d62728"
set linetype 6 lc rgb "#17becf"
set linetype 7 lc rgb "#555555"
set linetype cycle 7

do for [s in servers] {
	set title panel(s)
	f = dir."/plot-".s.".dat"
	plot for [i=0:blocks(s)-1] f index i using 1:2 \
		title columnheader(1) lw 2 pt (i % 7 + 4) ps 1.3
}
unset multiplot
