"""Where arrays live (device.py), what they hold (dtypes.py)."""
