# What the agent does when bootherd tells it to: hold, reboot and poweroff;
# rescue is lib/rescue.sh, install lib/install.sh.

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

# do_rescue lives in rescue.sh, do_install in install.sh.
