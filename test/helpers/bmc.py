#!/usr/bin/python3
# A real IPMI v2 (RMCP+) BMC from Debian's python3-pyghmi on 127.0.0.1 and a
# free UDP port (printed as "listening PORT"), user admin / password
# "password". Every chassis control is appended to LOG. With --qmp SOCK it
# drives a QEMU through QMP: cycle and on are system_reset + cont (a cut of
# power and the board starting again), off is stop (nothing runs any more).
import argparse
import json
import socket
import sys

import pyghmi.ipmi.bmc as bmc


def qmp(path, *commands):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile('rw')
    f.readline()  # greeting
    for cmd in ('qmp_capabilities',) + commands:
        f.write(json.dumps({'execute': cmd}) + '\n')
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if 'return' in reply or 'error' in reply:
                break
    s.close()


class TestBmc(bmc.Bmc):
    def __init__(self, authdata, port, log, qmp_path):
        super(TestBmc, self).__init__(authdata, port=port, address='127.0.0.1')
        self.powerstate = 'on'
        self.log = log
        self.qmp_path = qmp_path

    def record(self, what):
        with open(self.log, 'a') as f:
            f.write(what + '\n')

    def get_power_state(self):
        return self.powerstate

    def power_on(self):
        if self.qmp_path and self.powerstate == 'off':
            qmp(self.qmp_path, 'system_reset', 'cont')
        self.powerstate = 'on'
        self.record('on')

    def power_off(self):
        if self.qmp_path:
            qmp(self.qmp_path, 'stop')
        self.powerstate = 'off'
        self.record('off')

    def power_cycle(self):
        if self.qmp_path:
            qmp(self.qmp_path, 'system_reset', 'cont')
        self.powerstate = 'on'
        self.record('cycle')

    def power_reset(self):
        self.power_cycle()

    def power_shutdown(self):
        self.power_off()

    def is_active(self):
        return self.powerstate == 'on'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--log', required=True)
    p.add_argument('--qmp')
    a = p.parse_args()
    # pyghmi needs the real port number up front (port 0 breaks its sessions).
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    b = TestBmc({'admin': 'password'}, port, a.log, a.qmp)
    print('listening %d' % port, flush=True)
    b.listen()


if __name__ == '__main__':
    sys.exit(main())
