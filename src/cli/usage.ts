// The CLI's help text and usage error.

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {}

/** The top-level help. */
export const usage = `usage: bootherd <command> [options]

commands:
  serve                         run bootherd (HTTP API + TFTP)
      --config FILE             YAML or JSON config file
      --data-dir DIR            database, admin token, assets (default ./data)
      --http HOST:PORT          HTTP listen address (default 0.0.0.0:8080; port 0 = any free port)
      --tftp HOST:PORT          TFTP listen address, repeatable (default 0.0.0.0:69)
      --no-tftp                 do not serve TFTP
      --advertise HOST          address booting nodes use to reach bootherd
      --admin-token TOKEN       admin API token (default: generated into <data-dir>/admin-token)
      --firmware-dir DIR        Raspberry Pi firmware files (default <data-dir>/firmware)
      --templates-dir DIR       operator templates layered over the built-in ones
      --log-level LEVEL         debug | info | warn | error | silent
  nodes list [--state S] [--label K=V]      list nodes
  nodes show NODE                           one node (id, serial, MAC or hostname)
  nodes set-target NODE KIND [KEY=VALUE...] assign a target, e.g.
        nodes set-target rack1-pi07 nfs-root server=10.0.0.1 path=/srv/roots/pi07
        nodes set-target rack1-pi07 '{"kind":"local"}'
  nodes action NODE ACTION [--force|--wipe] rescue | end-rescue | reboot | power-on | power-off | retire | reset | reprovision-root
                                            (--force: reprovision-root of a booted node; --wipe: retire removes the node's root)
  nodes events NODE                         the node's event log
  render NODE FILE                          the exact bytes NODE is served for FILE
  images list | show NAME | rm NAME         the image catalogue (rm: refused while a node uses it)
  images add NAME KEY=VALUE...              e.g. images add golden rootDir=/srv/golden bootDir=/srv/boot kernel=kernel8.img
  images import NAME FILE.img[.xz|.gz]      unpack an OS image (FAT boot + ext4 root) into <images-dir>/NAME and store it
      --images-dir DIR          where imported images go (default <data-dir>/images)
  image build --arch arm64|amd64            build the discovery image
  firmware import [--cache DIR] [--mirror URL]
                                            fill the firmware dir from Debian's raspi-firmware and arm64 kernel
  dhcp-config --dnsmasq [--proxy] --range R [--interface IF]
                                            print a dnsmasq config pointing Pis, PXE ROMs and iPXE at bootherd

client options (nodes, images, render):
  --url URL                     bootherd's HTTP API (default http://127.0.0.1:8080, env BOOTHERD_URL)
  --admin-token TOKEN           env BOOTHERD_ADMIN_TOKEN, else <data-dir>/admin-token
  --json                        machine-readable output

exit codes: 0 ok, 1 error, 2 usage
`;
