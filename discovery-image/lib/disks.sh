# The disks part of the inventory: every whole disk under /sys/block with its
# partitions. Reads below $R like inventory.sh.

# inv_disks: JSON array of disks.
inv_disks() {
	local d n sep=
	printf '['
	for d in "$R"/sys/block/*; do
		n=${d##*/}
		case $n in loop* | ram* | zram* | dm-* | md* | sr* | fd* | nbd* | mtdblock* | *boot[0-9] | *rpmb | '*') continue ;; esac
		[ "$(first_line "$d/size")" -gt 0 ] 2>/dev/null || continue
		printf '%s' "$sep"
		inv_disk "$d" "$n"
		sep=,
	done
	printf ']'
}

# inv_disk SYSDIR NAME: one disk object.
inv_disk() {
	local model serial
	model=$(first_line "$1/device/model")
	[ -n "$model" ] || model=$(first_line "$1/device/name")
	serial=$(disk_serial "$1")
	printf '{"name":%s,"sizeBytes":%s,' "$(json_str "$2")" "$(json_int_or_null $(($(first_line "$1/size") * 512)))"
	printf '"model":%s,"serial":%s,' "$(json_str_or_null "$model")" "$(json_str_or_null "$serial")"
	printf '"removable":%s,"transport":%s,' "$(json_bool "$(first_line "$1/removable")")" "$(json_str "$(disk_transport "$1")")"
	printf '"partitions":%s}' "$(inv_partitions "$1" "$2")"
}

# disk_serial SYSDIR: virtio/nvme/mmc/scsi serial, else the USB device's serial.
disk_serial() {
	local s p
	s=$(first_line "$1/serial")
	[ -n "$s" ] || s=$(first_line "$1/device/serial")
	[ -n "$s" ] || s=$(first_line "$1/device/vpd_pg80" | tr -cd '[:print:]')
	if [ -z "$s" ]; then
		p=$(readlink -f "$1/device" 2>/dev/null)
		while [ -n "$p" ] && [ "$p" != / ] && [ "$p" != "$R" ]; do
			[ -r "$p/idVendor" ] && { s=$(first_line "$p/serial"); break; }
			p=${p%/*}
		done
	fi
	printf '%s' "$s"
}

# disk_transport SYSDIR: usb, nvme, mmc, virtio, sata, scsi or unknown, from the sysfs path.
disk_transport() {
	case $(readlink -f "$1" 2>/dev/null) in
		*/usb[0-9]*) echo usb ;;
		*/nvme*) echo nvme ;;
		*/mmc_host/* | */mmc[0-9]*) echo mmc ;;
		*/virtio[0-9]*) echo virtio ;;
		*/ata[0-9]*) echo sata ;;
		*/target[0-9]*) echo scsi ;;
		*) echo unknown ;;
	esac
}

# inv_partitions SYSDIR NAME: JSON array of the disk's partitions.
inv_partitions() {
	local p pn num sector dev sep=
	sector=$(first_line "$1/queue/logical_block_size")
	dev="$R/dev/$2"
	printf '['
	for p in "$1/$2"*; do
		[ -r "$p/partition" ] || continue
		pn=${p##*/}
		num=$(first_line "$p/partition")
		printf '%s{"name":%s,"number":%s,' "$sep" "$(json_str "$pn")" "$(json_int_or_null "$num")"
		printf '"sizeBytes":%s,' "$(json_int_or_null $(($(first_line "$p/size") * 512)))"
		printf '"partuuid":%s,' "$(json_str_or_null "$(partuuid "$dev" "${sector:-512}" "$num")")"
		printf '"fstype":%s}' "$(json_str_or_null "$(fstype "$R/dev/$pn")")"
		sep=,
	done
	printf ']'
}
