"""What the Modbus drivers share: a client over TCP, serial RTU or USB links (libmodbus's steps)."""
