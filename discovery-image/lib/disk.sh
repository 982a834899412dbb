# Reads partition tables and filesystem signatures straight from the disk
# (busybox has no blkid applet): PARTUUIDs from MBR/GPT, fstype from magic bytes.

# hexat FILE OFFSET LEN: LEN bytes at OFFSET as lowercase hex without spaces.
hexat() {
	dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null | od -An -v -tx1 | tr -d ' \n'
}

# le_hex HEX: reverses the byte order of a hex string (little-endian field -> number).
le_hex() {
	local h=$1 o=
	while [ -n "$h" ]; do
		o=${h%"${h#??}"}$o
		h=${h#??}
	done
	printf '%s' "$o"
}

# le_num FILE OFFSET LEN: an unsigned little-endian integer read from FILE.
le_num() {
	local h
	h=$(le_hex "$(hexat "$1" "$2" "$3")")
	[ -n "$h" ] && printf '%d' "$((0x$h))"
}

# table_kind DEV SECTOR: gpt, mbr or none.
table_kind() {
	[ "$(hexat "$1" 510 2)" = 55aa ] || { echo none; return; }
	if [ "$(hexat "$1" 450 1)" = ee ] && [ "$(hexat "$1" "$2" 8)" = 4546492050415254 ]; then
		echo gpt
	else
		echo mbr
	fi
}

# partuuid DEV SECTOR NUM: the PARTUUID the kernel would match for partition NUM.
partuuid() {
	local kind
	kind=$(table_kind "$1" "$2")
	case $kind in
		mbr) printf '%s-%02x' "$(le_hex "$(hexat "$1" 440 4)")" "$3" ;;
		gpt) gpt_partuuid "$@" ;;
	esac
}

gpt_partuuid() {
	local lba size off g
	lba=$(le_num "$1" $(($2 + 72)) 8)
	size=$(le_num "$1" $(($2 + 84)) 4)
	[ -n "$lba" ] && [ -n "$size" ] || return
	off=$((lba * $2 + ($3 - 1) * size + 16))
	g=$(hexat "$1" "$off" 16)
	[ ${#g} -eq 32 ] || return
	printf '%s-%s-%s-%s-%s' "$(le_hex "${g%????????????????????????}")" \
		"$(le_hex "$(echo "$g" | cut -c9-12)")" "$(le_hex "$(echo "$g" | cut -c13-16)")" \
		"$(echo "$g" | cut -c17-20)" "$(echo "$g" | cut -c21-32)"
}

# fstype DEV: the filesystem found on DEV by its magic, or nothing.
fstype() {
	if [ "$(hexat "$1" 1080 2)" = 53ef ]; then
		ext_kind "$1"
		return
	fi
	case $(hexat "$1" 0 4) in
		58465342) echo xfs; return ;;
		68737173) echo squashfs; return ;;
		4c554b53) echo crypto_LUKS; return ;;
	esac
	[ "$(hexat "$1" 65600 8)" = 5f42485266535f4d ] && { echo btrfs; return; }
	[ "$(hexat "$1" 3 4)" = 4e544653 ] && { echo ntfs; return; }
	[ "$(hexat "$1" 82 5)" = 4641543332 ] && { echo vfat; return; }
	[ "$(hexat "$1" 54 3)" = 464154 ] && { echo vfat; return; }
	for o in 4086 16374 65526; do
		[ "$(hexat "$1" $o 10)" = 53574150535041434532 ] && { echo swap; return; }
	done
}

# ext2, ext3 or ext4 from the superblock's feature flags.
ext_kind() {
	local compat incompat
	compat=$(le_num "$1" 1116 4)
	incompat=$(le_num "$1" 1120 4)
	if [ $((${incompat:-0} & 0x2c0)) -ne 0 ]; then echo ext4
	elif [ $((${compat:-0} & 4)) -ne 0 ]; then echo ext3
	else echo ext2
	fi
}
