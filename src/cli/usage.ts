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
      --store URL               postgres://USER[:PASS]@HOST[:PORT]/DB shared by several instances
                                (env BOOTHERD_STORE; default: SQLite in <data-dir>/bootherd.db)
      --instance NAME           this instance's name on events and /metrics (default: the host name)
  migrate                       apply pending schema migrations to the store (--store, --data-dir)
  store export [--out FILE]     write the whole store (nodes, events, rules, images) as JSON lines
  store import FILE|-           load such a file into an empty store, e.g. SQLite -> PostgreSQL
  nodes list [--state S] [--label K=V]      list nodes
  nodes show NODE                           one node (id, serial, MAC or hostname)
  nodes set-target NODE KIND [KEY=VALUE...] assign a target, e.g.
        nodes set-target rack1-pi07 nfs-root server=10.0.0.1 path=/srv/roots/pi07
        nodes set-target rack1-pi07 '{"kind":"local"}'
  nodes action NODE ACTION                  rescue | end-rescue | reboot | power-on | power-off | retire | reset
  nodes events NODE                         the node's event log
  render NODE FILE                          the exact bytes NODE is served for FILE
  image build --arch arm64|amd64            build the discovery image
  firmware import [--cache DIR] [--mirror URL]
                                            fill the firmware dir from Debian's raspi-firmware and arm64 kernel
  dhcp-config --dnsmasq [--proxy] --range R [--interface IF]
                                            print a dnsmasq config pointing Pis, PXE ROMs and iPXE at bootherd

client options (nodes, render):
  --url URL                     bootherd's HTTP API (default http://127.0.0.1:8080, env BOOTHERD_URL)
  --admin-token TOKEN           env BOOTHERD_ADMIN_TOKEN, else <data-dir>/admin-token
  --json                        machine-readable output

exit codes: 0 ok, 1 error, 2 usage
`;
