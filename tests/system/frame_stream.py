#!/usr/bin/python3
# The daemon's frame stream (Manager.OpenFrameStream) written to a file line by line as it comes
# (pcsctl record writes its file at the end), so that a test can wait for a frame in it.
#   frame_stream.py BUS_ADDRESS OUTPUT
import os
import sys

import dbus

bus = dbus.bus.BusConnection(sys.argv[1])
manager = dbus.Interface(bus.get_object("org.ystpcs.pcs1", "/org/ystpcs/pcs1"), "org.ystpcs.pcs1.Manager")
stream = os.fdopen(manager.OpenFrameStream({}).take(), "r")
with open(sys.argv[2], "w") as out:
    for line in stream:
        out.write(line)
        out.flush()
