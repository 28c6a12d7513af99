"""Developer commands behind the Makefile; none of this ships to Lambda."""
