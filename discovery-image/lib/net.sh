# Network bring-up for /init: DHCP on the NIC the node booted from (BOOTIF= or
# bootherd.mac= on the command line), else on each Ethernet NIC with a link.

# eth_nics: names of the Ethernet interfaces, the boot NIC first.
eth_nics() {
	local want= w d n mac rest=
	for w in $(cat /proc/cmdline); do
		case $w in
			BOOTIF=01-*) want=$(echo "${w#BOOTIF=01-}" | tr 'A-F-' 'a-f:') ;;
			bootherd.mac=*) want=$(echo "${w#*=}" | tr 'A-F-' 'a-f:') ;;
		esac
	done
	for d in /sys/class/net/*; do
		n=${d##*/}
		[ "$n" != lo ] && [ "$(cat "$d/type" 2>/dev/null)" = 1 ] || continue
		mac=$(cat "$d/address")
		if [ -n "$want" ] && [ "$mac" = "$want" ]; then echo "$n"; else rest="$rest $n"; fi
	done
	for n in $rest; do echo "$n"; done
}

# wait_for_link NICS...: up to 10 s for a carrier on any of them.
wait_for_link() {
	local i n
	for i in 1 2 3 4 5 6 7 8 9 10; do
		for n in "$@"; do [ "$(cat "/sys/class/net/$n/carrier" 2>/dev/null)" = 1 ] && return 0; done
		sleep 1
	done
	return 1
}

# net_up: a lease on one NIC; records its name in /run/bootherd/booted.
net_up() {
	local nics n i
	for i in 1 2 3 4 5; do
		nics=$(eth_nics)
		[ -n "$nics" ] && break
		sleep 2 # USB NICs (Pi 3) enumerate late
	done
	for n in $nics; do ip link set "$n" up; done
	wait_for_link $nics
	for n in $nics; do
		[ "$(cat "/sys/class/net/$n/carrier" 2>/dev/null)" = 1 ] || continue
		if udhcpc -i "$n" -s /bootherd/udhcpc.script -t 5 -T 2 -A 3 -n -p "/run/udhcpc.$n.pid" -x hostname:bootherd-discovery >/dev/null 2>&1; then
			echo "$n" >/run/bootherd/booted
			echo "bootherd-agent: init: $n: $(cat /run/bootherd/ip) via DHCP"
			return 0
		fi
	done
	return 1
}
