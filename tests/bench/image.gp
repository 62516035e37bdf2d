# tests/bench/image.gp: the plot of the image part of `make bench`,
# build/bench/image.png.
#
#   gnuplot -e "dir='build/bench'" tests/bench/image.gp
#
# Left: ms a request against the number of map entries (log x, log y),
# for fcgi-redirect run as CGI with its image, without it, and the first
# request that writes it, and through Apache mod_cgid with the image
# against Apache's own Redirect lines in .htaccess.  Right: the sum of the
# FastCGI processes' Pss against their number, at 1,000,000 entries.  The
# data are dir/plot-image-cgi.dat and dir/plot-image-mem.dat
# (tests/bench/report.py: one block per line, its title first).

if (!exists("dir")) dir = "build/bench"
set terminal pngcairo size 1240,680 font "sans,11"
set output dir."/image.png"
set multiplot layout 1,2 title "The compiled image: CGI time and shared memory (2 cores)" font "sans,13"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key inside top left Left font "sans,10" samplen 2 spacing 1.1 box opaque noenhanced
set style data linespoints
set linetype 1 lc rgb "#7b2cbf"
set linetype 2 lc rgb "#2a9d5c"
set linetype 3 lc rgb "#1f77b4"
set linetype 4 lc rgb "#e07b00"
set linetype 5 lc rgb "#d62728"
set linetype 6 lc rgb "#17becf"
set linetype 7 lc rgb "#555555"
set linetype cycle 7

set title "ms a request, the last map entry asked"
set logscale xy
set xrange [0.5:3e6]
set format x "10^{%T}"
set xlabel "map entries" offset 0,0.3
set yrange [0.1:1e4]
set format y "%g"
set ylabel "ms a request (median)"
plot for [i=0:4] dir."/plot-image-cgi.dat" index i using 1:2 \
	title columnheader(1) lw 2 pt (i % 7 + 4) ps 1.3

set title "FastCGI processes at 1,000,000 map entries"
unset logscale
set logscale y
set xrange [0.5:4.5]
set xtics 1
set mxtics 1
set format x "%g"
set format y "%g"
set xlabel "processes" offset 0,0.3
set yrange [1:3000]
set ylabel "sum of Pss, MiB"
plot for [i=0:3] dir."/plot-image-mem.dat" index i using 1:2 \
	title columnheader(1) lw 2 pt (i % 7 + 4) ps 1.3
unset multiplot
