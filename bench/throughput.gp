# bench/throughput.gp - throughput against message size, log-log, one line per transport.
# gnuplot -e "dat='DIR/plotdata'; out='DIR'" bench/throughput.gp  (bench/run.py writes the data)
list = dat.'/tput.list'
n = int(system('wc -l < '.list))
file(i) = dat.'/'.system(sprintf("sed -n '%dp' '%s' | cut -f1", i, list))
name(i) = system(sprintf("sed -n '%dp' '%s' | cut -f2", i, list))
set terminal pngcairo size 1400,900 noenhanced font ',11'
set logscale xy
set format y '%g'
# 16 distinguishable line types: the cycle of 8 default colours would pair transports up
colors = "#000000 #e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #a65628 #f781bf #999999 #1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #17becf"
do for [i=1:16] { d = (i > 8 ? 2 : 1); set linetype i lc rgb word(colors, i) dt d pt i }
set grid
set key outside right top
set xtics ("8" 8, "64" 64, "256" 256, "1K" 1024, "4K" 4096, "64K" 65536, "1M" 1048576, "8M" 8388608)
set xlabel 'message size (bytes)'
set output out.'/throughput_msgs.png'
set title 'Throughput, producer process -> consumer process (median, bars: min..max)'
set ylabel 'million messages per second'
plot for [i=1:n] file(i) using 1:2:3:4 with yerrorlines lw 2 title name(i)
set output out.'/throughput_bandwidth.png'
set title 'Bandwidth, producer process -> consumer process (median, bars: min..max)'
set ylabel 'MB/s (10^6 bytes)'
plot for [i=1:n] file(i) using 1:5:6:7 with yerrorlines lw 2 title name(i)
