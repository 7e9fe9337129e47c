# bench/mpmc.gp - MPMC scaling: throughput per producers x consumers configuration.
set terminal pngcairo size 1100,700 noenhanced font ',11'
set logscale y
set format y '%g'
colors = "#e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #a65628 #f781bf #999999 #1b9e77 #d95f02 #7570b3 #e7298a"
do for [i=1:12] { d = (i > 6 ? 2 : 1); set linetype i lc rgb word(colors, i) dt d }
set grid
set key outside right top
set offsets 0.3, 0.3, 0, 0
set xlabel 'producer processes x consumer processes (64-byte messages)'
set ylabel 'million messages per second'
set title 'MPMC scaling (median of the runs)'
set output out.'/mpmc.png'
plot for [i=2:ntr+1] dat.'/mpmc.dat' using 0:i:xtic(1) with linespoints lw 2 pt 7 title columnheader(i)
