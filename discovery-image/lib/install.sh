# The install action: stream an image onto a disk named by a stable id,
# decompressing (gzip, xz) on the way; refuse a disk smaller than the image
# before writing anything; after sync read the written range back from the
# disk and check it; report progress in percent and the new partitions.

# resolve_disk ID: the /dev path of the disk whose serial is ID (or is part of
# a by-id name such as usb-SanDisk_Ultra_Fit_<serial>-0:0), or /dev/disk/by-path/ID.
# A bare kernel name (sda) is refused: it may name another disk next boot.
resolve_disk() {
	local id=${1#/dev/disk/by-id/} d s best= bestlen=0
	id=${id#/dev/disk/by-path/}
	if [ -e "$R/dev/disk/by-path/$id" ]; then
		d=$(readlink -f "$R/dev/disk/by-path/$id") && { printf '%s' "$d"; return 0; }
	fi
	for d in "$R"/sys/block/*; do
		s=$(disk_serial "$d")
		[ -n "$s" ] || continue
		[ "$s" = "$id" ] && { printf '%s' "$R/dev/${d##*/}"; return 0; }
		case $id in *"$s"*) [ ${#s} -gt $bestlen ] && { best="$R/dev/${d##*/}"; bestlen=${#s}; } ;; esac
	done
	[ -n "$best" ] && { printf '%s' "$best"; return 0; }
	return 1
}

# disk_bytes DEV: the size of the disk in bytes, from sysfs.
disk_bytes() {
	local n
	n=$(first_line "$R/sys/block/${1##*/}/size")
	matches "$n" '[0-9]+' && printf '%s' $((n * 512))
}

# do_install ANSWER: checks, streams, verifies, reads back, reports.
do_install() {
	local url sha disk dev size comp have
	url=$(printf '%s' "$1" | json_get imageUrl)
	sha=$(printf '%s' "$1" | json_get sha256 | tr 'A-F' 'a-f')
	disk=$(printf '%s' "$1" | json_get disk)
	size=$(printf '%s' "$1" | json_get sizeBytes)
	comp=$(printf '%s' "$1" | json_get compression)
	case $url in /*) url="$BOOTHERD_URL$url" ;; esac
	matches "$url" 'https?://[^[:space:]]+' || { install_failed "bad imageUrl"; return; }
	matches "$sha" '[0-9a-f]{64}' || { install_failed "bad sha256"; return; }
	matches "$size" '[0-9]+' || size=
	case ${comp:-none} in none | gzip | xz) ;; *) install_failed "unknown compression '$comp'"; return ;; esac
	matches "$disk" '[A-Za-z0-9._:+@-]+' && dev=$(resolve_disk "$disk") || { install_failed "no disk with the stable id '$disk' (serial or by-path name)"; return; }
	have=$(disk_bytes "$dev")
	if [ -n "$size" ] && [ -n "$have" ] && [ "$size" -gt "$have" ]; then
		install_failed "disk $disk (${dev##*/}) is too small: the image is $size bytes, the disk $have bytes; nothing was written"
		return
	fi
	log "install: writing $url (${comp:-none}) to $dev ($disk)"
	# A failed install was reported: the action is done, the agent goes on polling.
	install_stream "$url" "$dev" "${comp:-none}" "$size" || return 0
	install_readback "$dev" || return 0
	blockdev --rereadpt "$dev" 2>/dev/null || partprobe "$dev" 2>/dev/null
	sleep 1
	report "{\"kind\":\"install-succeeded\",\"disk\":$(json_str "${dev##*/}"),\"bytes\":$INSTALL_BYTES,\"sha256\":\"$sha\",\"partitions\":$(inv_partitions "$R/sys/block/${dev##*/}" "${dev##*/}")}" 10
}

# decompress KIND: stdin to stdout.
decompress() {
	case $1 in
		gzip) gunzip -c ;;
		xz) unxz -c ;;
		*) cat ;;
	esac
}

# install_stream URL DEV COMPRESSION SIZE: wget | tee(sha256 of the file) |
# decompress | tee(sha256 and count of what is written) | dd onto the disk;
# progress (bytes written, percent of SIZE) every 5 s.
install_stream() {
	local w="$WORK/install" pid got n pct auth=
	rm -rf "$w"
	mkdir -p "$w"
	mkfifo "$w/file.fifo" "$w/raw.fifo" "$w/count.fifo"
	sha256sum <"$w/file.fifo" >"$w/file.sum" &
	wc -c <"$w/count.fifo" >"$w/raw.count" &
	tee "$w/count.fifo" <"$w/raw.fifo" | sha256sum >"$w/raw.sum" &
	case $1 in "$BOOTHERD_URL"/*) auth="Authorization: Bearer $AGENT_TOKEN" ;; esac
	{ wget -q -O - ${auth:+--header "$auth"} "$1"; echo $? >"$w/wget.rc"; } | tee "$w/file.fifo" |
		{ decompress "$3"; echo $? >"$w/unpack.rc"; } | tee "$w/raw.fifo" | dd of="$2" bs=1M conv=notrunc 2>"$w/dd.err" &
	pid=$!
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $((n % 5)) -eq 0 ] || continue
		got=$(sed -n 's/^wchar: //p' "/proc/$pid/io" 2>/dev/null)
		[ -n "$got" ] || continue
		pct=
		[ -n "$4" ] && [ "$4" -gt 0 ] && pct=$((got * 100 / $4))
		log "install: ${pct:-?}% ($got bytes written)"
		report "{\"kind\":\"install-progress\",\"bytes\":$got${4:+,\"totalBytes\":$4}}"
	done
	wait
	sync
	INSTALL_BYTES=$(tr -dc 0-9 <"$w/raw.count")
	INSTALL_BYTES=${INSTALL_BYTES:-0}
	RAW_SUM=$(cut -d' ' -f1 "$w/raw.sum")
	report "{\"kind\":\"install-progress\",\"bytes\":$INSTALL_BYTES${4:+,\"totalBytes\":$4}}"
	[ "$(cat "$w/wget.rc" 2>/dev/null)" = 0 ] || { install_failed "download failed"; return 1; }
	[ "$(cat "$w/unpack.rc" 2>/dev/null)" = 0 ] || { install_failed "the image is corrupt or truncated: $3 decompression failed"; return 1; }
	got=$(cut -d' ' -f1 "$w/file.sum")
	[ "$got" = "$sha" ] || { install_failed "sha256 mismatch: got $got"; return 1; }
	[ -s "$w/dd.err" ] && grep -qiE 'error|no space' "$w/dd.err" && { install_failed "writing to the disk failed: $(head -n 1 "$w/dd.err")"; return 1; }
	[ -z "$4" ] || [ "$INSTALL_BYTES" = "$4" ] || { install_failed "size mismatch: wrote $INSTALL_BYTES bytes, the image is $4"; return 1; }
}

# install_readback DEV: drops the page cache, reads the written range back
# from the disk and compares it with what was written.
install_readback() {
	local got
	blockdev --flushbufs "$1" 2>/dev/null
	[ -z "$R" ] && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	got=$(head -c "$INSTALL_BYTES" "$1" | sha256sum | cut -d' ' -f1)
	if [ "$got" != "$RAW_SUM" ]; then
		install_failed "read-back mismatch: the disk does not hold what was written (wrote sha256 $RAW_SUM, read $got)"
		return 1
	fi
	log "install: read back $INSTALL_BYTES bytes from $1: sha256 matches"
}

install_failed() {
	log "install failed: $1"
	report "{\"kind\":\"install-failed\",\"message\":$(json_str "$1")}" 10
}
