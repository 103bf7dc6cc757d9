"""Methods that turn per-clip features into a misalignment score; anomaly is the positive class."""
