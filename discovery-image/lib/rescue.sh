# The rescue system: a root shell on the console, and SSH (dropbear from
# Debian's dropbear-bin) that takes only the public keys bootherd hands out
# (rescue.authorizedKeys) over the agent-token-authenticated endpoint. No
# password logins, no unauthenticated shell on the network.

DROPBEAR=${BOOTHERD_DROPBEAR:-/usr/sbin/dropbear}
DROPBEARKEY=${BOOTHERD_DROPBEARKEY:-/usr/bin/dropbearkey}
SSH_PORT=${BOOTHERD_SSH_PORT:-22}

# start_rescue_console: a root shell on the console, once.
start_rescue_console() {
	[ -e "$WORK/console-started" ] && return
	: >"$WORK/console-started"
	[ -n "$BOOTHERD_NOEXEC" ] && return
	setsid sh -c 'exec cttyhack sh -l </dev/console >/dev/console 2>&1' &
	log "rescue: root shell on the console"
}

# fetch_rescue_keys: the authorized keys into /root/.ssh/authorized_keys; fails when there are none.
fetch_rescue_keys() {
	local keys
	keys=$(http_req GET /api/v1/agent/rescue-keys "" "$AGENT_TOKEN") || { log "rescue: no keys from bootherd ($(http_error))"; return 1; }
	mkdir -p "$R/root/.ssh"
	chmod 700 "$R/root" "$R/root/.ssh"
	printf '%s\n' "$keys" | grep -E '^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+/]+=* ?[ -~]*$' >"$R/root/.ssh/authorized_keys.new"
	chmod 600 "$R/root/.ssh/authorized_keys.new"
	mv "$R/root/.ssh/authorized_keys.new" "$R/root/.ssh/authorized_keys"
	[ -s "$R/root/.ssh/authorized_keys" ] || { log "rescue: rescue.authorizedKeys is empty: SSH stays off, console only"; return 1; }
}

# start_sshd: an ed25519 host key, root in /etc/passwd, dropbear on port 22 with keys only; sets HOST_KEY.
start_sshd() {
	local key="$R/etc/dropbear/dropbear_ed25519_host_key"
	[ -x "$DROPBEARKEY" ] || { log "rescue: $DROPBEARKEY missing from this image"; return 1; }
	mkdir -p "$R/etc/dropbear"
	grep -q '^root:' "$R/etc/passwd" 2>/dev/null || echo 'root:x:0:0:root:/root:/bin/sh' >>"$R/etc/passwd"
	grep -q '^root:' "$R/etc/group" 2>/dev/null || echo 'root:x:0:' >>"$R/etc/group"
	[ -s "$key" ] || "$DROPBEARKEY" -t ed25519 -f "$key" >/dev/null 2>&1 || { log "rescue: dropbearkey failed"; return 1; }
	HOST_KEY=$("$DROPBEARKEY" -y -f "$key" 2>/dev/null | grep -E '^ssh-ed25519 ' | cut -d' ' -f1,2)
	[ -n "$HOST_KEY" ] || return 1
	[ -e "$WORK/sshd-started" ] && return 0
	set -- "$DROPBEAR" -r "$key" -p "$SSH_PORT" -s -g -j -k -P "$WORK/dropbear.pid"
	if [ -n "$BOOTHERD_NOEXEC" ]; then
		log "rescue: BOOTHERD_NOEXEC set: not running $*"
	else
		"$@" || { log "rescue: dropbear did not start"; return 1; }
	fi
	: >"$WORK/sshd-started"
	log "rescue: SSH on port $SSH_PORT, host key $HOST_KEY"
}

# do_rescue ANSWER: console shell, keys, SSH, one rescue-ready report; then waits pollSeconds.
do_rescue() {
	start_rescue_console
	if [ ! -e "$WORK/rescue-reported" ] && fetch_rescue_keys && start_sshd; then
		report "{\"kind\":\"rescue-ready\",\"ssh\":$(json_str "$(first_line "$R/run/bootherd/ip"):$SSH_PORT"),\"hostKey\":$(json_str "$HOST_KEY")}" 5 &&
			: >"$WORK/rescue-reported"
	fi
	sleep "$(poll_seconds "$1")"
}
