#!/bin/sh
# The bootherd discovery agent: posts the inventory, then polls for work.
# `agent.sh inventory|json-str VALUE|json-get KEY` run one pure part (host-side tests).
# Test knobs: BOOTHERD_ROOT (fake /proc, /sys, /dev), BOOTHERD_CONSOLE (log file, - for stderr),
# BOOTHERD_MAX_ITER (stop after N requests), BOOTHERD_NOEXEC (never reboot/poweroff, no console
# shell, dropbear's command line logged instead of run), BOOTHERD_DROPBEAR / BOOTHERD_DROPBEARKEY.

LIB=${BOOTHERD_LIB:-${0%/*}/lib}
for f in json disk inventory disks http actions rescue install; do . "$LIB/$f.sh"; done
WORK="$R/run/bootherd"

# Reads bootherd.url=, bootherd.token= and bootherd.mode= from the kernel command line.
read_cmdline() {
	local w
	set -f
	for w in $(cat "$R/proc/cmdline" 2>/dev/null); do
		case $w in
			bootherd.url=*) BOOTHERD_URL=${w#*=} ;;
			bootherd.token=*) BOOT_TOKEN=${w#*=} ;;
			bootherd.mode=*) BOOTHERD_MODE=${w#*=} ;;
		esac
	done
	set +f
	BOOTHERD_URL=${BOOTHERD_URL%/}
	BOOTHERD_MODE=${BOOTHERD_MODE:-discovery}
}

# Posts the inventory until bootherd answers with a node id and an agent token.
discover() {
	local inv answer
	while :; do
		inv=$(build_inventory)
		tick
		if answer=$(http_req POST /api/v1/discovery "$inv" "$BOOT_TOKEN"); then
			NODE_ID=$(printf '%s' "$answer" | json_get nodeId)
			AGENT_TOKEN=$(printf '%s' "$answer" | json_get token)
			if matches "$NODE_ID" '[A-Za-z0-9._:-]{1,128}' && matches "$AGENT_TOKEN" '[A-Za-z0-9._~+/=-]{1,512}'; then
				backoff_reset
				log "enrolled as node $NODE_ID"
				DISCOVERY_ANSWER=$answer
				return 0
			fi
			backoff_wait "discovery answer without nodeId/token"
		else
			backoff_wait "discovery failed ($(http_error))"
		fi
	done
}

# Runs one action answer; fails when the answer names none it knows.
dispatch() {
	local action
	action=$(printf '%s' "$1" | json_get action)
	case $action in
		hold) do_hold "$1" ;;
		reboot | poweroff) do_power "$action" ;;
		install) do_install "$1" ;;
		rescue) do_rescue "$1" ;;
		*) return 1 ;;
	esac
}

# Polls /agent/next forever; after 5 failures in a row it enrolls again (new token).
poll_loop() {
	local answer fails=0
	while :; do
		tick
		if answer=$(http_req GET /api/v1/agent/next "" "$AGENT_TOKEN") && dispatch "$answer"; then
			backoff_reset
			fails=0
			continue
		fi
		fails=$((fails + 1))
		backoff_wait "no usable next action ($(http_error))"
		: >"$WORK/http.err"
		[ $fails -ge 5 ] && { discover; fails=0; }
	done
}

main() {
	mkdir -p "$WORK"
	read_cmdline
	log "starting (mode $BOOTHERD_MODE, server ${BOOTHERD_URL:-none})"
	[ "$BOOTHERD_MODE" = rescue ] && start_rescue_console
	while [ -z "$BOOTHERD_URL" ]; do
		log "no bootherd.url= on the kernel command line"
		tick
		backoff_wait "nothing to talk to"
	done
	discover
	case $(printf '%s' "$DISCOVERY_ANSWER" | json_get action) in
		'' | hold) ;;
		*) dispatch "$DISCOVERY_ANSWER" ;;
	esac
	poll_loop
}

case ${1:-run} in
	inventory) build_inventory ;;
	json-str) json_str "$2" ;;
	json-get) json_get "$2" ;;
	run) main ;;
	*) echo "usage: agent.sh [run|inventory|json-str VALUE|json-get KEY]" >&2; exit 2 ;;
esac
