# traffic.awk - the awk peer of bench_traffic: the same per-day,
# per-domain sums as mail-traffic(8) over qmail-send and logout lines.
# First file: "<domain> <real domain>" per hosted domain; then maillog.
# Days are UTC (the benchmark runs both with TZ=UTC).  Output lines:
# "<yyyymmdd> <domain> <in> <out> <retr> <hits>".
FNR == NR { real[$1] = $2; next }
$7 == "info" && $8 == "msg" {
	n = $9; sub(/:$/, "", n)
	bytes[n] = $11
	s = $13; gsub(/[<>]/, "", s)
	if (s ~ /@/) { sub(/.*@/, "", s); s = tolower(s) } else s = ""
	sdom[n] = (s in real) ? real[s] : ""
	next
}
$7 == "starting" && $8 == "delivery" {
	d = $9; sub(/:$/, "", d); m = $11
	if (!(m in bytes)) { delete ddom[d]; next }
	if ($13 == "local") {
		a = $14; sub(/.*@/, "", a); a = tolower(a)
		ddom[d] = (a in real) ? real[a] : a; dout[d] = 0
	} else if (sdom[m] != "") {
		ddom[d] = sdom[m]; dout[d] = 1
	} else { delete ddom[d]; next }
	dbytes[d] = bytes[m]
	next
}
$7 == "delivery" {
	d = $8; sub(/:$/, "", d)
	if (!(d in ddom)) next
	if ($9 == "success:") {
		k = strftime("%Y%m%d", int($6), 1) " " ddom[d]
		if (dout[d]) out[k] += dbytes[d]; else inb[k] += dbytes[d]
		hits[k]++
	}
	delete ddom[d]
	next
}
$7 == "end" && $8 == "msg" { delete bytes[$9]; delete sdom[$9]; next }
$7 == "status:" && $8 == "exiting" { split("", ddom); next }
$7 == "logout" && ($8 == "pop3" || $8 == "imap") {
	a = $9; gsub(/[<>]/, "", a); sub(/.*@/, "", a); a = tolower(a)
	if (a in real) a = real[a]
	k = strftime("%Y%m%d", int($6), 1) " " a
	retr[k] += $15; hits[k] += $13
	next
}
END {
	for (k in hits) print k, inb[k] + 0, out[k] + 0, retr[k] + 0, hits[k]
}
