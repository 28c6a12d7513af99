"""The slow tier: tests that start processes or servers on 127.0.0.1, or connect to them."""
