# What the agent does when bootherd tells it to: hold, reboot, poweroff and
# install (stream an image to a disk, verify its sha256); rescue is lib/rescue.sh.

# poll_seconds ANSWER: the answer's pollSeconds clamped to 1..3600, default 10.
poll_seconds() {
	local secs
	secs=$(printf '%s' "$1" | json_get pollSeconds)
	matches "$secs" '[0-9]{1,4}' || secs=10
	[ "$secs" -lt 1 ] && secs=1
	[ "$secs" -gt 3600 ] && secs=3600
	printf '%s' "$secs"
}

# do_hold ANSWER: heartbeat, then wait pollSeconds.
do_hold() {
	report '{"kind":"heartbeat"}'
	sleep "$(poll_seconds "$1")"
}

# do_power reboot|poweroff: leaves the discovery image (the test hook only logs).
do_power() {
	log "$1 requested by bootherd"
	if [ -n "$BOOTHERD_NOEXEC" ]; then
		log "BOOTHERD_NOEXEC set: not running $1"
		exit 0
	fi
	sync
	"$1" -f
	sleep 30
}

# resolve_disk NAME: /dev path of a disk given as sda, /dev/sda or a by-id name
# (no udev here, so a by-id name is matched against each disk's serial).
resolve_disk() {
	local d n s
	n=${1#/dev/}
	n=${n#disk/by-id/}
	[ -e "$R/sys/block/$n" ] && { printf '%s' "$R/dev/$n"; return 0; }
	for d in "$R"/sys/block/*; do
		s=$(disk_serial "$d")
		[ -n "$s" ] && case $n in *"$s"*) printf '%s' "$R/dev/${d##*/}"; return 0 ;; esac
	done
	return 1
}

# do_install ANSWER: streams imageUrl to the disk, verifies sha256, reports the outcome.
do_install() {
	local url sha disk dev
	url=$(printf '%s' "$1" | json_get imageUrl)
	sha=$(printf '%s' "$1" | json_get sha256 | tr 'A-F' 'a-f')
	disk=$(printf '%s' "$1" | json_get disk)
	matches "$url" 'https?://[^[:space:]]+' || { install_failed "bad imageUrl"; return; }
	matches "$sha" '[0-9a-f]{64}' || { install_failed "bad sha256"; return; }
	matches "$disk" '[A-Za-z0-9._:/+-]+' && dev=$(resolve_disk "$disk") || { install_failed "no disk '$disk'"; return; }
	log "install: writing $url to $dev"
	install_stream "$url" "$dev" || return
	blockdev --rereadpt "$dev" 2>/dev/null || partprobe "$dev" 2>/dev/null
	sleep 1
	report "{\"kind\":\"install-succeeded\",\"disk\":$(json_str "${dev##*/}"),\"bytes\":$INSTALL_BYTES,\"sha256\":\"$sha\",\"partitions\":$(inv_partitions "$R/sys/block/${dev##*/}" "${dev##*/}")}" 10
}

# install_stream URL DEV: wget | tee | dd onto the disk; the tee'd copy feeds
# sha256sum and a byte count; progress (dd's written bytes) every 5 s.
install_stream() {
	local f1="$WORK/install.sum.fifo" f2="$WORK/install.count.fifo" pid sumpid cntpid got n
	rm -f "$f1" "$f2" "$WORK/install.rc" "$WORK/install.sum" "$WORK/install.count"
	mkfifo "$f1" "$f2"
	wc -c <"$f2" >"$WORK/install.count" &
	cntpid=$!
	tee "$f2" <"$f1" | sha256sum >"$WORK/install.sum" &
	sumpid=$!
	{ wget -q -O - "$1"; echo $? >"$WORK/install.rc"; } | tee "$f1" | dd of="$2" bs=1M 2>/dev/null &
	pid=$!
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $((n % 5)) -eq 0 ] || continue
		got=$(sed -n 's/^wchar: //p' "/proc/$pid/io" 2>/dev/null)
		[ -n "$got" ] && report "{\"kind\":\"install-progress\",\"bytes\":$got}"
	done
	wait "$pid" "$sumpid" "$cntpid"
	sync
	INSTALL_BYTES=$(tr -dc 0-9 <"$WORK/install.count")
	INSTALL_BYTES=${INSTALL_BYTES:-0}
	report "{\"kind\":\"install-progress\",\"bytes\":$INSTALL_BYTES}"
	[ "$(cat "$WORK/install.rc" 2>/dev/null)" = 0 ] || { install_failed "download failed"; return 1; }
	got=$(cut -d' ' -f1 "$WORK/install.sum")
	[ "$got" = "$sha" ] || { install_failed "sha256 mismatch: got $got"; return 1; }
}

install_failed() {
	log "install failed: $1"
	report "{\"kind\":\"install-failed\",\"message\":$(json_str "$1")}" 10
}
