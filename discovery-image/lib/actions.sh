# What the agent does when bootherd tells it to: hold, reboot, poweroff,
# rescue; install is in install.sh.

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

# start_rescue_shell: a root shell on the console and telnetd on port 23, once.
start_rescue_shell() {
	[ -e "$WORK/rescue-started" ] && return
	: >"$WORK/rescue-started"
	[ -n "$BOOTHERD_NOEXEC" ] && return
	setsid sh -c 'exec cttyhack sh -l </dev/console >/dev/console 2>&1' &
	command -v telnetd >/dev/null && telnetd -l /bin/sh
	log "rescue: shell on the console$(command -v telnetd >/dev/null && echo ', telnetd on port 23')"
}

# do_rescue ANSWER: starts the rescue shell, reports the address, waits pollSeconds.
do_rescue() {
	start_rescue_shell
	if [ ! -e "$WORK/rescue-reported" ]; then
		report "{\"kind\":\"rescue-ready\",\"address\":$(json_str_or_null "$(first_line "$R/run/bootherd/ip")")}" 5 &&
			: >"$WORK/rescue-reported"
	fi
	sleep "$(poll_seconds "$1")"
}

# do_install lives in install.sh.
