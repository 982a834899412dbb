// A Raspberry Pi 4/5 bootloader configuration (bootconf.txt) for bootherd.
// The bootloader takes comments only on lines of their own, so every
// explanation, and how to apply the file, is a `#` line: the whole output can
// be redirected into bootconf.txt as it is. Facts: the Raspberry Pi
// documentation's "Raspberry Pi bootloader configuration" (BOOT_ORDER, the
// timeouts and their minimums, TFTP_PREFIX, TFTP_IP).

/** What the configuration is for. */
export interface EepromInput {
  pi: '4' | '5';
  prefix: 'serial' | 'mac';
  /** bootherd's IPv4 address as booting nodes reach it. */
  tftpIp: string;
}

/** The settings, in the order they are written; each with the comment lines above it. */
export function eepromSettings(c: EepromInput): Array<{ key: string; value: string; why: string[] }> {
  return [
    {
      key: 'BOOT_ORDER', value: '0xf12', why: [
        'Read from the right: 2 network first, then 1 SD card, then f start over.',
        'Network first keeps every board rescuable: bootherd decides what it boots, and a node',
        "whose target is 'local' is answered \"file not found\", so it falls through to its SD card.",
        '(0xf21, SD first, enrolls boards too, but a board whose SD card boots can no longer be',
        'rescued over the network.)',
      ],
    },
    {
      key: 'NET_BOOT_MAX_RETRIES', value: '3', why: [
        'Network tries before moving on to the SD card. -1 waits for bootherd forever (diskless',
        'racks); a few tries let a board with an SD card boot it while bootherd is down.',
      ],
    },
    { key: 'DHCP_TIMEOUT', value: '15000', why: ['Milliseconds for the whole DHCP exchange per try (default 45000, minimum 5000).'] },
    { key: 'DHCP_REQ_TIMEOUT', value: '4000', why: ['Milliseconds before a DHCP DISCOVER or REQUEST is resent (default 4000, minimum 500).'] },
    { key: 'TFTP_FILE_TIMEOUT', value: '30000', why: ['Milliseconds for one file over TFTP (default 30000, minimum 5000): a kernel on a busy rack.'] },
    { key: 'TFTP_IP', value: c.tftpIp, why: ["bootherd's TFTP server, whatever server the DHCP answer names."] },
    {
      key: 'TFTP_PREFIX', value: c.prefix === 'serial' ? '0' : '2', why: c.prefix === 'serial'
        ? ['Ask for files under the board serial: <8 hex digits>/start4.elf (bootherd enrolls it on first sight).']
        : ['Ask for files under the MAC address: dc-a6-32-01-36-c2/start4.elf (bootherd enrolls it on first sight).'],
    },
  ];
}

const piFacts = {
  '4': { images: '/lib/firmware/raspberrypi/bootloader-2711/default', name: 'Raspberry Pi 4 (and 400, CM4)' },
  '5': { images: '/lib/firmware/raspberrypi/bootloader-2712/default', name: 'Raspberry Pi 5 (and 500, CM5)' },
};

function howToApply(c: EepromInput): string[] {
  const flags = `--pi ${c.pi} --prefix ${c.prefix} --advertise ${c.tftpIp}`;
  return [
    `bootconf.txt for bootherd at ${c.tftpIp}: ${piFacts[c.pi].name}.`,
    `Made by 'bootherd eeprom-config ${flags}'.`,
    '',
    'Apply it once per board, on the board, running Raspberry Pi OS (package rpi-eeprom):',
    `  bootherd eeprom-config ${flags} > bootconf.txt   (or copy this file over)`,
    `  old=$(ls ${piFacts[c.pi].images}/pieeprom-*.bin | tail -n 1)`,
    '  rpi-eeprom-config --out new.bin --config bootconf.txt "$old"',
    '  sudo rpi-eeprom-update -d -f new.bin',
    '  sudo reboot',
    "Afterwards 'rpi-eeprom-config' (no arguments) prints the configuration the board runs.",
    '',
    "A board's serial (its TFTP directory with TFTP_PREFIX=0, the last 8 hex digits):",
    '  grep Serial /proc/cpuinfo       (Serial : 10000000a1b2c3d4 -> a1b2c3d4)',
    '  cat /sys/firmware/devicetree/base/serial-number',
    "There is no need to collect them: bootherd enrolls every board it sees ('bootherd nodes list').",
    '',
    'Pi 3 has no EEPROM. A 3B+ network-boots as it comes; a 3B needs its OTP bit set once',
    '(permanent), from an SD card:',
    '  echo program_usb_boot_mode=1 | sudo tee -a /boot/firmware/config.txt && sudo reboot',
    '  (/boot/config.txt on releases before bookworm)',
    '  vcgencmd otp_dump | grep 17:    (17:3020000a: set; then remove the line again)',
    'A Pi 3 always asks for its serial directory and takes the TFTP server from DHCP.',
    '',
    ...(c.pi === '5'
      ? [
        'Pi 5: its firmware is in the EEPROM, so it asks for no start4.elf; it keeps its directory',
        'when that holds config.txt and a device tree, then loads kernel_2712.img. It uses TFTP blocks',
        'of 1468 bytes and option 97 names it RPi5. The same keys apply; images are in bootloader-2712.',
      ]
      : [
        'Pi 5 differs: its EEPROM images are in bootloader-2712 (use --pi 5), its firmware is built in',
        '(no start4.elf over TFTP), and it loads kernel_2712.img with 1468-byte TFTP blocks.',
      ]),
  ];
}

/** The bootconf.txt text: explanations and apply steps as comment lines, then `[all]` and the settings. */
export function renderBootconf(c: EepromInput): string {
  const comment = (l: string) => (l ? `# ${l}` : '#');
  const lines = [...howToApply(c).map(comment), '', '[all]'];
  for (const s of eepromSettings(c)) lines.push(...s.why.map(comment), `${s.key}=${s.value}`);
  return lines.join('\n') + '\n';
}
