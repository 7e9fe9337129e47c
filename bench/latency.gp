# bench/latency.gp - round-trip and wake-up percentiles per transport (log scale).
set terminal pngcairo size 1200,700 noenhanced font ',11'
set logscale y
set format y '%g'
set grid ytics
set key top left
set xtics rotate by -30
set offsets 0.5, 0.5, 0, 0
set ylabel 'nanoseconds'
set output out.'/latency.png'
set title 'Ping-pong round trip, 8-byte messages (p50 with min..max of the runs, p99, p99.9)'
plot dat.'/latency.dat' using 0:2:3:4:xtic(1) with yerrorbars pt 7 ps 1.5 title 'p50', \
     '' using 0:5 with points pt 5 ps 1.3 title 'p99', \
     '' using 0:6 with points pt 9 ps 1.3 title 'p99.9'
set output out.'/wake.png'
set title 'Wake-up of a sleeping consumer, send to receive (p50 with min..max of the runs, p99, p99.9)'
plot dat.'/wake.dat' using 0:2:3:4:xtic(1) with yerrorbars pt 7 ps 1.5 title 'p50', \
     '' using 0:5 with points pt 5 ps 1.3 title 'p99', \
     '' using 0:6 with points pt 9 ps 1.3 title 'p99.9'
