"""huawei-ups2000: Huawei UPS2000 over Modbus RTU (driver.py; the line: link.py)."""
