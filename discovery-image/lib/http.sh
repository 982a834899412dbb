# HTTP to bootherd with busybox wget, plus the retry pacing: exponential
# backoff (1, 2, 4, ... capped at 30 s) with up to 25 % jitter.

BACKOFF=1
ITER=0
HTTP_TIMEOUT=${BOOTHERD_HTTP_TIMEOUT:-30}

# log MSG...: one agent line on the console (BOOTHERD_CONSOLE=- means stderr).
log() {
	if [ "$BOOTHERD_CONSOLE" = - ]; then
		echo "bootherd-agent: $*" >&2
	else
		echo "bootherd-agent: $*" >>"${BOOTHERD_CONSOLE:-/dev/console}"
	fi
}

# http_req METHOD PATH BODY TOKEN: prints the answer body; fails on no answer or a non-2xx status.
http_req() {
	local method=$1 path=$2 body=$3 token=$4 out="$WORK/http.$$" rc
	set -- -q -O "$out" --header "Accept: application/json"
	[ -n "$token" ] && set -- "$@" --header "Authorization: Bearer $token"
	if [ "$method" = POST ]; then
		printf '%s' "$body" >"$WORK/post.$$"
		set -- "$@" --header "Content-Type: application/json" --post-file "$WORK/post.$$"
	fi
	rm -f "$out"
	timeout "$HTTP_TIMEOUT" wget "$@" "$BOOTHERD_URL$path" 2>"$WORK/http.err"
	rc=$?
	[ $rc -eq 0 ] && cat "$out"
	rm -f "$out" "$WORK/post.$$"
	[ $rc -eq 0 ] && : >"$WORK/http.err"
	return $rc
}

# http_error: the last failed request's error line. http_req usually runs in a
# $(...) subshell, so the error travels through a file, not a variable.
http_error() {
	local e
	e=$(tail -n 1 "$WORK/http.err" 2>/dev/null)
	printf '%s' "${e:-no answer}"
}

# backoff_wait REASON: sleeps the current backoff (with jitter), then doubles it.
backoff_wait() {
	local ms=$((BACKOFF * 1000 + RANDOM % (BACKOFF * 250 + 1)))
	log "$1; retrying in $((ms / 1000)).$(printf %03d $((ms % 1000)))s"
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	BACKOFF=$((BACKOFF * 2))
	[ $BACKOFF -gt 30 ] && BACKOFF=30
}

# backoff_reset: the server answered sensibly; start again at 1 s.
backoff_reset() {
	BACKOFF=1
}

# tick: counts one request; stops the agent after BOOTHERD_MAX_ITER of them (tests).
tick() {
	ITER=$((ITER + 1))
	if [ -n "$BOOTHERD_MAX_ITER" ] && [ "$ITER" -gt "$BOOTHERD_MAX_ITER" ]; then
		log "stopping after $BOOTHERD_MAX_ITER requests (BOOTHERD_MAX_ITER)"
		exit 0
	fi
}

# report BODY: posts one agent report; retries with backoff up to TRIES times (default 1).
report() {
	local tries=${2:-1}
	while [ "$tries" -gt 0 ]; do
		tick
		http_req POST /api/v1/agent/report "$1" "$AGENT_TOKEN" >/dev/null && { backoff_reset; return 0; }
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] && backoff_wait "report failed ($(http_error))"
	done
	log "report not delivered ($(http_error))"
	return 1
}
