# The initramfs's nfs-root mode: mount the node's root over NFS (v4 or v3)
# and switch_root into it. Debian kernels build NFS as modules; /init loaded
# them with the others. Kernel command line:
#   bootherd.nfsroot=SERVER:/PATH  bootherd.nfsopts=vers=4.1,port=2049  [bootherd.init=/sbin/init]

# nfs_args: sets NFS_SERVER, NFS_PATH, NFS_OPTS, NFS_INIT from /proc/cmdline.
nfs_args() {
	local w
	NFS_OPTS=vers=3
	NFS_INIT=/sbin/init
	set -f
	for w in $(cat "$R/proc/cmdline"); do
		case $w in
			bootherd.nfsroot=*) NFS_SERVER=${w#*=}; NFS_SERVER=${NFS_SERVER%%:*}; NFS_PATH=${w#*:} ;;
			bootherd.nfsopts=*) NFS_OPTS=${w#*=} ;;
			bootherd.init=*) NFS_INIT=${w#*=} ;;
		esac
	done
	set +f
}

# nfs_mount_cmd DIR: the mount command for the root (v4 mounts go straight to
# the kernel with addr=; v3 needs nolock, there is no statd here).
nfs_mount_cmd() {
	case ,$NFS_OPTS, in
		*,vers=4* | *,nfsvers=4*) echo "mount -t nfs4 -o $NFS_OPTS,addr=$NFS_SERVER $NFS_SERVER:$NFS_PATH $1" ;;
		*) echo "mount -t nfs -o nolock,$NFS_OPTS $NFS_SERVER:$NFS_PATH $1" ;;
	esac
}

# nfs_move_mounts NEWROOT: moves /dev, /proc, /sys and /run into the new root.
nfs_move_mounts() {
	local d
	for d in dev proc sys run; do
		if [ -d "$1/$d" ]; then mount --move "/$d" "$1/$d" 2>/dev/null || umount -l "/$d"; else umount -l "/$d" 2>/dev/null; fi
	done
}

# nfs_root_boot: mounts the root (retrying with backoff) and switch_roots into it; never returns.
nfs_root_boot() {
	local tries=0 cmd
	nfs_args
	if [ -z "$NFS_SERVER" ] || [ -z "$NFS_PATH" ]; then
		echo "bootherd-agent: nfs-root: no bootherd.nfsroot=SERVER:/PATH on the kernel command line"
		return 1
	fi
	mkdir -p /newroot
	cmd=$(nfs_mount_cmd /newroot)
	until $cmd; do
		tries=$((tries + 1))
		echo "bootherd-agent: nfs-root: '$cmd' failed (attempt $tries)"
		sleep $((tries < 6 ? tries * 2 : 15))
	done
	echo "bootherd-agent: nfs-root: mounted $NFS_SERVER:$NFS_PATH ($NFS_OPTS); switching to $NFS_INIT"
	[ -x "/newroot$NFS_INIT" ] || { echo "bootherd-agent: nfs-root: no $NFS_INIT in the root"; return 1; }
	nfs_move_mounts /newroot
	exec switch_root /newroot "$NFS_INIT"
}
