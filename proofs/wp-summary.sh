#!/bin/sh
# wp-summary.sh LOG FUNCTIONS : per-function and total goal counts from a Frama-C WP log.
# FUNCTIONS is the comma-separated -wp-fct list. Prints "name  N/N goals proved" for each function
# and the total; exits 1 if any goal is not Valid, if a function has no goal, or if the count of
# goals seen differs from WP's own "Proved goals" total (so nothing unproved can slip through).
log=$1; fcts=$2
awk -v fcts="$fcts" '
BEGIN { n = split(fcts, F, ","); bad = 0 }
/^\[wp\] .*Goal typed_/ {
    line = $0
    sub(/^.*Goal typed_/, "", line)
    goal = line; sub(/ : .*$/, "", goal); sub(/ *$/, "", goal)
    st = line; sub(/^[^:]* : /, "", st); sub(/ .*$/, "", st)
    if ($0 ~ /\[Failed\]/) st = "Failed"
    best = ""
    for (i = 1; i <= n; i++) {
        f = F[i]; g = f; sub(/^shmpc__/, "shmpc_", g)  # WP writes "__" as "_" in most goal names
        if (index(goal, f "_") == 1 && length(f) > length(best)) { best = f; bf = F[i] }
        if (index(goal, g "_") == 1 && length(g) > length(best)) { best = g; bf = F[i] }
    }
    if (best == "") { bf = "(other)" }
    total[bf]++; seen++
    if (st == "Valid") { ok[bf]++; proved++ } else { bad = 1; failed[++nf] = goal " : " st }
}
/^\[wp\] Proved goals:/ { wp_proved = $4; wp_total = $6 }
END {
    for (i = 1; i <= n; i++) {
        f = F[i]
        if (total[f] == 0) { printf("  %-22s no goals (not analysed?)\n", f); bad = 1; continue }
        printf("  %-22s %3d/%-3d goals proved\n", f, ok[f] + 0, total[f])
    }
    if (total["(other)"] > 0) printf("  %-22s %3d/%-3d goals proved\n", "(other)", ok["(other)"] + 0, total["(other)"])
    for (i = 1; i <= nf; i++) printf("  NOT PROVED: %s\n", failed[i])
    if (wp_total == "" || wp_total != seen || wp_proved != proved) {
        printf("  WP reported %s/%s goals, the log shows %d/%d: incomplete run\n", wp_proved, wp_total, proved, seen); bad = 1
    }
    printf("total: %d/%d goals proved\n", proved, seen)
    exit bad
}' "$log"
