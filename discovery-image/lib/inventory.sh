# Inventory v1 (DESIGN.md §5) from /proc and /sys. Every path is read below
# $R (BOOTHERD_ROOT), so tests can point it at a fake tree.

R=${BOOTHERD_ROOT:-}

# first_line FILE: FILE's first line without NULs (device-tree strings end in one).
first_line() {
	[ -r "$1" ] && head -n 1 "$1" 2>/dev/null | tr -d '\000\r' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

cpuinfo_field() {
	sed -n "s/^$1[[:space:]]*:[[:space:]]*//p" "$R/proc/cpuinfo" 2>/dev/null | head -n 1 | sed 's/[[:space:]]*$//'
}

# Firmware placeholders that are no identity at all.
real_id() {
	case $(printf '%s' "$1" | tr 'A-Z' 'a-z') in
		'' | 0 | none | 'not specified' | 'to be filled by o.e.m.' | 'default string' | 'system serial number') return 1 ;;
		*[!0]*) ;;
		*) return 1 ;;
	esac
	case $1 in *[!Ff-]*) return 0 ;; *) return 1 ;; esac
}

inv_pi_serial() {
	local s
	s=$(cpuinfo_field Serial)
	[ -n "$s" ] || s=$(first_line "$R/sys/firmware/devicetree/base/serial-number")
	real_id "$s" && printf '%s' "$s" | tr 'A-F' 'a-f'
}

inv_dmi() {
	local v
	v=$(first_line "$R/sys/class/dmi/id/$1")
	real_id "$v" && printf '%s' "$v"
}

inv_model() {
	local m
	m=$(cpuinfo_field Model)
	[ -n "$m" ] || m=$(first_line "$R/sys/firmware/devicetree/base/model")
	[ -n "$m" ] || m=$(inv_dmi product_name)
	printf '%s' "$m"
}

inv_cpus() {
	local n
	n=$(grep -c '^processor' "$R/proc/cpuinfo" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] || n=$(ls -d "$R"/sys/devices/system/cpu/cpu[0-9]* 2>/dev/null | wc -l)
	printf '%s' "$n"
}

inv_memory() {
	local kb
	kb=$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\) kB.*/\1/p' "$R/proc/meminfo" 2>/dev/null)
	[ -n "$kb" ] && printf '%s' $((kb * 1024))
}

# The Pi bootloader's boot-mode (a big-endian u32 in the device tree) as a word.
inv_boot_mode() {
	local f="$R/proc/device-tree/chosen/bootloader/boot-mode" n
	[ -r "$f" ] || return
	n=$(od -An -tu1 "$f" | awk '{ v = 0; for (i = 1; i <= NF; i++) v = v * 256 + $i; print v }')
	case $n in
		1) echo sd ;; 2) echo network ;; 3) echo usb-device ;; 4) echo usb-msd ;;
		5) echo bcm-usb-msd ;; 6) echo nvme ;; 7) echo http ;; *) echo "mode-$n" ;;
	esac
}

# build_inventory: prints the inventory v1 JSON document.
build_inventory() {
	local serial short=
	serial=$(inv_pi_serial)
	case $serial in *[!0-9a-f]*) ;; ????????*) short=${serial#"${serial%????????}"} ;; esac
	[ -n "$serial" ] || serial=$(inv_dmi product_serial)
	printf '{"schema":1,"serial":%s,"serialShort":%s,' "$(json_str_or_null "$serial")" "$(json_str_or_null "$short")"
	printf '"revision":%s,' "$(json_str_or_null "$(cpuinfo_field Revision)")"
	printf '"model":%s,"arch":%s,' "$(json_str_or_null "$(inv_model)")" "$(json_str_or_null "$(uname -m)")"
	printf '"uuid":%s,' "$(json_str_or_null "$(inv_dmi product_uuid | tr 'A-F' 'a-f')")"
	printf '"cpus":%s,"memoryBytes":%s,' "$(json_int_or_null "$(inv_cpus)")" "$(json_int_or_null "$(inv_memory)")"
	printf '"kernel":%s,' "$(json_str_or_null "$(first_line "$R/proc/sys/kernel/osrelease")")"
	printf '"bootMode":%s,' "$(json_str_or_null "$(inv_boot_mode)")"
	printf '"nics":%s,"disks":%s}\n' "$(inv_nics)" "$(inv_disks)"
}

# inv_nics: every Ethernet interface, the one that got the DHCP lease marked booted.
inv_nics() {
	local booted d n sep=
	booted=$(first_line "$R/run/bootherd/booted")
	printf '['
	for d in "$R"/sys/class/net/*; do
		n=${d##*/}
		[ "$n" != lo ] && [ "$(first_line "$d/type")" = 1 ] || continue
		printf '%s{"name":%s,"mac":%s,"booted":%s}' "$sep" "$(json_str "$n")" \
			"$(json_str "$(first_line "$d/address" | tr 'A-F' 'a-f')")" "$(json_bool "$([ "$n" = "$booted" ] && echo 1)")"
		sep=,
	done
	printf ']'
}
